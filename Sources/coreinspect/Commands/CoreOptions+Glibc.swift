import GlibcMalloc
import GoRuntime
import ProcessImage

extension CoreOptions {
    /// The dumped process, when it is a program without Go build info whose libc is glibc:
    /// what `heap` and `why` read through the glibc walker instead of the Go runtime.
    func openGlibcProgram() -> ProcessImage? {
        guard let process = try? ProcessImage(corePath: core, search: search),
              GoBuildInfo.read(from: process) == nil, GlibcLibrary.module(in: process) != nil
        else { return nil }
        return process
    }
}
