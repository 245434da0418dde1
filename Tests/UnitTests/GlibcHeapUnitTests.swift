import CoreFile
@testable import GlibcMalloc
import ProcessImage
import XCTest

/// A hand-made glibc 2.36 heap in fake memory: an arena, a heap of chunks, free lists.
private struct SyntheticGlibcHeap {
    let layout = GlibcLayout.table(for: GlibcVersion(major: 2, minor: 36))!
    let memory = SyntheticMemory()
    /// Word images, written to `memory` by `commit()`.
    var arenaWords: [UInt64]
    var heapWords: [UInt64]
    let arena: UInt64 = 0x7f00_0000_1000
    let heap: UInt64 = 0x5555_5555_9000

    init(heapBytes: Int = 0x1000) {
        arenaWords = [UInt64](repeating: 0, count: Int(GlibcLayout.table(for: GlibcVersion(major: 2, minor: 36))!.arenaSize) / 8 + 1)
        heapWords = [UInt64](repeating: 0, count: heapBytes / 8)
        for bin in 1..<GlibcLayout.binCount {
            let head = layout.binHead(arena: arena, index: bin)
            setArena(head + 16, head)
            setArena(head + 24, head)
        }
        setArena(arena + layout.nextOffset, arena)
    }

    mutating func setArena(_ address: UInt64, _ value: UInt64) { arenaWords[Int((address - arena) / 8)] = value }
    mutating func setHeap(_ address: UInt64, _ value: UInt64) { heapWords[Int((address - heap) / 8)] = value }
    func readHeap(_ address: UInt64) -> UInt64 { heapWords[Int((address - heap) / 8)] }

    /// Lays chunks of `sizes` from the heap's start, each header with PREV_INUSE; returns their addresses.
    mutating func layChunks(_ sizes: [UInt64]) -> [UInt64] {
        var cursor = heap
        var chunks: [UInt64] = []
        for size in sizes {
            setHeap(cursor + 8, size | 1)
            chunks.append(cursor)
            cursor += size
        }
        return chunks
    }

    func commit() {
        memory.map(words: arenaWords, at: Address(arena))
        memory.map(words: heapWords, at: Address(heap))
    }

    /// PROTECT_PTR: what glibc stores in a tcache or fastbin `next` at `field` pointing at `target`.
    static func protect(_ target: UInt64, field: UInt64) -> UInt64 { (field >> 12) ^ target }
}

final class GlibcHeapUnitTests: XCTestCase {
    func testFastbinSafeLinkingIsUndone() {
        var fake = SyntheticGlibcHeap()
        let chunks = fake.layChunks([0x20, 0x20, 0x20, 0x40])
        fake.setArena(fake.arena + fake.layout.fastbinsOffset!, chunks[0])
        fake.setHeap(chunks[0] + 16, SyntheticGlibcHeap.protect(chunks[1], field: chunks[0] + 16))
        fake.setHeap(chunks[1] + 16, SyntheticGlibcHeap.protect(chunks[2], field: chunks[1] + 16))
        fake.setHeap(chunks[2] + 16, SyntheticGlibcHeap.protect(0, field: chunks[2] + 16))
        fake.commit()
        var places: [UInt64: GlibcChunkPlace] = [:]
        var warnings: [Warning] = []
        let lists = GlibcFreeListReader(memory: fake.memory, layout: fake.layout).read(arena: fake.arena, places: &places, warnings: &warnings)
        XCTAssertEqual(places, [chunks[0]: .fastbin, chunks[1]: .fastbin, chunks[2]: .fastbin])
        XCTAssertEqual(lists.fastbinChunks, 3)
        XCTAssertEqual(lists.fastbinBytes, 0x60)
        XCTAssertEqual(warnings, [])
    }

    func testLoopingBinIsReportedAndBounded() {
        var fake = SyntheticGlibcHeap()
        let chunks = fake.layChunks([0x100, 0x100, 0x100])
        let head = fake.layout.binHead(arena: fake.arena, index: 16)
        fake.setArena(head + 16, chunks[0])
        fake.setHeap(chunks[0] + 16, chunks[1])
        fake.setHeap(chunks[1] + 16, chunks[2])
        fake.setHeap(chunks[2] + 16, chunks[1])  // back into the list, never to the head
        fake.commit()
        var places: [UInt64: GlibcChunkPlace] = [:]
        var warnings: [Warning] = []
        let lists = GlibcFreeListReader(memory: fake.memory, layout: fake.layout).read(arena: fake.arena, places: &places, warnings: &warnings)
        XCTAssertEqual(places, [chunks[0]: .smallBin, chunks[1]: .smallBin, chunks[2]: .smallBin])
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].message.contains("loops"), warnings[0].message)
        // Counted once each although the walk went round the loop.
        XCTAssertEqual(lists.binChunks[.smallBin], 3)
        XCTAssertEqual(lists.binBytes[.smallBin], 0x300)
    }

    func testTcacheDoubleFreeCycleEndsTheWalk() {
        var fake = SyntheticGlibcHeap()
        let chunks = fake.layChunks([0x290, 0x20, 0x20])
        let tcache = chunks[0] + 16
        fake.setHeap(tcache, 2)  // counts[0] = 2
        fake.setHeap(tcache + fake.layout.tcacheEntriesOffset, chunks[1] + 16)
        fake.setHeap(chunks[1] + 16, SyntheticGlibcHeap.protect(chunks[2] + 16, field: chunks[1] + 16))
        fake.setHeap(chunks[2] + 16, SyntheticGlibcHeap.protect(chunks[1] + 16, field: chunks[2] + 16))
        fake.commit()
        var places: [UInt64: GlibcChunkPlace] = [:]
        var warnings: [Warning] = []
        let reader = GlibcTcacheReader(memory: fake.memory, layout: fake.layout, fillCount: 7)
        XCTAssertTrue(reader.read(tcache: tcache, places: &places, warnings: &warnings))
        XCTAssertEqual(places, [chunks[1]: .tcache, chunks[2]: .tcache])
        XCTAssertEqual(warnings.count, 1)
    }

    /// 2.42+: `num_slots[i]` is the room left in bin i, so a bin holding n chunks reads fill − n.
    func testCountingDownTcacheOf243() throws {
        let layout = try XCTUnwrap(GlibcLayout.table(for: GlibcVersion(major: 2, minor: 43)))
        XCTAssertTrue(layout.tcacheCountsDown)
        XCTAssertEqual(layout.tcacheChunkSize, 0x300)
        let memory = SyntheticMemory()
        let tcache: UInt64 = 0x5555_0000_0010
        let entries: [UInt64] = [0x5555_0000_1010, 0x5555_0000_2010]
        var words = [UInt64](repeating: 0, count: Int(layout.tcacheStructSize) / 8)
        for bin in 0..<layout.tcacheBinCount where bin < 64 {
            // Every small bin starts with 16 free slots; bin 1 holds two chunks.
            words[bin / 4] |= UInt64(bin == 1 ? 14 : 16) << (16 * UInt64(bin % 4))
        }
        words[Int(layout.tcacheEntriesOffset / 8) + 1] = entries[0]
        memory.map(words: words, at: Address(tcache))
        memory.map(words: [SyntheticGlibcHeap.protect(entries[1], field: entries[0]), 0], at: Address(entries[0]))
        memory.map(words: [SyntheticGlibcHeap.protect(0, field: entries[1]), 0], at: Address(entries[1]))
        var places: [UInt64: GlibcChunkPlace] = [:]
        var warnings: [Warning] = []
        XCTAssertTrue(GlibcTcacheReader(memory: memory, layout: layout, fillCount: 16).read(tcache: tcache, places: &places, warnings: &warnings))
        XCTAssertEqual(places, [entries[0] - 16: .tcache, entries[1] - 16: .tcache])
        // Read as counting up (2.36's rule), the same struct is no tcache.
        XCTAssertFalse(GlibcTcacheReader(memory: memory, layout: GlibcLayout.table(for: GlibcVersion(major: 2, minor: 41))!, fillCount: 16)
            .read(tcache: tcache, places: &places, warnings: &warnings))
    }

    func testTcacheWhoseCountsDisagreeIsRejected() {
        var fake = SyntheticGlibcHeap()
        let chunks = fake.layChunks([0x290, 0x20])
        let tcache = chunks[0] + 16
        fake.setHeap(tcache, 3)  // counts[0] = 3, but one entry
        fake.setHeap(tcache + fake.layout.tcacheEntriesOffset, chunks[1] + 16)
        fake.setHeap(chunks[1] + 16, SyntheticGlibcHeap.protect(0, field: chunks[1] + 16))
        fake.commit()
        var places: [UInt64: GlibcChunkPlace] = [:]
        var warnings: [Warning] = []
        let reader = GlibcTcacheReader(memory: fake.memory, layout: fake.layout, fillCount: 7)
        XCTAssertFalse(reader.read(tcache: tcache, places: &places, warnings: &warnings))
        XCTAssertEqual(places, [:])
    }

    func testCorruptHeaderIsReportedOnceAndTheWalkResynchronises() {
        var fake = SyntheticGlibcHeap()
        let chunks = fake.layChunks([0x30, 0x40, 0x50, 0x60, 0x70])
        fake.setHeap(chunks[1] + 8, 0xdead_beef_1234)  // garbage size
        fake.setHeap(chunks[2] + 8, 0x3)               // IS_MMAPPED inside a heap: also garbage
        let top = chunks[4] + 0x70
        fake.setHeap(top + 8, 0x200 | 1)
        fake.commit()
        var found = GlibcChunks()
        var warnings: [Warning] = []
        GlibcChunkWalker(memory: fake.memory).walk(from: fake.heap, to: top + 0x200, top: top, arena: 0, into: &found, warnings: &warnings)
        XCTAssertEqual(warnings.map(\.message), ["heap corruption near \(Address(chunks[1]).hex)"])
        XCTAssertEqual(found.addresses, [chunks[0], chunks[3], chunks[4]])
        XCTAssertEqual(found.sizes, [0x30, 0x60, 0x70])
    }

    func testInUseComesFromTheNextChunksPrevInuseBit() {
        var fake = SyntheticGlibcHeap()
        let chunks = fake.layChunks([0x30, 0x40, 0x50])
        fake.setHeap(chunks[2] + 8, 0x50)  // chunk 1 is free
        let top = chunks[2] + 0x50
        fake.setHeap(top + 8, 0x100)      // chunk 2 is free too
        fake.commit()
        var found = GlibcChunks()
        var warnings: [Warning] = []
        GlibcChunkWalker(memory: fake.memory).walk(from: fake.heap, to: top + 0x100, top: top, arena: 0, into: &found, warnings: &warnings)
        XCTAssertEqual(found.inUseBits, [true, false, false])
        XCTAssertEqual(warnings, [])
    }

    func testMainArenaAndParametersAreFoundByShape() {
        var fake = SyntheticGlibcHeap()
        let chunks = fake.layChunks([0x30])
        let top = chunks[0] + 0x30
        fake.setHeap(top + 8, 0xf00 | 1)
        fake.setArena(fake.arena + fake.layout.topOffset, top)
        fake.setArena(fake.arena + fake.layout.systemMemOffset, top + 0xf00 - fake.heap)
        fake.commit()
        // mp_ 0x920 below the arena, as in Debian's builds.
        let parameters = fake.arena - 0x920
        var mp = [UInt64](repeating: 0, count: 0x920 / 8)
        mp[Int(fake.layout.sbrkBaseOffset / 8)] = fake.heap
        mp[Int(fake.layout.tcacheCountOffset / 8)] = 7
        fake.memory.map(words: mp, at: Address(parameters))
        let region = AddressRange(start: Address(parameters), end: Address(fake.arena + fake.layout.arenaSize))
        let locator = GlibcArenaLocator(memory: fake.memory, layout: fake.layout)
        XCTAssertEqual(locator.mainArena(in: [region]), fake.arena)
        XCTAssertEqual(locator.mallocParameters(mainArena: fake.arena, in: [region]), parameters)
    }

    func testChunkWordRoundTrips() {
        var word = GlibcChunkWord(place: .largeBin, arena: 3, chunkSize: 0x12_3450)
        XCTAssertEqual(word.place, .largeBin)
        XCTAssertEqual(word.arena, 3)
        XCTAssertEqual(word.chunkSize, 0x12_3450)
        XCTAssertFalse(word.isMmapped || word.isLibcOwned)
        word.isLibcOwned = true
        XCTAssertTrue(word.isLibcOwned)
        XCTAssertEqual(word.place, .largeBin)
        let mmapped = GlibcChunkWord(place: .inUse, arena: GlibcChunkWord.mmappedArena, chunkSize: 0x31000, mmapped: true)
        XCTAssertTrue(mmapped.isMmapped)
        XCTAssertEqual(mmapped.arena, 0xFFFF)
        XCTAssertEqual(mmapped.chunkSize, 0x31000)
    }

    func testListWalkStopsAtItsLimit() {
        // A list that never ends: each node points 16 bytes further.
        let end = GlibcListWalk.walk(from: 16, limit: 1000, isEnd: { $0 == 0 }, next: { $0 + 16 }, visit: { _ in })
        XCTAssertEqual(end, .tooLong)
        XCTAssertEqual(GlibcListWalk.walk(from: 24, limit: 10, isEnd: { $0 == 0 }, next: { _ in 0 }, visit: { _ in }), .broken(at: 24))
    }

    func testVersionBannerIsRead() throws {
        let memory = SyntheticMemory()
        let text = Array("junk\0GNU C Library (Debian GLIBC 2.41-12+deb13u5) stable release version 2.41.\nCopyright".utf8)
        memory.map(text, at: Address(0x4000))
        let found = try XCTUnwrap(GlibcLibrary.versionBanner(in: AddressRange(start: Address(0x4000), size: UInt64(text.count)), memory: memory))
        XCTAssertEqual(found.version, GlibcVersion(major: 2, minor: 41))
        XCTAssertEqual(found.banner, "Debian GLIBC 2.41-12+deb13u5")
        XCTAssertNil(GlibcLayout.table(for: GlibcVersion(major: 2, minor: 44)))
        XCTAssertTrue("\(GlibcMallocError.unknownLayout(version: GlibcVersion(major: 2, minor: 44)))".contains("2.44"))
    }
}
