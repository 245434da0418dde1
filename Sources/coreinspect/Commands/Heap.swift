import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Heap: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Histogram of a Go heap: every allocated object by type, live (reachable from the runtime's roots) or garbage (unreachable, not yet swept); totals equal MemStats HeapObjects and HeapAlloc.",
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
        if try runGlibcUnlessGo() { return }
        if profilePath != nil || sites { return try runProfile() }
        if profileRetainedPath != nil { return try runProfileRetained() }
        if retained { return try runRetained() }
        try CommandRunner.run(command: "heap", options: options) {
            let marked = try markedGoHeap()
            let summary = GoHeapSummary(table: marked.marking.table, types: marked.types, grouping: groupBy, order: by, top: top)
            let memstats = try? marked.go.readMemStats(process: marked.process).memstats
            let report = HeapReport(goVersion: marked.go.buildInfo.goVersion, summary: summary, grouping: groupBy,
                                    memStatsObjects: memstats?.heapObjects, memStatsBytes: memstats?.heapAlloc)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: marked.warnings + report.reconciliationWarnings, notes: marked.notes)
        }
    }
}

extension GoHeapSummary.Order: ExpressibleByArgument {}
extension GoHeapSummary.Grouping: ExpressibleByArgument {}

/// What `heap` says of a program without Go build info.
struct NotAGoHeap: Error, CustomStringConvertible {
    var description: String { "neither a Go program (no Go build info) nor one with glibc: heap walks Go and glibc malloc heaps" }
}
