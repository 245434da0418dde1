import CoreFile
import XCTest

final class NoteParsingTests: XCTestCase {
    func testNotesWithPaddingParseInOrder() {
        var bytes = TestBytes()
        bytes.note(owner: "CORE", type: 3, descriptor: [UInt8](repeating: 7, count: 5))
        bytes.note(owner: "GNU", type: 3, descriptor: [0xde, 0xad, 0xbe, 0xef])
        bytes.withView { view in
            let parsed = ELFNote.parseAll(view)
            XCTAssertNil(parsed.problem)
            XCTAssertEqual(parsed.notes.map(\.kind), [.prpsinfo, .gnuBuildID])
            XCTAssertEqual(parsed.notes[0].descriptor.count, 5)
            XCTAssertEqual(parsed.notes[1].gnuBuildID?.hex, "deadbeef")
        }
    }

    func testNoteSizePastTheEndStopsWithAProblem() {
        var bytes = TestBytes()
        bytes.note(owner: "CORE", type: 1, descriptor: [1, 2, 3, 4])
        bytes.u32(5)
        bytes.u32(0xffff_fff0) // descsz far past the end
        bytes.u32(6)
        bytes.string("CORE", paddedTo: 4)
        bytes.withView { view in
            let parsed = ELFNote.parseAll(view)
            XCTAssertEqual(parsed.notes.count, 1, "the good note before the bad one is kept")
            XCTAssertEqual(parsed.problem?.contains("past the end"), true)
        }
    }

    func testFileMappingsScalePageOffsets() throws {
        var bytes = TestBytes()
        bytes.u64(2)
        bytes.u64(4096)
        bytes.u64(0x1000); bytes.u64(0x3000); bytes.u64(0)
        bytes.u64(0x5000); bytes.u64(0x6000); bytes.u64(3)
        bytes.string("/bin/a")
        bytes.string("/lib/b.so")
        let mappings = try bytes.withView { try FileMappings(descriptor: $0, path: "test") }
        XCTAssertEqual(mappings.mappings.map(\.path), ["/bin/a", "/lib/b.so"])
        XCTAssertEqual(mappings.mappings[1].fileOffset, 3 * 4096)
        XCTAssertEqual(mappings.mappings[1].range, AddressRange(start: Address(0x5000), end: Address(0x6000)))
    }

    func testFileMappingsRejectACountLargerThanTheNote() {
        var bytes = TestBytes()
        bytes.u64(1 << 40) // would be terabytes if trusted
        bytes.u64(1)
        XCTAssertThrowsError(try bytes.withView { try FileMappings(descriptor: $0, path: "test") }) { error in
            XCTAssertTrue("\(error)".contains("claims"), "\(error)")
        }
    }

    func testSignalInfoOfAFaultCarriesTheAddress() throws {
        var bytes = TestBytes()
        bytes.u32(11); bytes.u32(0); bytes.u32(1); bytes.u32(0)
        bytes.u64(0xdead_b000)
        bytes.bytes += [UInt8](repeating: 0, count: 128 - bytes.bytes.count)
        let info = try bytes.withView { try SignalInfo(descriptor: $0, path: "test") }
        XCTAssertEqual(Signal.name(info.number), "SIGSEGV")
        XCTAssertEqual(info.codeName, "SEGV_MAPERR")
        XCTAssertEqual(info.faultAddress, Address(0xdead_b000))
    }

    func testNotAnELFFile() {
        let bytes = TestBytes(bytes: Array("#include <stdio.h>\n".utf8))
        XCTAssertThrowsError(try bytes.withView { try ELFImage(view: $0, path: "x.c") }) { error in
            XCTAssertEqual(error as? CoreInspectError, .notELF(path: "x.c"))
        }
    }

    func testAddressParsing() {
        XCTAssertEqual(Address(parsing: "0x7fff0010"), Address(0x7fff_0010))
        XCTAssertEqual(Address(parsing: "ff"), Address(0xff))
        XCTAssertEqual(Address(parsing: "#255"), Address(255))
        XCTAssertNil(Address(parsing: "0xzz"))
    }
}
