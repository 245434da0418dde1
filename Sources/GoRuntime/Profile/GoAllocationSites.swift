import CoreFile

/// The memory profile's records grouped by allocation site: the innermost
/// frame of the program below the runtime's allocator frames (what
/// `go tool pprof -top` lists first), values scaled as runtime/pprof scales them.
public struct GoAllocationSites: Sendable {
    public struct Site: Encodable, Equatable, Sendable {
        public var function: String
        public var file: String?
        public var line: Int?
        public var inUseObjects: Int64 = 0
        public var inUseBytes: Int64 = 0
        public var allocObjects: Int64 = 0
        public var allocBytes: Int64 = 0
        /// Profile records (distinct stacks) merged into this site.
        public var records: Int = 0

        mutating func add(_ values: ScaledMemoryProfileValues) {
            inUseObjects &+= values.inUseObjects
            inUseBytes &+= values.inUseBytes
            allocObjects &+= values.allocObjects
            allocBytes &+= values.allocBytes
            records += 1
        }
    }

    /// Largest in-use bytes first, then largest allocated bytes, then by name; at most `top`.
    public var sites: [Site]
    /// Sites beyond `top`.
    public var otherSites: Int
    /// Over every record, the sites beyond `top` included.
    public var totals: Site

    public init(profile: GoMemoryProfile, symbols: GoSymbolTable, byObjectSize: Bool, top: Int) {
        var bySite: [String: Site] = [:]
        var totals = Site(function: "total")
        let rate = profile.rate ?? 0
        for record in profile.records {
            let frame = Self.allocationSite(of: record.stack, symbols: symbols)
            let name = frame?.function ?? "?"
            let key = name + "\u{0}" + (frame?.file ?? "") + "\u{0}" + String(frame?.line ?? 0)
            let values = record.scaled(rate: rate, byObjectSize: byObjectSize)
            bySite[key, default: Site(function: name, file: frame?.file, line: frame?.line)].add(values)
            totals.add(values)
        }
        let ordered = bySite.values.sorted {
            ($0.inUseBytes, $0.allocBytes, $1.function, $1.line ?? 0) > ($1.inUseBytes, $1.allocBytes, $0.function, $0.line ?? 0)
        }
        sites = Array(ordered.prefix(max(top, 0)))
        otherSites = ordered.count - sites.count
        self.totals = totals
    }

    /// The innermost frame outside the runtime, at pc − 1 of a return PC; the
    /// innermost frame of all when the whole stack is the runtime's.
    static func allocationSite(of stack: [UInt64], symbols: GoSymbolTable) -> GoSourceFrame? {
        var innermost: GoSourceFrame?
        for pc in stack {
            guard let frame = symbols.frames(at: Address(pc), isReturnAddress: true).first else { continue }
            if innermost == nil { innermost = frame }
            if !Self.isRuntime(frame.function) { return frame }
        }
        return innermost
    }

    /// The frames runtime/pprof hides above the program's first frame.
    public static func isRuntime(_ function: String) -> Bool {
        function.hasPrefix("runtime.") || function.hasPrefix("internal/runtime/")
    }
}
