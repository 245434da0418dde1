import CoreFile
import GlibcMalloc
import GoRuntime
import ProcessImage
import Reports
import Symbols

extension Heap {
    /// Walks the glibc malloc heap of a program without Go build info; returns false for a Go
    /// program (or one without glibc), which the Go heap commands then handle.
    func runGlibcUnlessGo() throws -> Bool {
        guard let process = options.openGlibcProgram() else { return false }
        try CommandRunner.run(command: "heap", options: options) {
            let symbols = try? NativeSymbols(process: process, search: options.search)
            let heap = try GlibcHeap.read(process: process, symbols: symbols)
            let report = GlibcHeapReport(heap: heap, top: top)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: process.warnings + heap.warnings + report.reconciliationWarnings, notes: heap.notes)
        }
        return true
    }
}
