import CoreFile
import Foundation
import GlibcMalloc
import XCTest

/// gdb's own walk of a live process's glibc heap, as Tools/c-heap-fixture/gdb_walk.py writes it
/// (through libc6-dbg, by the structures' DWARF field names). Chunk lists hold user addresses
/// (chunk + 16), as the rows do.
struct GdbHeapWalk: Decodable {
    struct Arena: Decodable {
        var address: String
        var top: String
        var top_size: UInt64
        /// Absent from walks written before it was recorded (the committed c-heap fixtures).
        var system_mem: UInt64?
        var fastbin: [String]
        var unsorted: [String]
        var smallbin: [String]
        var largebin: [String]
    }
    struct Tcache: Decodable {
        var tcache: String
        /// tcache_entry pointers: the chunks' user addresses.
        var entries: [String]
    }
    var main_arena: String
    /// In `next` order from main_arena.
    var arenas: [Arena]
    var tcaches: [Tcache]
    var mallinfo2: [String: UInt64]?

    init(path: String) throws {
        self = try JSONDecoder().decode(GdbHeapWalk.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Asserts that every free list of `heap` holds exactly the chunks gdb found on it: per arena
    /// the fastbins, unsorted, small and large bins, and the tcache entries of every thread.
    func assertFreeListsEqual(_ heap: GlibcHeap, _ context: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(heap.globals.mainArena, hexValue(main_arena), context, file: file, line: line)
        XCTAssertEqual(Set(heap.arenas.map(\.address)), Set(arenas.map { hexValue($0.address) }), context, file: file, line: line)
        // Rows by (arena index, place), as user addresses.
        var rows: [String: Set<UInt64>] = [:]
        for row in 0..<heap.table.count where heap.word(of: row).place.isFree {
            let word = heap.word(of: row)
            let key = word.place == .tcache ? "tcache" : "\(word.arena) \(word.place.name)"
            rows[key, default: []].insert(heap.table.addresses[row])
        }
        for arena in arenas {
            let index = try XCTUnwrap(heap.arenas.firstIndex { $0.address == hexValue(arena.address) }, file: file, line: line)
            XCTAssertEqual(heap.arenas[index].topSize, arena.top_size, "\(context) arena \(arena.address) top", file: file, line: line)
            let lists: [(GlibcChunkPlace, [String])] = [(.fastbin, arena.fastbin), (.unsorted, arena.unsorted),
                                                        (.smallBin, arena.smallbin), (.largeBin, arena.largebin)]
            for (place, chunks) in lists {
                XCTAssertEqual(rows["\(index) \(place.name)"] ?? [], Set(chunks.map(hexValue)),
                               "\(context) arena \(arena.address) \(place.name)", file: file, line: line)
            }
        }
        let entries = Set(tcaches.flatMap(\.entries).map(hexValue))
        XCTAssertEqual(rows["tcache"] ?? [], entries, "\(context) tcache entries", file: file, line: line)
        // Every tcache gdb saw in the heap (not 2.43's dummy in libc) was found.
        let inHeap = tcaches.map { hexValue($0.tcache) }.filter { heap.table.row(containing: Address($0)) != nil }
        XCTAssertEqual(Set(heap.tcaches), Set(inHeap), context, file: file, line: line)
    }
}
