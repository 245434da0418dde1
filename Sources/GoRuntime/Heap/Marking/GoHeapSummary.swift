import Analysis

/// The rows of `coreinspect heap`: live and garbage counts and bytes per group of objects,
/// and totals over every allocated object (which equal MemStats' HeapObjects and HeapAlloc).
public struct GoHeapSummary: Sendable {
    public enum Grouping: String, CaseIterable, Sendable { case type, package, sizeClass = "size-class" }
    public enum Order: String, CaseIterable, Sendable { case bytes, count }

    public struct Row: Sendable {
        public var key: String
        public var live: Tally
        public var garbage: Tally
    }

    /// The top rows, largest first by `order` over live and garbage together.
    public let rows: [Row]
    /// Groups not shown in `rows`.
    public let omittedGroups: Int
    public let totals: StateTallies

    public init(table: AllocationTable, types: TypeTable, grouping: Grouping, order: Order, top: Int) {
        let groupNames: [String]
        let histogram: Histogram<Int>
        switch grouping {
        case .type:
            groupNames = types.names
            histogram = Histogram(table) { Int(table.typeIDs[$0].rawValue) }
        case .package:
            var names: [String] = []
            var ids: [String: Int] = [:]
            let packageOfType = types.names.map { name in
                let package = Self.packageName(ofType: name)
                if let id = ids[package] { return id }
                ids[package] = names.count
                names.append(package)
                return names.count - 1
            }
            groupNames = names
            histogram = Histogram(table) { packageOfType[Int(table.typeIDs[$0].rawValue)] }
        case .sizeClass:
            let classes = (0..<256).map { $0 == 0 ? "large (size class 0)" : "size class \($0)" }
            groupNames = classes
            histogram = Histogram(table) { Int(GoHeap.AllocatorWord.spanClass(of: table.allocatorWords[$0]) >> 1) }
        }
        let measure: (StateTallies) -> UInt64 = order == .bytes
            ? { $0.live.bytes &+ $0.garbage.bytes } : { $0.live.count &+ $0.garbage.count }
        let top = histogram.top(max(0, top), by: measure)
        rows = top.map { Row(key: groupNames[$0.key], live: $0.tallies.live, garbage: $0.tallies.garbage) }
        omittedGroups = histogram.buckets.count - rows.count
        totals = histogram.total
    }

    /// The package of the first qualified name in a Go type name: `main` for
    /// `map[string]*main.Session`; `(builtin)` for `string`, `(untyped)` for `[size class 5]`.
    static func packageName(ofType name: String) -> String {
        if name.hasPrefix("[size class") || name.hasSuffix(" bytes]") { return "(untyped)" }
        var start = name.startIndex
        var index = name.startIndex
        while index < name.endIndex {
            let character = name[index]
            if character == "." {
                return String(name[start..<index])
            }
            if !(character.isLetter || character.isNumber || character == "_" || character == "/" || character == "-") {
                start = name.index(after: index)
            }
            index = name.index(after: index)
        }
        return "(builtin)"
    }
}
