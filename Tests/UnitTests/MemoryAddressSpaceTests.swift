import CoreFile
import Foundation
import ProcessImage
import Synchronization
import XCTest

/// `AddressSpace`'s zero-copy views and scans over a small core written by
/// the test: core-backed segments, a file-backed one whose file ends before
/// the mapping does, and an absent one. Every answer is checked against the
/// bytes the test put there.
final class MemoryAddressSpaceTests: XCTestCase {
    /// What the test wrote at each address; nil where nothing is readable.
    var image: [UInt64: UInt8] = [:]
    var memory: AddressSpace!
    var directory: URL!

    let coreBacked = AddressRange(start: Address(0x10000), size: 0x3000)
    let fileBacked = AddressRange(start: Address(0x13000), size: 0x2000)
    /// The library file holds 0x2800 bytes and is mapped from offset 0x1000,
    /// so the mapping's last 0x800 bytes are past its end.
    let fileAvailable: UInt64 = 0x1800
    let absent = AddressRange(start: Address(0x20000), size: 0x1000)
    let lastSegment = AddressRange(start: Address(0x30000), size: 0x1000)

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("coreinspect-memory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var random = SeededWords(seed: 0xa5)
        func randomBytes(_ count: Int) -> [UInt8] {
            (0..<count / 8).flatMap { _ in
                let word = random.next() % 3 == 0 ? 0x13000 + random.next() % 0x2000 : random.next()
                return withUnsafeBytes(of: word.littleEndian) { Array($0) }
            }
        }
        let library = randomBytes(0x2800)
        let libraryPath = directory.appendingPathComponent("lib.so").path
        try Data(library).write(to: URL(fileURLWithPath: libraryPath))
        let first = randomBytes(Int(coreBacked.size)), last = randomBytes(Int(lastSegment.size))
        for (offset, byte) in first.enumerated() { image[coreBacked.start.rawValue + UInt64(offset)] = byte }
        for offset in 0..<Int(fileAvailable) { image[fileBacked.start.rawValue + UInt64(offset)] = library[0x1000 + offset] }
        for (offset, byte) in last.enumerated() { image[lastSegment.start.rawValue + UInt64(offset)] = byte }

        let corePath = directory.appendingPathComponent("core").path
        try Data(Self.core(segments: [(coreBacked, first), (fileBacked, []), (absent, []), (lastSegment, last)],
                           fileMapping: (fileBacked, 0x1000, libraryPath))).write(to: URL(fileURLWithPath: corePath))
        memory = AddressSpace(core: try CoreFile(path: corePath), files: [libraryPath: try MappedFile(path: libraryPath)])
    }

    override func tearDownWithError() throws {
        memory = nil
        try FileManager.default.removeItem(at: directory)
    }

    func testViewsBorrowOneRegionAndStopAtTheFilesEnd() throws {
        XCTAssertEqual(memory.view(at: Address(0x12ff8), count: 8)?.bytes, expectedBytes(0x12ff8, 8))
        XCTAssertNil(memory.view(at: Address(0x12ff8), count: 16), "core and file regions are different memory")
        XCTAssertEqual(memory.view(at: Address(0x13100), count: 0x100)?.bytes, expectedBytes(0x13100, 0x100))
        XCTAssertNil(memory.view(at: fileBacked.start.advanced(by: fileAvailable - 8), count: 16), "past the file's end")
        XCTAssertNil(memory.view(at: absent.start, count: 8))
        XCTAssertNil(memory.view(at: Address(0x40000), count: 8))
        // A read across the boundary copies from both.
        XCTAssertEqual(try memory.readBytes(at: Address(0x12ff8), count: 16), expectedBytes(0x12ff8, 16))
    }

    func testStretchesAreTheAvailableRegionsClipped() {
        var stretches: [AddressRange] = []
        memory.forEachView(in: AddressRange(start: Address(0x10004), end: Address(0x30ff3))) { start, view in
            XCTAssertEqual(view.bytes, expectedBytes(start.rawValue, view.count))
            stretches.append(AddressRange(start: start, size: UInt64(view.count)))
        }
        XCTAssertEqual(stretches, [AddressRange(start: Address(0x10004), end: coreBacked.end),
                                   AddressRange(start: fileBacked.start, size: fileAvailable),
                                   AddressRange(start: lastSegment.start, end: Address(0x30ff3))])
    }

    func testScanFindsWhatEachWordReadFinds() {
        let targets = AddressRangeSet([fileBacked])
        let range = AddressRange(start: Address(0x10003), end: Address(0x30ffd))
        var found: [Address] = []
        memory.scanWords(in: range, matching: targets) { address, word in
            XCTAssertEqual(word, expectedWord(address.rawValue))
            found.append(address)
        }
        let expected = stride(from: UInt64(0x10008), to: 0x30ff8, by: 8).filter { address in
            expectedWord(address).map { fileBacked.contains(Address($0)) } ?? false
        }.map { Address($0) }
        XCTAssertEqual(found, expected)
        XCTAssertGreaterThan(found.count, 500, "a third of the words point into the file-backed range")
        // Releasing the pages behind a scan changes nothing but residency.
        XCTAssertEqual(memory.countWords(in: range, matching: targets, releasingPages: true), expected.count)
        XCTAssertEqual(memory.countWords(in: range, matching: targets), expected.count)
    }

    func testConcurrentReadersGetTheirOwnAnswers() {
        let expected = Dictionary(uniqueKeysWithValues: image.keys.compactMap { address in
            address & 7 == 0 ? expectedWord(address).map { (address, $0) } : nil
        })
        let addresses = expected.keys.sorted()
        let memory: AddressSpace = memory
        let wrong = Mutex(0), reads = Mutex(0)
        // Each thread hops between regions, so the shared last-hit hint keeps changing under it.
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            var random = SeededWords(seed: UInt64(worker + 1))
            var mismatches = 0
            for _ in 0..<20_000 {
                let address = addresses[Int(random.next() % UInt64(addresses.count))]
                if (try? memory.readUInt64(at: Address(address))) != expected[address] { mismatches += 1 }
            }
            wrong.withLock { $0 += mismatches }
            reads.withLock { $0 += 20_000 }
        }
        XCTAssertEqual(wrong.withLock { $0 }, 0)
        XCTAssertEqual(reads.withLock { $0 }, 80_000)
    }

    // MARK: helpers

    private func expectedBytes(_ address: UInt64, _ count: Int) -> [UInt8] {
        (0..<UInt64(count)).map { image[address + $0] ?? 0xEE }
    }

    private func expectedWord(_ address: UInt64) -> UInt64? {
        var word: UInt64 = 0
        for index in (0..<UInt64(8)).reversed() {
            guard let byte = image[address + index] else { return nil }
            word = word << 8 | UInt64(byte)
        }
        return word
    }

    /// An ELF64 x86-64 core: one PT_NOTE holding NT_FILE for `fileMapping`,
    /// then one PT_LOAD per segment with the given bytes (none: not in the core).
    static func core(segments: [(range: AddressRange, bytes: [UInt8])],
                     fileMapping: (range: AddressRange, offset: UInt64, path: String)) -> [UInt8] {
        var descriptor = TestBytes()
        descriptor.u64(1)
        descriptor.u64(1)
        descriptor.u64(fileMapping.range.start.rawValue)
        descriptor.u64(fileMapping.range.end.rawValue)
        descriptor.u64(fileMapping.offset)
        descriptor.string(fileMapping.path)
        var notes = TestBytes()
        notes.note(owner: "CORE", type: 0x4649_4c45, descriptor: descriptor.bytes)

        let headersEnd = 64 + 56 * (segments.count + 1)
        var out = TestBytes()
        out.bytes = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1] + [UInt8](repeating: 0, count: 9)
        out.u32(4 | 62 << 16)  // e_type ET_CORE, e_machine EM_X86_64
        out.u32(1)
        out.u64(0)
        out.u64(64)  // e_phoff
        out.u64(0)
        out.u32(0)
        out.u32(64 | 56 << 16)  // e_ehsize, e_phentsize
        out.u32(UInt32(segments.count + 1))  // e_phnum, e_shentsize 0
        out.u32(0)
        var offset = UInt64(headersEnd)
        func header(type: UInt32, fileSize: UInt64, address: UInt64, memorySize: UInt64) {
            out.u32(type)
            out.u32(6)
            out.u64(offset)
            out.u64(address)
            out.u64(0)
            out.u64(fileSize)
            out.u64(memorySize)
            out.u64(1)
            offset += fileSize
        }
        header(type: 4, fileSize: UInt64(notes.bytes.count), address: 0, memorySize: 0)
        for segment in segments {
            header(type: 1, fileSize: UInt64(segment.bytes.count), address: segment.range.start.rawValue, memorySize: segment.range.size)
        }
        return out.bytes + notes.bytes + segments.flatMap(\.bytes)
    }
}
