import CoreFile
import GoRuntime

/// `coreinspect heap`: the largest groups of a Go heap, live and garbage apart, and totals
/// over every allocated object checked against MemStats' HeapObjects and HeapAlloc.
public struct HeapReport: Encodable {
    public struct Group: Encodable {
        /// The type, package or size class named by `groupBy`.
        public var type: String
        public var count: UInt64
        public var bytes: UInt64
        public var garbageCount: UInt64
        public var garbageBytes: UInt64
    }

    public struct Totals: Encodable {
        /// Every allocated object, live and garbage: what MemStats counts.
        public var objects: UInt64
        public var bytes: UInt64
        public var liveObjects: UInt64
        public var liveBytes: UInt64
        public var garbageObjects: UInt64
        public var garbageBytes: UInt64
        /// MemStats HeapObjects and HeapAlloc read from the same core; nil when unreadable.
        public var memStatsHeapObjects: UInt64?
        public var memStatsHeapAlloc: UInt64?
    }

    public var goVersion: String
    public var groupBy: String
    public var types: [Group]
    /// Groups beyond `--top`.
    public var otherGroups: Int
    public var totals: Totals

    public init(goVersion: String, summary: GoHeapSummary, grouping: GoHeapSummary.Grouping,
                memStatsObjects: UInt64?, memStatsBytes: UInt64?) {
        self.goVersion = goVersion
        groupBy = grouping.rawValue
        types = summary.rows.map {
            Group(type: $0.key, count: $0.live.count, bytes: $0.live.bytes,
                  garbageCount: $0.garbage.count, garbageBytes: $0.garbage.bytes)
        }
        otherGroups = summary.omittedGroups
        let all = summary.totals
        let allocated = all.allocated
        totals = Totals(objects: allocated.count, bytes: allocated.bytes, liveObjects: all.live.count,
                        liveBytes: all.live.bytes, garbageObjects: all.garbage.count + all.unknown.count,
                        garbageBytes: all.garbage.bytes + all.unknown.bytes,
                        memStatsHeapObjects: memStatsObjects, memStatsHeapAlloc: memStatsBytes)
    }

    /// Whether the walk's totals equal MemStats'; nil when MemStats was unreadable.
    public var agreesWithMemStats: Bool? {
        guard let objects = totals.memStatsHeapObjects, let bytes = totals.memStatsHeapAlloc else { return nil }
        return objects == totals.objects && bytes == totals.bytes
    }

    /// A warning when the totals and MemStats disagree: the walk then missed or invented objects.
    public var reconciliationWarnings: [Warning] {
        guard agreesWithMemStats == false else { return [] }
        return [Warning("heap: \(totals.objects) objects / \(totals.bytes) bytes walked, but MemStats says HeapObjects "
                        + "\(totals.memStatsHeapObjects ?? 0) / HeapAlloc \(totals.memStatsHeapAlloc ?? 0)",
                        kind: .unreadableGoRuntime)]
    }

    public func text(style: TextStyle) -> String {
        var lines = [style.bold("Go \(goVersion) heap by \(groupBy)")
                     + style.dim(" (live: reachable from the runtime's roots; garbage: unreachable, not yet swept)")]
        var table = TextTable(["live bytes", "live count", "garbage bytes", "garbage count", groupBy])
        for group in types {
            table.add([Format.bytes(group.bytes), String(group.count), Format.bytes(group.garbageBytes),
                       String(group.garbageCount), group.type])
        }
        lines.append(table.render(indent: "  "))
        if otherGroups > 0 { lines.append(style.dim("  … and \(otherGroups) more groups (--top)")) }
        let total = totals
        lines.append(style.bold("Total") + " \(total.objects) objects, \(Format.bytes(total.bytes)) (\(total.bytes) B) allocated: "
                     + "live \(total.liveObjects) objects \(Format.bytes(total.liveBytes)), "
                     + "garbage \(total.garbageObjects) objects \(Format.bytes(total.garbageBytes))")
        switch agreesWithMemStats {
        case true?: lines.append("  = MemStats HeapObjects \(total.objects), HeapAlloc \(total.bytes) exactly")
        case false?: lines.append(style.red("  ≠ MemStats HeapObjects \(total.memStatsHeapObjects ?? 0), HeapAlloc \(total.memStatsHeapAlloc ?? 0)"))
        case nil: lines.append(style.dim("  MemStats unreadable: totals not checked"))
        }
        return lines.joined(separator: "\n")
    }
}
