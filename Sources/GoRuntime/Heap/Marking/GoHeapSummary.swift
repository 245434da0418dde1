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
        // Dense group numbers and one flat tally per group: millions of rows, a few thousand groups.
        var groupNames: [String]
        var groupOfType: [Int]?
        switch grouping {
        case .type:
            groupNames = types.names
            groupOfType = Array(types.names.indices)
        case .package:
            groupNames = []
            var ids: [String: Int] = [:]
            groupOfType = types.names.map { name in
                let package = Self.packageName(ofType: name)
                if let id = ids[package] { return id }
                ids[package] = groupNames.count
                groupNames.append(package)
                return groupNames.count - 1
            }
        case .sizeClass:
            groupNames = (0..<256).map { $0 == 0 ? "large (size class 0)" : "size class \($0)" }
        }
        var tallies = [StateTallies](repeating: StateTallies(), count: groupNames.count)
        for row in 0..<table.count {
            let group = groupOfType.map { $0[Int(table.typeIDs[row].rawValue)] }
                ?? Int(GoHeap.AllocatorWord.spanClass(of: table.allocatorWords[row]) >> 1)
            tallies[group][table.states[row]].add(bytes: table.sizes[row])
        }
        let measure: (StateTallies) -> UInt64 = order == .bytes
            ? { $0.live.bytes &+ $0.garbage.bytes } : { $0.live.count &+ $0.garbage.count }
        let used = tallies.indices.filter { tallies[$0].allocated.count > 0 }
        // Largest first; equal measures keep the group order (type ids, size classes).
        let ranked = used.sorted { measure(tallies[$0]) != measure(tallies[$1]) ? measure(tallies[$0]) > measure(tallies[$1]) : $0 < $1 }
        rows = ranked.prefix(max(0, top)).map { Row(key: groupNames[$0], live: tallies[$0].live, garbage: tallies[$0].garbage) }
        omittedGroups = used.count - rows.count
        totals = tallies.reduce(into: StateTallies()) { sum, group in
            for state in AllocationState.allCases {
                sum[state].count += group[state].count
                sum[state].bytes &+= group[state].bytes
            }
        }
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
