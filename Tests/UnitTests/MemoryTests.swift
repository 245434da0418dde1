import CoreFile
@testable import ProcessImage
import XCTest

final class MemoryTests: XCTestCase {
    func testUncoveredPiecesOfARange() {
        let covering = [AddressRange(start: Address(0x2000), end: Address(0x3000)),
                        AddressRange(start: Address(0x5000), end: Address(0x6000))]
        let pieces = uncovered(AddressRange(start: Address(0x1000), end: Address(0x7000)), by: covering)
        XCTAssertEqual(pieces, [AddressRange(start: Address(0x1000), end: Address(0x2000)),
                                AddressRange(start: Address(0x3000), end: Address(0x5000)),
                                AddressRange(start: Address(0x6000), end: Address(0x7000))])
        XCTAssertEqual(uncovered(AddressRange(start: Address(0x2000), end: Address(0x3000)), by: covering), [])
    }

    func testMergedSortedJoinsOverlaps() {
        let merged = mergedSorted([AddressRange(start: Address(0x5000), end: Address(0x6000)),
                                   AddressRange(start: Address(0x1000), end: Address(0x3000)),
                                   AddressRange(start: Address(0x2000), end: Address(0x4000))])
        XCTAssertEqual(merged, [AddressRange(start: Address(0x1000), end: Address(0x4000)),
                                AddressRange(start: Address(0x5000), end: Address(0x6000))])
    }

    func testReadCStringStopsAtNulAndAcrossBlocks() throws {
        let memory = FakeMemory()
        memory.map(Array("hello, ".utf8), at: 0x1000)
        memory.map(Array("world".utf8) + [0, 0x41], at: 0x1007)
        XCTAssertEqual(try memory.readCString(at: Address(0x1000)), "hello, world")
    }

    func testReadCStringAtTheEndOfAMappingFaults() {
        let memory = FakeMemory()
        memory.map(Array("no terminator".utf8), at: 0x1000)
        XCTAssertThrowsError(try memory.readCString(at: Address(0x1000))) { error in
            XCTAssertEqual(error as? CoreInspectError, .unmapped(address: Address(0x100d)))
        }
    }

    func testReadPointerIsLittleEndian() throws {
        let memory = FakeMemory()
        memory.map([0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe], at: 0x2000)
        XCTAssertEqual(try memory.readPointer(at: Address(0x2000)), Address(0xfedc_ba98_7654_3210))
    }
}
