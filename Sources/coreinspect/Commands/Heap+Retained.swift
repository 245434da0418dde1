import Analysis
import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

/// `heap --retained`: the heap walked, typed and marked as for the histogram, then the
/// dominator tree of the marked object graph summed per root.
extension Heap {
    func runRetained(process: ProcessImage?) throws {
        try CommandRunner.run(command: "heap", options: options) {
            let marked = try markedGoHeap(process: process)
            let marking = marked.marking
            let tree = DominatorTree(graph: marking.graph, sizes: marking.table.sizes)
            let summary = RetainedRoots(tree: tree, labels: marking.graph.rootLabels, table: marking.table, top: top,
                                        order: by == .count ? .objects : .bytes)
            let report = RetainedReport(goVersion: marked.go.buildInfo.goVersion, summary: summary, types: marked.types)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: marked.warnings, notes: marked.notes)
        }
    }
}
