import CoreFile
import Foundation
import GlibcMalloc
import XCTest

/// The free lists, compared list by list with gdb's own walk of the live process through
/// libc6-dbg (gdb-walk.json, written by Tools/make-c-heap-fixtures before the dump).
final class GlibcGdbWalkTests: XCTestCase {
    private struct GdbWalk: Decodable {
        struct Arena: Decodable {
            var address: String
            var top: String
            var top_size: UInt64
            var fastbin: [String]
            var unsorted: [String]
            var smallbin: [String]
            var largebin: [String]  // each list as user addresses (chunk + 16), as are the rows
        }
        struct Tcache: Decodable {
            var tcache: String
            /// tcache_entry pointers: the chunks' user addresses.
            var entries: [String]
        }
        var main_arena: String
        var arenas: [Arena]
        var tcaches: [Tcache]
    }

    func testFreeListsEqualGdbsWalk() throws {
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let walk = try JSONDecoder().decode(GdbWalk.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/gdb-walk.json")))
            for heap in try [fixture.readBothWays().symbols, fixture.readBothWays().structure] {
                let context = "glibc \(release) (\(heap.arenaSource))"
                XCTAssertEqual(heap.globals.mainArena, hexValue(walk.main_arena), context)
                XCTAssertEqual(Set(heap.arenas.map(\.address)), Set(walk.arenas.map { hexValue($0.address) }), context)
                // Rows by (arena index, place), as user addresses.
                var rows: [String: Set<UInt64>] = [:]
                for row in 0..<heap.table.count where heap.word(of: row).place.isFree {
                    let word = heap.word(of: row)
                    let key = word.place == .tcache ? "tcache" : "\(word.arena) \(word.place.name)"
                    rows[key, default: []].insert(heap.table.addresses[row])
                }
                for arena in walk.arenas {
                    let index = try XCTUnwrap(heap.arenas.firstIndex { $0.address == hexValue(arena.address) })
                    XCTAssertEqual(heap.arenas[index].topSize, arena.top_size, "\(context) arena \(arena.address) top")
                    let lists: [(GlibcChunkPlace, [String])] = [(.fastbin, arena.fastbin), (.unsorted, arena.unsorted),
                                                                (.smallBin, arena.smallbin), (.largeBin, arena.largebin)]
                    for (place, chunks) in lists {
                        XCTAssertEqual(rows["\(index) \(place.name)"] ?? [], Set(chunks.map(hexValue)),
                                       "\(context) arena \(arena.address) \(place.name)")
                    }
                }
                let entries = Set(walk.tcaches.flatMap(\.entries).map(hexValue))
                XCTAssertEqual(rows["tcache"] ?? [], entries, "\(context) tcache entries")
                // Every tcache gdb saw in the heap (not 2.43's dummy in libc) was found.
                let inHeap = walk.tcaches.map { hexValue($0.tcache) }.filter { heap.table.row(containing: Address($0)) != nil }
                XCTAssertEqual(Set(heap.tcaches), Set(inHeap), context)
            }
        }
    }
}
