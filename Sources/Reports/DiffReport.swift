import Analysis
import CoreFile
import GoRuntime

/// `coreinspect diff OLD NEW`: what grew between two cores of the same
/// executable, per type, per goroutine group, per allocation site (Go) and
/// in new leaks (C and C++), each list sorted by growth, at most `--top` rows.
public struct DiffReport: Encodable {
    /// A count and bytes in each core, and the change (negative when it shrank).
    public struct Row: Encodable, Equatable {
        /// A type, a C++ class or "[N bytes]" for a glibc chunk size.
        public var type: String
        public var oldCount: UInt64
        public var newCount: UInt64
        public var count: Int64
        public var oldBytes: UInt64
        public var newBytes: UInt64
        public var bytes: Int64

        public init(_ growth: Growth) {
            type = growth.key
            oldCount = growth.old.count
            newCount = growth.new.count
            count = growth.count
            oldBytes = growth.old.bytes
            newBytes = growth.new.bytes
            bytes = growth.bytes
        }
    }

    public struct Goroutines: Encodable {
        public var old: Int
        public var new: Int
        public var count: Int
        /// Groups whose size changed, most grown first, at most `--top`.
        public var groups: [DiffGoroutineGroup]
        public var otherGroups: Int
    }

    public struct Sites: Encodable {
        /// runtime.MemProfileRate of the new core (bytes per sample; 1 every allocation).
        public var rate: Int64?
        /// Sites whose in-use or allocated values changed, most grown in-use bytes first, at most `--top`.
        public var sites: [DiffAllocationSite]
        public var otherSites: Int
        public var totals: DiffAllocationSite
    }

    public struct Leaks: Encodable {
        public var old: LeaksReport.Totals
        public var new: LeaksReport.Totals
        /// Leaked in NEW and not in OLD (by address and size), per kind.
        public var newLeaks: NewLeakTotals
        /// Every new leak, by address.
        public var allocations: [LeaksReport.Allocation]
        /// Groups of new leaks by kind and type, largest first (the text shows `--top`).
        public var groups: [NewLeakGroup]
    }

    public struct NewLeakTotals: Encodable, Equatable {
        public var direct = LeaksReport.Tally()
        public var indirect = LeaksReport.Tally()
        public var possible = LeaksReport.Tally()
        public var total = LeaksReport.Tally()
    }

    public struct NewLeakGroup: Encodable, Equatable {
        public var kind: String
        public var type: String
        public var count: Int
        public var bytes: UInt64
    }

    /// "Go go1.26.6" or "glibc 2.36".
    public var heap: String
    public var old: String
    public var new: String
    /// The executable's build-id, the same in both cores.
    public var buildID: String?
    /// Go: the live heap (reachable objects); glibc: chunks in use.
    public var totals: Row
    /// Go: every allocated object, live and garbage: what MemStats' HeapObjects and HeapAlloc count.
    public var allocated: Row?
    public var types: [Row]
    /// Changed types beyond `--top`.
    public var otherTypes: Int
    public var goroutines: Goroutines?
    public var sites: Sites?
    public var leaks: Leaks?
    /// --profile: Go, NEW's memory profile minus OLD's; C and C++, the new leaks.
    public var profile: HeapProfileReport.Written?
    /// --profile-types: the growth per type.
    public var profileTypes: HeapProfileReport.Written?
    var top: Int

    public init(heap: String, old: String, new: String, buildID: String?, types: [Growth], totals: Growth, top: Int) {
        self.heap = heap
        self.old = old
        self.new = new
        self.buildID = buildID
        self.totals = Row(totals)
        self.top = max(top, 0)
        self.types = types.prefix(self.top).map(Row.init)
        otherTypes = types.count - self.types.count
    }

    public mutating func addAllocated(_ growth: Growth) { allocated = Row(growth) }

    public mutating func addGoroutines(old: [GoroutineGroup], new: [GoroutineGroup]) {
        let rows = DiffGoroutineGroup.rows(old: old, new: new)
        let oldCount = old.reduce(0) { $0 + $1.count }, newCount = new.reduce(0) { $0 + $1.count }
        goroutines = Goroutines(old: oldCount, new: newCount, count: newCount - oldCount, groups: Array(rows.prefix(top)),
                                otherGroups: max(rows.count - top, 0))
    }

    public mutating func addSites(old: GoAllocationSites, new: GoAllocationSites, rate: Int64?) {
        let rows = DiffAllocationSite.rows(old: old.sites, new: new.sites)
        sites = Sites(rate: rate, sites: Array(rows.prefix(top)), otherSites: max(rows.count - top, 0),
                      totals: DiffAllocationSite(old: old.totals, new: new.totals))
    }

    /// New leaks: allocations leaked in `new` whose address and size no leak of `old` has.
    public mutating func addLeaks(old: LeaksReport, new: LeaksReport) {
        struct Identity: Hashable { var address: String; var size: UInt64 }
        let before = Set(old.allocations.map { Identity(address: $0.address, size: $0.size) })
        let fresh = new.allocations.filter { !before.contains(Identity(address: $0.address, size: $0.size)) }
        var totals = NewLeakTotals()
        var groups: [String: NewLeakGroup] = [:]
        for allocation in fresh {
            switch allocation.kind {
            case "direct": totals.direct.add(allocation.size)
            case "indirect": totals.indirect.add(allocation.size)
            default: totals.possible.add(allocation.size)
            }
            totals.total.add(allocation.size)
            groups[allocation.kind + "\u{0}" + allocation.type, default: NewLeakGroup(kind: allocation.kind, type: allocation.type, count: 0, bytes: 0)]
                .add(allocation.size)
        }
        leaks = Leaks(old: old.totals, new: new.totals, newLeaks: totals, allocations: fresh,
                      groups: groups.values.sorted { ($0.bytes, $0.count, $1.kind, $1.type) > ($1.bytes, $1.count, $0.kind, $0.type) })
    }

    enum CodingKeys: String, CodingKey {
        case heap, old, new, buildID, totals, allocated, types, otherTypes, goroutines, sites, leaks, profile, profileTypes
    }
}

extension DiffReport.NewLeakGroup {
    mutating func add(_ size: UInt64) {
        count += 1
        bytes += size
    }
}
