import CoreFile
@testable import GoRuntime
import ProcessImage
import XCTest

/// `abi.Name` decoding: varint lengths (Go 1.17+), the older two-byte lengths,
/// tags, the embedded flag, and names cut off by the end of memory.
final class GoTypeNameTests: XCTestCase {
    private let base = Address(0x1000)

    private func read(_ bytes: [UInt8], varint: Bool = true) -> GoTypeName? {
        let memory = SyntheticMemory()
        memory.map(bytes, at: base)
        return GoTypeName.read(at: base, memory: memory, varintLength: varint)
    }

    func testAShortNameHasAOneByteLength() {
        XCTAssertEqual(read([GoTypeName.exportedFlag, 4] + Array("Peer".utf8)),
                       GoTypeName(name: "Peer", tag: nil, isEmbedded: false, isExported: true))
    }

    func testALongNameHasAMultiByteVarint() {
        let long = String(repeating: "x", count: 300)
        // 300 = 0b10_0101100: low seven bits with the continuation bit, then 2.
        XCTAssertEqual(read([0, 0xAC, 0x02] + Array(long.utf8))?.name, long)
    }

    func testATagAndTheEmbeddedFlag() {
        let bytes: [UInt8] = [GoTypeName.tagFlag | GoTypeName.embeddedFlag, 3] + Array("Buf".utf8) + [8] + Array("json:\"b\"".utf8)
        XCTAssertEqual(read(bytes), GoTypeName(name: "Buf", tag: "json:\"b\"", isEmbedded: true, isExported: false))
    }

    func testBeforeGo117TheLengthIsTwoBigEndianBytes() {
        XCTAssertEqual(read([0, 0x00, 0x03] + Array("int".utf8), varint: false)?.name, "int")
        XCTAssertFalse(GoRelease(major: 1, minor: 16).hasVarintNameLength)
        XCTAssertTrue(GoRelease.go1_19.hasVarintNameLength)
    }

    func testANameLongerThanItsMemoryIsNil() {
        XCTAssertNil(read([0, 40] + Array("short".utf8)))
        XCTAssertNil(read([0, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), "an endless varint")
        XCTAssertNil(GoTypeName.read(at: .zero, memory: SyntheticMemory()))
    }
}
