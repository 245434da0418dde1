import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Heap: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Histogram of a Go heap: every allocated object by type, live (reachable from the runtime's roots) or garbage (unreachable, not yet swept); totals equal MemStats HeapObjects and HeapAlloc. A C or C++ program: its glibc malloc heap; a Go program that uses cgo: both, each on its own.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    @Option(help: "Show this many groups, largest first.")
    var top = 20

    @Option(help: "Order groups by live and garbage bytes or count: bytes or count.")
    var by: GoHeapSummary.Order = .bytes

    @Option(name: .customLong("group-by"), help: "Group objects by type, package or size-class.")
    var groupBy: GoHeapSummary.Grouping = .type

    @Option(name: .customLong("profile"), help: ArgumentHelp(
        "Write the program's own sampled memory profile (runtime.mbuckets) to this file as a gzipped pprof heap profile.",
        valueName: "heap.pb.gz"))
    var profilePath: String?

    @Flag(help: "Print the top allocation sites (--top) of the program's memory profile by in-use bytes.")
    var sites = false

    @Flag(help: "Show what each root (global, goroutine, finalizer, pool …) retains: what would be freed if it went away, from the dominator tree, with its dominant types; --top roots, ordered --by bytes or count.")
    var retained = false

    @Option(name: .customLong("profile-retained"), help: ArgumentHelp(
        "Write the live heap's dominator tree to this file as a gzipped pprof profile: each stack a root, then the types that dominate one another, valued by what they retain (go tool pprof -http draws it as a flame graph).",
        valueName: "retained.pb.gz"))
    var profileRetainedPath: String?

    @Option(name: .customLong("profile-depth"), help: "With --profile-retained: at most this many types below a root; deeper objects count at that depth.")
    var profileDepth = PprofRetainedProfile.defaultDepth

    func run() throws {
        // Opened once for every path below; an open that fails is retried inside the runner,
        // so that its error is reported and classified as every command's.
        let opened = try? ProcessImage(corePath: options.core, search: options.search)
        if try runGlibcUnlessGo(process: opened) { return }
        if profilePath != nil || sites { return try runProfile(process: opened) }
        if profileRetainedPath != nil { return try runProfileRetained(process: opened) }
        if retained { return try runRetained(process: opened) }
        try CommandRunner.run(command: "heap", options: options) {
            let marked = try MarkedGoHeap.open(options: options, process: opened)
            let summary = GoHeapSummary(table: marked.marking.table, types: marked.types, grouping: groupBy, order: by, top: top)
            let memstats = try? marked.go.readMemStats(process: marked.process).memstats
            let goReport = HeapReport(goVersion: marked.go.buildInfo.goVersion, summary: summary, grouping: groupBy,
                                      memStatsObjects: memstats?.heapObjects, memStatsBytes: memstats?.heapAlloc)
            let glibc = cgoGlibcSection(process: marked.process)
            let report = CgoHeapReport(go: goReport, glibc: glibc.report)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: marked.warnings + goReport.reconciliationWarnings + glibc.warnings,
                                  notes: marked.notes + glibc.notes)
        }
    }
}

extension GoHeapSummary.Order: ExpressibleByArgument {}
extension GoHeapSummary.Grouping: ExpressibleByArgument {}

/// What `heap` says of a program without Go build info.
struct NotAGoHeap: Error, CustomStringConvertible {
    var description: String { "neither a Go program (no Go build info) nor one with glibc: heap walks Go and glibc malloc heaps" }
}
