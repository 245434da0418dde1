import CoreFile
import GlibcMalloc
import ProcessImage

/// The glibc heap walker (arenas, heaps, chunks, tcache, fastbins, bins,
/// mmapped chunks) over a C fixture core whose writable memory the input
/// patches: the realistic damage of overruns, double frees and wild writes.
final class GlibcHeapTarget: FuzzTarget {
    private let fixture: LoadedFixture
    private let memory: PatchableMemory

    init(fixture paths: FuzzFixture) throws {
        fixture = try LoadedFixture(paths)
        memory = PatchableMemory(memory: fixture.process.memory, ranges: fixture.process.memory.nonZeroWritablePages())
    }

    func run(_ input: UnsafeRawBufferPointer) -> FuzzOutcome {
        memory.withPatches(input) {
            do {
                // Without libc's debug info (re-read on every call: a second per input), main_arena is
                // found by its shape, so the corrupted memory drives that search too.
                let heap = try GlibcHeap.read(process: fixture.process, symbols: nil, method: .structureOnly)
                return FuzzOutcome(warnings: heap.warnings)
            } catch {
                return .refused("\(error)")
            }
        }
    }

    func seeds() throws -> [[UInt8]] { memory.seedPatches() }
}
