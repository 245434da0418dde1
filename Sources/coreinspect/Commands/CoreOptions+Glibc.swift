import GlibcMalloc
import GoRuntime
import ProcessImage

extension CoreOptions {
    /// The dumped process, when it is a program without Go build info whose libc is glibc:
    /// what `heap` and `why` read through the glibc walker instead of the Go runtime.
    func openGlibcProgram() -> ProcessImage? {
        guard let process = try? ProcessImage(corePath: core, search: search), Self.isGlibcProgram(process) else { return nil }
        return process
    }

    /// A program without Go build info whose libc is glibc (a Go program with glibc is a cgo one).
    static func isGlibcProgram(_ process: ProcessImage) -> Bool {
        GoBuildInfo.read(from: process) == nil && GlibcLibrary.module(in: process) != nil
    }
}
