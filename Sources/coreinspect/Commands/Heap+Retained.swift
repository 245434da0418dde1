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
    func runRetained() throws {
        try CommandRunner.run(command: "heap", options: options) {
            // As `heap` opens it (to share once Heap.swift has one opening helper): 5 for a
            // program that is not Go, 4 for an unreadable runtime.
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
            let typing = catalog.map { GoHeapTyping.assignTypes(to: &heap, catalog: $0, process: process, go: go) }
            let marking = heap.marked(process: process, go: go, catalog: catalog, typed: heap.table)
            let tree = DominatorTree(graph: marking.graph, sizes: marking.table.sizes)
            let summary = RetainedRoots(tree: tree, labels: marking.graph.rootLabels, table: marking.table, top: top,
                                        order: by == .count ? .objects : .bytes)
            let report = RetainedReport(goVersion: go.buildInfo.goVersion, summary: summary,
                                        types: catalog?.types ?? heap.typeTable)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: process.warnings + go.allWarnings + heap.warnings + (typing?.warnings ?? [])
                                      + marking.warnings,
                                  notes: (typing?.notes ?? []) + marking.notes)
        }
    }
}
