import CoreFile
import GlibcMalloc
import ProcessImage
import Reports
import Symbols

/// The C and C++ parts of `report`: the glibc heap by class and chunk size (`heap`) and its
/// leaks by kind (`leaks`). Retention and goroutines are Go's: their sections say so.
extension Report {
    func glibcParts(process: ProcessImage, symbols: NativeSymbols) -> HeapParts {
        var parts = HeapParts()
        let retention = "dominators and retention paths are computed for Go heaps; for a C or C++ heap, the leaks section "
            + "groups what nothing holds by kind and type, and `why ADDR` shows what holds one chunk."
        let goroutines = HTMLReport.Section.unavailable(id: "goroutines", title: "Goroutines", reason: "not a Go program: the executable has no Go build info.")
        guard GlibcLibrary.module(in: process) != nil else {
            let reason = "neither a Go program nor one using glibc: no heap this tool can walk."
            parts.sections = [.unavailable(id: "heap-by-type", title: "Heap by type", reason: reason),
                              .unavailable(id: "heap-by-retention", title: "Heap by retention path", reason: reason),
                              goroutines, .unavailable(id: "leaks", title: "Leaks", reason: reason)]
            return parts
        }
        do {
            let heap = try GlibcHeap.read(process: process, symbols: symbols)
            let report = GlibcHeapReport(heap: heap, top: top)
            let (leaks, leakWarnings) = Leaks.check(heap: heap, process: process, kinds: [.direct, .indirect, .possible],
                                                    maxLeakedBytes: 0, top: top)
            parts.glibc = report
            parts.sections = [.glibcHeap(report), .unavailable(id: "heap-by-retention", title: "Heap by retention path", reason: retention),
                              goroutines, .leaks(leaks)]
            parts.warnings = heap.warnings + leakWarnings + report.reconciliationWarnings
            parts.notes = heap.notes
        } catch {
            let reason = "the glibc heap could not be walked: \(error)"
            parts.sections = [.unavailable(id: "heap-by-type", title: "Heap by type", reason: reason),
                              .unavailable(id: "heap-by-retention", title: "Heap by retention path", reason: retention),
                              goroutines, .unavailable(id: "leaks", title: "Leaks", reason: reason)]
            parts.warnings = [Warning("report: \(reason)")]
        }
        return parts
    }
}
