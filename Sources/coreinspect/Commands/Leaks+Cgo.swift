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
        let native = try? NativeSymbols(process: process, search: options.search)
        let read = GlibcLibrary.module(in: process).map { _ in Result { try GlibcHeap.read(process: process, symbols: native) } }
        if read == nil || (try? read?.get()).map({ !Self.holdsProgramChunks($0) }) == true {
            CommandRunner.printError("coreinspect: \(options.core): a Go \(goVersion) program without a C heap of its own: Go's collector frees every unreachable object, so nothing leaks in LeakSanitizer's sense; `heap` shows the garbage not yet swept and `heap --retained` what each root holds")
            throw ExitCode(ExitStatus.goHasNoLeaks.rawValue)
        }
        try CommandRunner.run(command: "leaks", options: options) {
            let heap = try read!.get()
            let marked = try MarkedGoHeap.open(options: options, process: process)
            let check = NativeLeakCheck(table: heap.table, process: process, allocatorOwned: heap.isLibcOwned,
                                        headerBytes: GlibcHeap.chunkHeaderBytes, roots: Self.cgoRoots(process: process, marked: marked))
            return outcome(heap: heap, heapName: "glibc \(heap.libcVersion) (cgo)", check: check, process: process,
                           warnings: marked.warnings + heap.warnings, notes: marked.notes + heap.notes)
        }
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
