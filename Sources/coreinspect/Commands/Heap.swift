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

    func run() throws {
        try CommandRunner.run(command: "heap", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let native = try NativeSymbols(process: process, search: options.search)
            let go: GoProcess
            do {
                go = try GoProcess(process: process, native: native)
            } catch GoRuntimeError.notGo {
                throw CategorizedFailure(.unsupportedHeap, subject: options.core, underlying: NotAGoHeap())
            } catch {
                throw CategorizedFailure(.goRuntimeUnreadable, subject: options.core, underlying: error)
            }
            var heap = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
                try GoHeap.read(process: process, go: go)
            }
            let catalog = try? GoTypeCatalog(process: go, memory: process.memory, types: heap.typeTable)
            let (typing, marking) = heap.typedAndMarked(process: process, go: go, catalog: catalog)
            let summary = GoHeapSummary(table: marking.table, types: catalog?.types ?? heap.typeTable, grouping: groupBy, order: by, top: top)
            let memstats = try? go.readMemStats(process: process).memstats
            let report = HeapReport(goVersion: go.buildInfo.goVersion, summary: summary, grouping: groupBy,
                                    memStatsObjects: memstats?.heapObjects, memStatsBytes: memstats?.heapAlloc)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: process.warnings + go.allWarnings + heap.warnings + (typing?.warnings ?? [])
                                      + marking.warnings + report.reconciliationWarnings,
                                  notes: (typing?.notes ?? []) + marking.notes)
        }
    }
}

extension GoHeapSummary.Order: ExpressibleByArgument {}
extension GoHeapSummary.Grouping: ExpressibleByArgument {}

/// What `heap` says of a program without Go build info.
private struct NotAGoHeap: Error, CustomStringConvertible {
    var description: String { "not a Go program (no Go build info): heap walks Go heaps only for now" }
}
