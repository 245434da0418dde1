import CoreFile
import GlibcMalloc
import GoRuntime
import ProcessImage
import Reports
import Symbols

extension Heap {
    /// Walks the glibc malloc heap of a program without Go build info; returns false for a Go
    /// program (or one without glibc), which the Go heap commands then handle.
    func runGlibcUnlessGo(process: ProcessImage?) throws -> Bool {
        guard let process, CoreOptions.isGlibcProgram(process) else { return false }
        try CommandRunner.run(command: "heap", options: options) {
            let section = try glibcSection(process: process)
            return CommandOutcome(result: section.report, text: { section.report.text(style: $0) },
                                  warnings: process.warnings + section.warnings, notes: section.notes)
        }
        return true
    }

    /// The glibc heap's report with its own warnings and notes (the process's are the caller's).
    func glibcSection(process: ProcessImage) throws -> (report: GlibcHeapReport, warnings: [Warning], notes: [Note]) {
        let symbols = try? NativeSymbols(process: process, search: options.search)
        let heap = try GlibcHeap.read(process: process, symbols: symbols)
        let report = GlibcHeapReport(heap: heap, top: top)
        return (report, heap.warnings + report.reconciliationWarnings, heap.notes)
    }
}
