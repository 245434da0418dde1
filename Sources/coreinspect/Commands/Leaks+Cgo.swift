import Analysis
import ArgumentParser
import CoreFile
import GlibcMalloc
import GoRuntime
import ProcessImage
import Reports
import Symbols

extension Leaks {
    /// `leaks` on a Go program. One that uses cgo (glibc loaded, and chunks in use that are not
    /// libc's own) gets its C heap's leaks, with the Go heap as a root set (`cgoRoots`); any
    /// other has nothing that leaks in LeakSanitizer's sense: exit 8.
    func runCgo(process: ProcessImage, goVersion: String) throws {
        guard GlibcLibrary.module(in: process) != nil else { throw noCHeap(goVersion: goVersion) }
        let native = try? NativeSymbols(process: process, search: options.search)
        // A heap that cannot be read is reported below as for a C program, not as "no C heap".
        let read = Result { try GlibcHeap.read(process: process, symbols: native) }
        if case .success(let heap) = read, !Self.holdsProgramChunks(heap) { throw noCHeap(goVersion: goVersion) }
        try CommandRunner.run(command: "leaks", options: options) {
            let heap = try read.get()
            let marked = try MarkedGoHeap.open(options: options, process: process)
            let check = NativeLeakCheck(table: heap.table, process: process, allocatorOwned: heap.isLibcOwned,
                                        headerBytes: GlibcHeap.chunkHeaderBytes, roots: Self.cgoRoots(process: process, marked: marked))
            return try outcome(heap: heap, heapName: "glibc \(heap.libcVersion) (cgo)", check: check, process: process,
                           warnings: marked.warnings + heap.warnings, notes: marked.notes + heap.notes)
        }
    }

    /// Says why a Go program without a C heap has no leaks; exit 8.
    private func noCHeap(goVersion: String) -> ExitCode {
        CommandRunner.printError("coreinspect: \(options.core): a Go \(goVersion) program without a C heap of its own: Go's collector frees every unreachable object, so nothing leaks in LeakSanitizer's sense; `heap` shows the garbage not yet swept and `heap --retained` what each root holds")
        return ExitCode(ExitStatus.goHasNoLeaks.rawValue)
    }

    /// Whether a chunk in use is the program's rather than libc's own.
    static func holdsProgramChunks(_ heap: GlibcHeap) -> Bool {
        (0..<heap.table.count).contains { heap.table.states[$0].isAllocated && !heap.isLibcOwned($0) }
    }

    /// The C heap's roots in a cgo program: the native roots (registers, system stacks, TLS,
    /// every module's writable data, Go's globals among them) without Go's heap arenas, then
    /// every goroutine's stack from its lowest live SP and every live Go object, all words.
    /// Garbage Go objects and free spans are not roots: what only they point to is leaked
    /// (see `NativeRoots.excludeRuntimeMemory`).
    static func cgoRoots(process: ProcessImage, marked: MarkedGoHeap) -> NativeRoots {
        var roots = NativeRoots(process: process)
        roots.excludeRuntimeMemory(marked.heap.arenaRanges)
        roots.addRuntimeRoots(liveObjectRuns(marked.marking.table),
                              label: RootLabel(kind: .runtime, name: "Go heap", detail: "live Go objects, every word"))
        for goroutine in marked.go.goroutines where goroutine.status.base != GoroutineStatus.dead && !goroutine.stack.isEmpty {
            var candidates = [goroutine.schedSP, goroutine.syscallSP]
            if let thread = process.threads.first(where: { $0.tid == goroutine.threadID }) { candidates.append(thread.sp) }
            // Below the lowest SP in the stack lie dead frames; with none known, all of it.
            let sp = candidates.filter { goroutine.stack.contains($0) }.min() ?? goroutine.stack.start
            roots.addRuntimeRoots([AddressRange(start: sp, end: goroutine.stack.end)],
                                  label: RootLabel(kind: .goroutine, name: "goroutine \(goroutine.id)" + NativeRoots.stackSuffix,
                                                   group: "goroutine \(goroutine.id)"))
        }
        return roots
    }

    /// The live rows of a marked Go heap as ranges, adjacent objects joined into one.
    static func liveObjectRuns(_ table: AllocationTable) -> [AddressRange] {
        var runs: [AddressRange] = []
        for row in 0..<table.count where table.states[row] == .live {
            let range = table.range(of: row)
            if let last = runs.last, last.end == range.start {
                runs[runs.count - 1].end = range.end
            } else {
                runs.append(range)
            }
        }
        return runs
    }
}
