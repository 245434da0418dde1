import ProcessImage
import Symbols

/// One OS thread with its unwound stack and, in a Go program, the goroutine it runs.
public struct ThreadSnapshot: Sendable {
    public var thread: ProcessThread
    public var stack: Stack
    public var goroutine: Goroutine?

    /// Every thread of the process, in the core's order (the signaled thread
    /// first in kernel cores). In a Go program, threads in Go code are walked
    /// with the pclntab, which needs no DWARF.
    public static func all(process: ProcessImage, native: NativeSymbols, go: GoProcess?, maxFrames: Int) -> [ThreadSnapshot] {
        process.threads.map { thread in
            ThreadSnapshot(thread: thread,
                           stack: go?.threadStack(thread, native: native, maxFrames: maxFrames) ?? native.stack(of: thread, maxFrames: maxFrames),
                           goroutine: go?.goroutine(runningOn: thread.tid))
        }
    }
}
