import CoreFile
import ProcessImage
import XCTest

/// The word scanner and views over `SyntheticMemory`, checked against a
/// brute-force walk that reads every aligned word on its own.
final class MemoryScanTests: XCTestCase {
    /// Words that match: those pointing into the targets.
    let targets = AddressRangeSet([AddressRange(start: Address(0x7000_0000), size: 0x1000),
                                   AddressRange(start: Address(0x7100_0000), size: 0x10),
                                   AddressRange(start: Address(0x7200_0000), size: 0x20_0000)])

    func testScanMatchesBruteForceOverRandomLayouts() throws {
        var random = SeededWords(seed: 0x5ca7)
        for round in 0..<40 {
            let memory = randomMemory(&random)
            let span = spanOf(memory)
            // Unaligned ends, inside and outside the mapped span.
            let start = span.start.retreated(by: 64).advanced(by: random.next() % 200)
            let end = span.end.advanced(by: 64).retreated(by: random.next() % 200)
            let range = AddressRange(start: start, end: end)
            var found: [Address] = []
            memory.scanWords(in: range, matching: targets) { address, word in
                XCTAssertEqual(word, try? memory.readUInt64(at: address))
                found.append(address)
            }
            let expected = bruteForceMatches(memory, in: range)
            XCTAssertEqual(found, expected, "round \(round)")
            XCTAssertFalse(expected.isEmpty, "round \(round): the layout should hold matching words")
            XCTAssertEqual(memory.countWords(in: range, matching: targets), expected.count)
        }
    }

    func testCopyingDefaultScansLikeTheViews() {
        var random = SeededWords(seed: 0xc0b7)
        for round in 0..<20 {
            let memory = randomMemory(&random)
            let readOnly = ReadOnlyMemory(memory)
            let range = spanOf(memory)
            var found: [Address] = []
            readOnly.scanWords(in: range, matching: targets) { address, _ in found.append(address) }
            XCTAssertEqual(found, bruteForceMatches(memory, in: range), "round \(round)")
        }
    }

    func testWordSplitAcrossAdjacentBlocksIsTested() {
        let memory = SyntheticMemory()
        let word = UInt64(0x7000_0010)
        let bytes = withUnsafeBytes(of: word.littleEndian) { Array($0) }
        memory.map(Array(bytes[0..<3]), at: Address(0x1000))
        memory.map(Array(bytes[3..<5]), at: Address(0x1003))
        memory.map(Array(bytes[5..<8]) + [0, 0], at: Address(0x1005))
        var found: [(Address, UInt64)] = []
        memory.scanWords(in: AddressRange(start: Address(0x1000), size: 10), matching: targets) { found.append(($0, $1)) }
        XCTAssertEqual(found.map(\.0), [Address(0x1000)])
        XCTAssertEqual(found.map(\.1), [word])
        // Cut by the range's end, or by a hole, the word is not visited.
        XCTAssertEqual(memory.countWords(in: AddressRange(start: Address(0x1000), size: 7), matching: targets), 0)
        let holed = SyntheticMemory()
        holed.map(Array(bytes[0..<3]), at: Address(0x1000))
        holed.map(Array(bytes[4..<8]), at: Address(0x1004))
        XCTAssertEqual(holed.countWords(in: AddressRange(start: Address(0x1000), size: 8), matching: targets), 0)
    }

    func testReleasingScanReleasesWhatItScannedOnceAndFindsTheSameWords() {
        // Bigger than one release chunk, so the stretch is scanned in pieces.
        let count = (8 << 20) / 8 + 4099 * 3 + 5
        var words = [UInt64](repeating: 1, count: count)
        for index in stride(from: 3, to: count, by: 4099) { words[index] = 0x7000_0000 + UInt64(index % 512) * 8 }
        let memory = SyntheticMemory()
        memory.map(words: words, at: Address(0x100_0000))
        memory.map(words: [0x7100_0008], at: Address(0x100_0000 + UInt64(count) * 8 + 0x1000))
        let recording = ReleaseRecordingMemory(memory)
        let range = AddressRange(start: Address(0x0f0_0000), end: Address(0x400_0000))
        var found: [Address] = []
        recording.scanWords(in: range, matching: targets, releasingPages: true) { address, _ in found.append(address) }
        var unreleased: [Address] = []
        memory.scanWords(in: range, matching: targets) { address, _ in unreleased.append(address) }
        XCTAssertEqual(found, unreleased)
        XCTAssertEqual(found.count, (count - 3 + 4098) / 4099 + 1)
        // The releases tile the two stretches exactly, in order, in more than one piece.
        XCTAssertEqual(recording.released.count, 3)
        let merged = recording.released.reduce(into: [AddressRange]()) { merged, next in
            if let last = merged.last, last.end == next.start { merged[merged.count - 1].end = next.end } else { merged.append(next) }
        }
        XCTAssertEqual(merged, memory.mappedRanges)
        recording.released = []
        recording.scanWords(in: range, matching: targets) { _, _ in }
        XCTAssertEqual(recording.released, [], "no release unless asked")
    }

    func testFirstWordStopsAtTheFirstAcceptedMatch() {
        let memory = SyntheticMemory()
        memory.map(words: [1, 0x7000_0008, 2, 0x7000_0010, 0x7000_0018], at: Address(0x4000))
        let range = AddressRange(start: Address(0x4000), size: 40)
        var asked: [Address] = []
        let first = memory.firstWord(in: range, matching: targets) { address, word in
            asked.append(address)
            return word == 0x7000_0010
        }
        XCTAssertEqual(first, Address(0x4018))
        XCTAssertEqual(asked, [Address(0x4008), Address(0x4018)])
        XCTAssertNil(memory.firstWord(in: range, matching: targets) { _, _ in false })
    }

    func testViewsBorrowOneBlockOnly() throws {
        let memory = SyntheticMemory()
        memory.map([1, 2, 3, 4], at: Address(0x1000))
        memory.map([5, 6], at: Address(0x1004))
        memory.mapAbsent(AddressRange(start: Address(0x2000), size: 0x100), file: "/lib/x.so")
        XCTAssertEqual(memory.view(at: Address(0x1001), count: 3)?.bytes, [2, 3, 4])
        XCTAssertNil(memory.view(at: Address(0x1002), count: 3), "crosses into the next block")
        XCTAssertNil(memory.view(at: Address(0x2000), count: 1), "absent")
        XCTAssertNil(memory.view(at: Address(0x3000), count: 1), "unmapped")

        var stretches: [(Address, [UInt8])] = []
        memory.forEachView(in: AddressRange(start: Address(0x1002), end: Address(0x2080))) { stretches.append(($0, $1.bytes)) }
        XCTAssertEqual(stretches.map(\.0), [Address(0x1002), Address(0x1004)])
        XCTAssertEqual(stretches.map(\.1), [[3, 4], [5, 6]])

        XCTAssertThrowsError(try memory.readBytes(at: Address(0x2010), count: 1)) { error in
            XCTAssertEqual(error as? CoreInspectError, .notInCore(address: Address(0x2010), file: "/lib/x.so"))
        }
        XCTAssertEqual(try memory.readBytes(at: Address(0x1002), count: 4), [3, 4, 5, 6])
    }

    func testWindowsBorrowCopyOrRefuse() throws {
        let memory = SyntheticMemory()
        memory.map(Array(0..<16), at: Address(0x1000))
        memory.map(Array(16..<32), at: Address(0x1010))
        let borrowed = try XCTUnwrap(memory.window(at: Address(0x1004), count: 8, copyLimit: 0))
        XCTAssertNil(borrowed.owner)
        XCTAssertEqual(borrowed.bytes.bytes, Array(4..<12))
        let copied = try XCTUnwrap(memory.window(at: Address(0x100c), count: 8, copyLimit: 8))
        XCTAssertNotNil(copied.owner)
        XCTAssertEqual(copied.bytes.bytes, Array(12..<20))
        XCTAssertNil(memory.window(at: Address(0x100c), count: 8, copyLimit: 7), "a copy past the limit is refused")
        XCTAssertNil(memory.window(at: Address(0x101c), count: 8, copyLimit: 64), "runs off the mapping")

        XCTAssertEqual(memory.contiguousWindow(at: Address(0x1008), maxCount: 1 << 20)?.bytes.bytes, Array(8..<16))
        // A reader without views copies the whole run, up to the limit.
        let run = try XCTUnwrap(ReadOnlyMemory(memory).contiguousWindow(at: Address(0x1008), maxCount: 1 << 20))
        let capped = try XCTUnwrap(ReadOnlyMemory(memory).contiguousWindow(at: Address(0x1008), maxCount: 4))
        withExtendedLifetime((run, capped)) {
            XCTAssertEqual(run.bytes.bytes, Array(8..<32))
            XCTAssertEqual(capped.bytes.bytes, Array(8..<12))
        }
        XCTAssertNil(memory.contiguousWindow(at: Address(0x2000), maxCount: 16))
    }

    func testRangeSetAgreesWithALinearSearch() {
        var random = SeededWords(seed: 0x5e7)
        let ranges = (0..<40).map { _ in
            AddressRange(start: Address(0x10_0000 + random.next() % 0x100_0000), size: 1 + random.next() % 0x4_0000)
        }
        // And a crowd: 300 small ranges in 64 KiB and one far away, so that
        // buckets are large and hold many range starts each.
        let crowded = (0..<300).map { _ in AddressRange(start: Address(0x5000_0000 + random.next() % 0x1_0000), size: 1 + random.next() % 64) }
            + [AddressRange(start: Address(0x7000_0000_0000), size: 0x1000)]
        for (ranges, low, width) in [(ranges, UInt64(0x8_0000), UInt64(0x120_0000)), (crowded, UInt64(0x4fff_f000), UInt64(0x1_2000))] {
            let set = AddressRangeSet(ranges)
            for _ in 0..<20_000 {
                let word = low + random.next() % width
                XCTAssertEqual(set.matches(word), ranges.contains { $0.contains(Address(word)) }, "\(Address(word))")
            }
            for range in ranges {
                XCTAssertTrue(set.matches(range.start.rawValue) && set.matches(range.end.rawValue - 1), "\(range)")
            }
        }
        XCTAssertTrue(AddressRangeSet(crowded).matches(0x7000_0000_0fff))
        XCTAssertFalse(AddressRangeSet(crowded).matches(0x7000_0000_1000))
        XCTAssertFalse(AddressRangeSet([]).matches(0))
    }

    // MARK: helpers

    /// Random words (a quarter pointing into `targets`) cut into blocks at
    /// random byte boundaries, often unaligned, sometimes adjacent, with
    /// absent and unmapped holes between them.
    private func randomMemory(_ random: inout SeededWords) -> SyntheticMemory {
        let pointers = targets.ranges
        var image: [UInt8] = []
        for _ in 0..<(64 + random.next() % 256) {
            let target = pointers[Int(random.next() % UInt64(pointers.count))]
            let word = random.next() % 4 == 0 ? target.start.rawValue + random.next() % target.size : random.next()
            withUnsafeBytes(of: word.littleEndian) { image += $0 }
        }
        let memory = SyntheticMemory()
        let base: UInt64 = 0x40_0000
        var offset = Int(random.next() % 16)
        while offset < image.count {
            let count = min(Int(1 + random.next() % 300), image.count - offset)
            memory.map(Array(image[offset..<(offset + count)]), at: Address(base + UInt64(offset)))
            offset += count
            let hole = Int(1 + random.next() % 40)
            switch random.next() % 3 {
            case 0: break  // adjacent
            case 1:
                memory.mapAbsent(AddressRange(start: Address(base + UInt64(offset)), size: UInt64(hole)))
                offset += hole
            default: offset += hole  // unmapped
            }
        }
        return memory
    }

    private func spanOf(_ memory: SyntheticMemory) -> AddressRange {
        AddressRange(start: memory.mappedRanges.first?.start ?? .zero, end: memory.mappedRanges.last?.end ?? .zero)
    }

    /// Every aligned word inside `range` that reads whole and matches, one read each.
    private func bruteForceMatches(_ memory: MemoryReader, in range: AddressRange) -> [Address] {
        var matches: [Address] = []
        var address = range.start.rawValue.isMultiple(of: 8) ? range.start : range.start.alignedDown(to: 8).advanced(by: 8)
        while address.advanced(by: 8) <= range.end {
            if let word = try? memory.readUInt64(at: address), targets.ranges.contains(where: { $0.contains(Address(word)) }) {
                matches.append(address)
            }
            address = address.advanced(by: 8)
        }
        return matches
    }
}

/// A reader that implements only `read(into:at:)`, like the smallest fake,
/// to exercise the API's copying defaults.
final class ReadOnlyMemory: MemoryReader {
    let base: MemoryReader

    init(_ base: MemoryReader) { self.base = base }

    func read(into buffer: UnsafeMutableRawBufferPointer, at address: Address) throws {
        try base.read(into: buffer, at: address)
    }
}

/// xorshift64*: deterministic, so a failing layout reproduces from its seed.
struct SeededWords {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_f491_4f6c_dd1d
    }
}

/// Lends a `SyntheticMemory`'s views and records the page releases asked of it.
final class ReleaseRecordingMemory: MemoryReader {
    let base: SyntheticMemory
    var released: [AddressRange] = []

    init(_ base: SyntheticMemory) { self.base = base }

    func read(into buffer: UnsafeMutableRawBufferPointer, at address: Address) throws {
        try base.read(into: buffer, at: address)
    }

    func forEachView(in range: AddressRange, _ body: (Address, ByteView) throws -> Void) rethrows {
        try base.forEachView(in: range, body)
    }

    func releasePages(in range: AddressRange) { released.append(range) }
}
