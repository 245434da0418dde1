import Analysis
import GlibcMalloc
import GoRuntime

/// The metrics measured on one core, by name: each pipeline's results are added as it runs.
/// Every `add` fills exactly the metrics `GateMetrics` gives that source (a unit test holds them together).
public struct GateMeasurements: Sendable {
    public let program: GateMetric.Program
    public private(set) var values: [String: GateNumber] = [:]

    public init(program: GateMetric.Program) { self.program = program }

    public subscript(name: String) -> GateNumber? { values[name] }

    public mutating func addThreads(count: Int) {
        values["threads"] = GateNumber(count)
    }

    /// - Parameters: all: goroutines not dead; user: of them, those runtime.NumGoroutine counts.
    public mutating func addGoroutines(all: Int, user: Int) {
        values["goroutines.all"] = GateNumber(all)
        values["goroutines"] = GateNumber(user)
    }

    public mutating func add(memstats: GoMemStats) {
        for field in GateMetrics.memStatsFields { values["memstats.\(field.name)"] = field.value(memstats) }
    }

    /// The Go heap's totals by state: unmarked (`.unknown`) after a walk, live and garbage after marking.
    public mutating func addGoHeap(_ totals: StateTallies, marked: Bool) {
        let allocated = totals.allocated
        values["heap.bytes"] = GateNumber(allocated.bytes)
        values["heap.objects"] = GateNumber(allocated.count)
        guard marked else { return }
        values["heap.live.bytes"] = GateNumber(totals.live.bytes)
        values["heap.live.objects"] = GateNumber(totals.live.count)
        values["heap.garbage.bytes"] = GateNumber(totals.garbage.bytes &+ totals.unknown.bytes)
        values["heap.garbage.objects"] = GateNumber(totals.garbage.count + totals.unknown.count)
    }

    public mutating func addGlibcHeap(inUse: GlibcTally, mallinfo: GlibcMallinfo2) {
        values["heap.bytes"] = GateNumber(inUse.bytes)
        values["heap.objects"] = GateNumber(inUse.count)
        for field in GateMetrics.mallinfoFields { values["mallinfo.\(field.name)"] = field.value(mallinfo) }
    }

    public mutating func addLeaks(_ totals: LeaksReport.Totals) {
        let kinds: [(String, LeaksReport.Tally)] = [("direct", totals.direct), ("indirect", totals.indirect), ("possible", totals.possible)]
        for (name, tally) in kinds {
            values["leaked.\(name).bytes"] = GateNumber(tally.bytes)
            values["leaked.\(name).count"] = GateNumber(tally.count)
        }
        values["leaked.bytes"] = GateNumber(kinds.reduce(0) { $0 + $1.1.bytes })
        values["leaked.count"] = GateNumber(kinds.reduce(0) { $0 + $1.1.count })
    }
}
