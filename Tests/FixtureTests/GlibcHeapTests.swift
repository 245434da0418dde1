import Analysis
import CoreFile
import GlibcMalloc
import ProcessImage
import XCTest

/// The glibc walker against what the c-heap program recorded about its own heap, on every
/// glibc release it was dumped with.
final class GlibcHeapTests: XCTestCase {
    private static let places: [String: GlibcChunkPlace] = [
        "tcache": .tcache, "fastbin": .fastbin, "unsorted": .unsorted, "smallbin": .smallBin, "largebin": .largeBin,
    ]

    func testEveryAllocationIsFoundInItsClass() throws {
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let heap = try fixture.readBothWays().symbols
            XCTAssertEqual(heap.libcVersion.description, fixture.truth.glibc)
            XCTAssertEqual(heap.warnings, [], "glibc \(release): a clean heap walks without warnings")
            XCTAssertEqual(UInt64(heap.mmapped.count), fixture.truth.mallinfo2["hblks"], "glibc \(release) mmapped chunks")
            // Each tcache struct is libc's own allocation, found at a chunk start.
            XCTAssertFalse(heap.tcaches.isEmpty, "glibc \(release) tcaches")
            for tcache in heap.tcaches {
                let row = try XCTUnwrap(heap.table.row(containing: Address(tcache)))
                XCTAssertTrue(heap.isLibcOwned(row), "glibc \(release) tcache \(Address(tcache).hex)")
            }
            var checked = 0
            for allocation in fixture.truth.allocations {
                let address = allocation.addressValue
                let row = heap.table.row(containing: Address(address))
                if allocation.free == "top" {
                    // Merged into the top chunk: no chunk starts there any more.
                    XCTAssertFalse(row.map { heap.table.addresses[$0] == address } ?? false, "\(release) \(allocation.address) merged into top")
                    continue
                }
                guard let row, heap.table.addresses[row] == address else {
                    XCTFail("glibc \(release): no row at \(allocation.address) (\(allocation.class))")
                    continue
                }
                XCTAssertEqual(heap.table.sizes[row], allocation.usable, "\(release) \(allocation.address) usable size")
                let word = heap.word(of: row)
                if let free = allocation.free {
                    XCTAssertEqual(heap.table.states[row], .free, "\(release) \(allocation.address) freed into \(free)")
                    XCTAssertEqual(word.place, Self.places[free], "\(release) \(allocation.address) freed into \(free)")
                } else {
                    XCTAssertEqual(heap.table.states[row], .unknown, "\(release) \(allocation.address) \(allocation.class) is in use")
                    XCTAssertFalse(word.isLibcOwned, "\(release) \(allocation.address) is the program's, not libc's")
                }
                if let type = allocation.type {
                    XCTAssertEqual(heap.types.name(of: heap.table.typeIDs[row]), type, "\(release) \(allocation.address)")
                }
                checked += 1
            }
            XCTAssertGreaterThan(checked, fixture.truth.allocations.count / 2)
        }
    }

    func testLibcOwnAllocationsAreLabelled() throws {
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let heap = try fixture.readBothWays().symbols
            XCTAssertFalse(fixture.truth.libc_blocks.isEmpty)
            for block in fixture.truth.libc_blocks {
                let row = try XCTUnwrap(heap.table.row(containing: Address(hexValue(block.address))), "\(release) \(block.what)")
                XCTAssertEqual(heap.table.addresses[row], hexValue(block.address), "\(release) \(block.what)")
                XCTAssertTrue(heap.isLibcOwned(row), "glibc \(release): \(block.what) is libc's")
            }
            let dynamicTLS = fixture.truth.threads.compactMap(\.dtls_root)
            XCTAssertFalse(dynamicTLS.isEmpty)
            for variable in dynamicTLS {
                let row = try XCTUnwrap(heap.table.row(containing: Address(hexValue(variable))), "\(release) dynamic TLS \(variable)")
                XCTAssertTrue(heap.isLibcOwned(row), "glibc \(release): the dynamic TLS block holding \(variable) is libc's")
            }
        }
    }

    func testMallinfo2EqualsTheProgramsOwn() throws {
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let mallinfo = try fixture.readBothWays().symbols.mallinfo2
            let truth = fixture.truth.mallinfo2
            let fields: [(String, UInt64)] = [
                ("arena", mallinfo.arena), ("ordblks", mallinfo.ordblks), ("smblks", mallinfo.smblks),
                ("hblks", mallinfo.hblks), ("hblkhd", mallinfo.hblkhd), ("usmblks", mallinfo.usmblks),
                ("fsmblks", mallinfo.fsmblks), ("uordblks", mallinfo.uordblks), ("fordblks", mallinfo.fordblks),
                ("keepcost", mallinfo.keepcost),
            ]
            XCTAssertEqual(fields.count, truth.count)
            for (name, value) in fields {
                XCTAssertEqual(value, truth[name], "glibc \(release) mallinfo2.\(name)")
            }
        }
    }

    func testDebugInfoAndStructurePathsAgree() throws {
        for release in CHeapFixture.releases {
            for stripped in [false, true] {
                let fixture = try CHeapFixture(release: release)
                let (symbols, structure) = try fixture.readBothWays(stripped: stripped)
                let context = "glibc \(release)\(stripped ? " stripped" : "")"
                XCTAssertEqual(symbols.arenaSource, .symbols, context)
                XCTAssertEqual(symbols.layoutSource, .debugInfo, context)
                XCTAssertEqual(structure.arenaSource, .structure, context)
                XCTAssertEqual(structure.layoutSource, .releaseTable, context)
                XCTAssertEqual(symbols.globals, structure.globals, context)
                XCTAssertEqual(symbols.table.addresses, structure.table.addresses, context)
                XCTAssertEqual(symbols.table.sizes, structure.table.sizes, context)
                XCTAssertEqual(symbols.table.states, structure.table.states, context)
                XCTAssertEqual(symbols.table.allocatorWords, structure.table.allocatorWords, context)
                XCTAssertEqual(symbols.table.typeIDs.map(symbols.types.name), structure.table.typeIDs.map(structure.types.name), context)
                XCTAssertEqual(symbols.arenas, structure.arenas, context)
                XCTAssertEqual(symbols.mallinfo2, structure.mallinfo2, context)
                XCTAssertEqual(symbols.tcaches, structure.tcaches, context)
            }
        }
    }

    /// The per-release table's offsets are the ones libc's DWARF gives.
    func testReleaseTableMatchesDebugInfo() throws {
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let (process, symbols) = try fixture.open()
            let library = try GlibcLibrary.find(in: process)
            let dwarf = try XCTUnwrap(symbols.dwarfIndex(for: library.module), "glibc \(release): libc debug info")
            let described = try XCTUnwrap(GlibcLayout(dwarf: dwarf, version: library.version), "glibc \(release)")
            XCTAssertEqual(GlibcLayout.table(for: library.version), described, "glibc \(release)")
        }
    }
}
