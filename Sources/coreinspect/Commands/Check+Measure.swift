import Analysis
import CoreFile
import GlibcMalloc
import GoRuntime
import ProcessImage
import Reports
import Symbols

extension GateMetric.Program {
    init(of process: ProcessImage) {
        if GoBuildInfo.read(from: process) != nil {
            self = .go
        } else {
            self = GlibcLibrary.module(in: process) != nil ? .glibc : .other
        }
    }

    /// As in "measured on Go programs only".
    var name: String {
        switch self {
        case .go: return "Go"
        case .glibc: return "glibc (C and C++)"
        case .other: return "other"
        }
    }

    var phrase: String {
        switch self {
        case .go: return "a Go program"
        case .glibc: return "a C or C++ program (glibc)"
        case .other: return "a program neither Go nor glibc"
        }
    }
}

/// Runs on one core the pipelines its rules need, those of `goroutines`, `memstats`, `heap` and
/// `leaks`, and collects their metrics with every warning and note.
struct GateMeasurer {
    let options: CoreOptions
    let rules: [GateRule]

    struct Measured {
        var measurements: GateMeasurements
        var warnings: [Warning] = []
        var notes: [Note] = []
    }

    /// - Parameter opened: the core, when the caller has opened it already.
    func measure(opened: ProcessImage? = nil) throws -> Measured {
        let opened = try opened ?? ProcessImage(corePath: options.core, search: options.search)
        let program = GateMetric.Program(of: opened)
        let sources = Set(rules.compactMap { GateMetrics.named($0.metric)?.metric.sources[program] })
        var measured = Measured(measurements: GateMeasurements(program: program))
        // The marked heap opens the core and the runtime itself; its warnings include the process's.
        let marked = sources.contains(.goHeapMarked) ? try MarkedGoHeap.open(options: options) : nil
        let process = marked?.process ?? opened
        measured.warnings = marked.map { $0.warnings } ?? process.warnings
        measured.notes = marked?.notes ?? []
        measured.measurements.addThreads(count: process.threads.count)
        switch program {
        case .go: try measureGo(process: process, marked: marked, sources: sources, into: &measured)
        case .glibc: try measureGlibc(process: process, sources: sources, into: &measured)
        case .other: break
        }
        return measured
    }

    private func measureGo(process: ProcessImage, marked: MarkedGoHeap?, sources: Set<GateMetric.Source>,
                           into measured: inout Measured) throws {
        guard !sources.isDisjoint(with: [.goroutines, .memstats, .goHeapWalk, .goHeapMarked]) else { return }
        let go: GoProcess
        if let marked {
            go = marked.go
        } else {
            let native = try NativeSymbols(process: process, search: options.search)
            go = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
                try GoProcess(process: process, native: native)
            }
            measured.warnings += go.allWarnings
        }
        if sources.contains(.goroutines) {
            measured.measurements.addGoroutines(all: go.goroutines.count, user: go.goroutines.filter { !go.isRuntimeOwned($0) }.count)
        }
        if sources.contains(.memstats) {
            let snapshot = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
                try go.readMemStats(process: process)
            }
            if snapshot.unreadableCaches > 0 {
                measured.warnings.append(Warning("memstats: \(snapshot.unreadableCaches) Ps or cached spans could not be read; Mallocs, Frees and HeapObjects miss their unflushed counts",
                                                 kind: .unreadableGoRuntime))
            }
            measured.measurements.add(memstats: snapshot.memstats)
        }
        if let marked {
            measured.measurements.addGoHeap(Self.totals(marked.marking.table, types: marked.types), marked: true)
        } else if sources.contains(.goHeapWalk) {
            let heap = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
                try GoHeap.read(process: process, go: go)
            }
            measured.warnings += heap.warnings
            measured.measurements.addGoHeap(Self.totals(heap.table, types: heap.typeTable), marked: false)
        }
    }

    private static func totals(_ table: AllocationTable, types: TypeTable) -> StateTallies {
        GoHeapSummary(table: table, types: types, grouping: .sizeClass, order: .bytes, top: 0).totals
    }

    private func measureGlibc(process: ProcessImage, sources: Set<GateMetric.Source>, into measured: inout Measured) throws {
        guard !sources.isDisjoint(with: [.glibcHeap, .glibcLeaks]) else { return }
        let symbols = try? NativeSymbols(process: process, search: options.search)
        let heap = try GlibcHeap.read(process: process, symbols: symbols)
        measured.warnings += heap.warnings
        measured.notes += heap.notes
        if sources.contains(.glibcHeap) {
            let report = GlibcHeapReport(heap: heap, top: 0)
            measured.warnings += report.reconciliationWarnings
            measured.measurements.addGlibcHeap(inUse: report.totals.inUse, mallinfo: heap.mallinfo2)
        }
        if sources.contains(.glibcLeaks) {
            let (report, leakWarnings) = Leaks.check(heap: heap, process: process, kinds: [.direct, .indirect, .possible],
                                                     maxLeakedBytes: 0, top: 0)
            measured.warnings += leakWarnings
            measured.measurements.addLeaks(report.totals)
        }
    }
}
