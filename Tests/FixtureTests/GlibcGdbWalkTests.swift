import XCTest

/// The free lists, compared list by list with gdb's own walk of the live process through
/// libc6-dbg (gdb-walk.json, written by Tools/make-c-heap-fixtures before the dump).
final class GlibcGdbWalkTests: XCTestCase {
    func testFreeListsEqualGdbsWalk() throws {
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let walk = try GdbHeapWalk(path: fixture.directory + "/gdb-walk.json")
            let heaps = try fixture.readBothWays()
            for heap in [heaps.symbols, heaps.structure] {
                try walk.assertFreeListsEqual(heap, "glibc \(release) (\(heap.arenaSource))")
            }
        }
    }
}
