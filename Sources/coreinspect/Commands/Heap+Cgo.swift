import CoreFile
import GlibcMalloc
import ProcessImage
import Reports

extension Heap {
    /// The C heap of a Go program that uses cgo (glibc is loaded), reported beside its Go heap;
    /// nil for a Go program without glibc. A C heap that cannot be read costs a warning, not
    /// the Go report.
    func cgoGlibcSection(process: ProcessImage) -> (report: GlibcHeapReport?, warnings: [Warning], notes: [Note]) {
        guard GlibcLibrary.module(in: process) != nil else { return (nil, [], []) }
        do {
            let section = try glibcSection(process: process)
            return (section.report, section.warnings, section.notes)
        } catch {
            return (nil, [Warning("heap: the C heap of this cgo program could not be walked: \(error)")], [])
        }
    }
}
