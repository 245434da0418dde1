import Analysis
import CoreFile
@testable import GoRuntime
import ProcessImage
import XCTest

/// The heap walk over a synthetic heap laid out with a release's own table: `mheap_`, its
/// arena index, one `heapArena`, and spans whose fields sit at that release's offsets.
final class GoHeapWalkUnitTests: XCTestCase {
    /// A span to lay out; `pointer` is where its mspan goes.
    struct SpanSpec {
        var pointer: UInt64
        var start: UInt64
        var pages: UInt64 = 1
        var elementSize: UInt64
        var elementCount: UInt64
        var spanClass: UInt64
        var freeIndex: UInt64 = 0
        var allocated: [Int] = []
        var inUse = true
        /// Whether the arena index maps the span's first page back to it.
        var mapped = true
    }

    static let mheapAddress: UInt64 = 0x50_0000
    static let spanArray: UInt64 = 0x60_0000
    static let level2: UInt64 = 0x1_0000_0000
    static let heapArenaAddress: UInt64 = 0x80_0000
    /// A randomized-looking heap base, 64 MiB aligned, far from 0xc000000000.
    static let heapBase: UInt64 = 0x7f12_3400_0000

    private func layouts(minor: Int) throws -> GoHeapLayouts {
        let table = try XCTUnwrap(GoReleaseTable.all.first { $0.goRelease?.minor == minor })
        return try GoHeapLayouts(GoRuntimeLayout(table: table, goVersion: table.release, exact: true))
    }

    private func put(_ value: UInt64, _ field: GoIntegerField, in bytes: inout [UInt8]) {
        for byte in 0..<field.size { bytes[field.offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
    }

    private func put(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        put(value, GoIntegerField(offset: offset, size: 8), in: &bytes)
    }

    /// Lays out `mheap_` listing `listed` (mspan pointers, in that order) and the given spans.
    private func heap(_ layouts: GoHeapLayouts, spans: [SpanSpec], listed: [UInt64]? = nil) -> SyntheticMemory {
        let memory = SyntheticMemory()
        let listed = listed ?? spans.map(\.pointer)
        var mheap = [UInt8](repeating: 0, count: layouts.mheap.size)
        put(Self.spanArray, at: layouts.mheap.allspans.offset, in: &mheap)
        put(UInt64(listed.count), at: layouts.mheap.allspans.offset + 8, in: &mheap)
        put(UInt64(listed.count), at: layouts.mheap.allspans.offset + 16, in: &mheap)
        put(Self.level2, at: layouts.mheap.arenas.elementOffset(0), in: &mheap)
        memory.map(mheap, at: Address(Self.mheapAddress))
        memory.map(words: listed, at: Address(Self.spanArray))
        let pagesPerArena = UInt64(layouts.arena.spans.count)
        let arenaNumber = (Self.heapBase &- GoArenaIndex.arenaBaseOffset) / (pagesPerArena * 8192)
        memory.map(words: [Self.heapArenaAddress], at: Address(Self.level2 + 8 * arenaNumber))
        for (index, spec) in spans.enumerated() {
            var span = [UInt8](repeating: 0, count: layouts.span.size)
            let allocBits = 0xa0_0000 + UInt64(index) * 0x1000
            put(spec.inUse ? layouts.inUseState : 0, layouts.span.state, in: &span)
            put(spec.start, at: layouts.span.startAddr.offset, in: &span)
            put(spec.pages, layouts.span.npages, in: &span)
            put(spec.elementSize, layouts.span.elemsize, in: &span)
            put(spec.elementCount, layouts.span.nelems, in: &span)
            put(spec.spanClass, layouts.span.spanclass, in: &span)
            put(spec.freeIndex, layouts.span.freeindex, in: &span)
            put(allocBits, at: layouts.span.allocBits.offset, in: &span)
            memory.map(span, at: Address(spec.pointer))
            var bits = [UInt8](repeating: 0, count: Int(spec.elementCount + 7) / 8)
            for object in spec.allocated { bits[object / 8] |= 1 << (object % 8) }
            memory.map(bits, at: Address(allocBits))
            let page = (spec.start / 8192) % pagesPerArena
            let entry = Self.heapArenaAddress + UInt64(layouts.arena.spans.elementOffset(Int(page)))
            memory.map(words: [spec.mapped ? spec.pointer : 0xdead_0000], at: Address(entry))
        }
        return memory
    }

    private func walk(_ memory: SyntheticMemory, _ layouts: GoHeapLayouts) throws -> GoHeap {
        try GoHeap.read(memory: memory, layouts: layouts, mheap: Address(Self.mheapAddress), mheapSource: "test")
    }

    /// Allocated iff below freeindex or its allocBits bit is set; large spans hold one object
    /// of the span's bytes; spans not in use are not walked.
    func testObjectsBelowFreeIndexOrWithTheirBitSetAreAllocated() throws {
        for minor in [21, 22, 26] {
            let layouts = try layouts(minor: minor)
            let small = SpanSpec(pointer: 0x90_0000, start: Self.heapBase, elementSize: 48, elementCount: 170,
                                 spanClass: 5 << 1, freeIndex: 3, allocated: [0, 5, 100, 169])
            let large = SpanSpec(pointer: 0x90_1000, start: Self.heapBase + 0x10000, pages: 3, elementSize: 3 * 8192,
                                 elementCount: 1, spanClass: 1, allocated: [0])
            let idle = SpanSpec(pointer: 0x90_2000, start: Self.heapBase + 0x20000, elementSize: 16, elementCount: 512,
                                spanClass: 2 << 1, freeIndex: 512, inUse: false)
            // allspans is in no particular order; the table comes out in address order.
            let heap = try walk(heap(layouts, spans: [small, large, idle], listed: [large.pointer, idle.pointer, small.pointer]), layouts)
            let expected = [0, 1, 2, 5, 100, 169].map { Self.heapBase + UInt64($0) * 48 } + [large.start]
            XCTAssertEqual(heap.table.addresses, expected, "1.\(minor)")
            XCTAssertEqual(heap.table.sizes, Array(repeating: 48, count: 6) + [3 * 8192], "1.\(minor)")
            XCTAssertEqual(heap.spans.count, 2, "1.\(minor)")
            XCTAssertEqual(heap.warnings, [], "1.\(minor)")
            XCTAssertEqual(heap.table.allocatorWords.map { GoHeap.AllocatorWord.span(of: $0) }, Array(repeating: 0, count: 6) + [1])
            XCTAssertEqual(heap.typeTable.name(of: heap.table.typeIDs[0]), "[size class 5]")
            XCTAssertEqual(heap.typeTable.name(of: heap.table.typeIDs[6]), "[24576 bytes]")
            XCTAssertEqual(heap.arenaRanges.first?.start, Address(Self.heapBase), "1.\(minor)")
        }
    }

    /// A span whose nelems × elemsize overflows its pages, one the arena index does not map
    /// back, and one listed twice: each is skipped (or counted once) with one warning per
    /// reason, and the good span is still walked.
    func testCorruptAndDuplicateSpansAreSkippedWithOneWarningEach() throws {
        let layouts = try layouts(minor: 26)
        let good = SpanSpec(pointer: 0x90_0000, start: Self.heapBase, elementSize: 64, elementCount: 126,
                            spanClass: 6 << 1, freeIndex: 10)
        let absurd = [0x90_1000, 0x90_2000].enumerated().map { index, pointer in
            SpanSpec(pointer: UInt64(pointer), start: Self.heapBase + 0x10000 * UInt64(index + 1), elementSize: 64,
                     elementCount: 4000, spanClass: 6 << 1, freeIndex: 4000)
        }
        let outside = SpanSpec(pointer: 0x90_3000, start: Self.heapBase + 0x40000, elementSize: 64, elementCount: 126,
                               spanClass: 6 << 1, freeIndex: 126, mapped: false)
        let spans = [good] + absurd + [outside]
        let memory = heap(layouts, spans: spans, listed: spans.map(\.pointer) + [good.pointer, good.pointer])
        let heap = try walk(memory, layouts)
        XCTAssertEqual(heap.table.count, 10)
        XCTAssertEqual(heap.spans.spanAddresses, [good.pointer])
        XCTAssertEqual(heap.warnings.count, 3, "\(heap.warnings)")
        XCTAssertEqual(heap.warnings.map(\.count), [1, 2, 2], "\(heap.warnings)")
        XCTAssertTrue(heap.warnings[0].description.contains(outside.pointer.hexString), "\(heap.warnings[0])")
    }

    /// A specials list whose last record points back to its first: the records before the
    /// loop are kept once, and one warning names the span.
    func testSpecialsCycleIsDetected() throws {
        let layouts = try layouts(minor: 24)
        let spec = SpanSpec(pointer: 0x90_0000, start: Self.heapBase, elementSize: 32, elementCount: 256,
                            spanClass: 3 << 1, freeIndex: 256)
        let memory = heap(layouts, spans: [spec])
        // Rewrite the span with a specials head, then lay out two records that loop.
        var span = [UInt8](repeating: 0, count: layouts.span.size)
        try span.withUnsafeMutableBytes { try memory.read(into: $0, at: Address(spec.pointer)) }
        let first: UInt64 = 0xb0_0000, second: UInt64 = 0xb0_0100
        put(first, at: layouts.span.specials.offset, in: &span)
        let rewritten = SyntheticMemory()
        for range in memory.mappedRanges where range.start != Address(spec.pointer) {
            rewritten.map(try memory.readBytes(at: range.start, count: Int(range.size)), at: range.start)
        }
        rewritten.map(span, at: Address(spec.pointer))
        for (record, next, offset) in [(first, second, UInt64(64)), (second, first, UInt64(96))] {
            var bytes = [UInt8](repeating: 0, count: layouts.special.size)
            put(next, at: layouts.special.next.offset, in: &bytes)
            put(offset, layouts.special.offset, in: &bytes)
            put(2, layouts.special.kind, in: &bytes)
            rewritten.map(bytes, at: Address(record))
        }
        let heap = try walk(rewritten, layouts)
        XCTAssertEqual(heap.specials.records, [first, second])
        XCTAssertEqual(heap.specials.objects, [Self.heapBase + 64, Self.heapBase + 96])
        XCTAssertEqual(heap.warnings.count, 1)
        XCTAssertTrue(heap.warnings.first?.description.contains("loops") ?? false, "\(heap.warnings)")
        XCTAssertEqual(heap.table.count, 256)
    }

    /// The by-shape check accepts the real mheap_ and refuses a slice whose elements are not
    /// spans the arena index maps back (what allgs or a user slice would look like).
    func testLocatorAcceptsOnlyAnMHeapWhoseSpansMapBack() throws {
        let layouts = try layouts(minor: 24)
        let span = SpanSpec(pointer: 0x90_0000, start: Self.heapBase, elementSize: 32, elementCount: 256,
                            spanClass: 3 << 1, freeIndex: 256)
        let memory = heap(layouts, spans: [span])
        let locator = MHeapLocator(memory: memory, mheap: layouts.mheap, span: layouts.span, arena: layouts.arena,
                                   inUseState: layouts.inUseState)
        XCTAssertTrue(locator.isPlausible(Address(Self.mheapAddress)))
        let unmapped = heap(layouts, spans: [SpanSpec(pointer: 0x90_0000, start: Self.heapBase, elementSize: 32, elementCount: 256,
                                                      spanClass: 3 << 1, mapped: false)])
        XCTAssertFalse(MHeapLocator(memory: unmapped, mheap: layouts.mheap, span: layouts.span, arena: layouts.arena,
                                    inUseState: layouts.inUseState).isPlausible(Address(Self.mheapAddress)))
        XCTAssertFalse(locator.isPlausible(Address(Self.spanArray)))
    }

    /// A DWARF-named mheap_ with one span the arena index does not map back is still used (the
    /// walk skips that span); by shape, the same structure is not trusted.
    func testDWARFMHeapWithOneBadSpanIsKeptButNotFoundByShape() throws {
        let layouts = try layouts(minor: 27)
        let bad = SpanSpec(pointer: 0x90_0000, start: Self.heapBase, elementSize: 32, elementCount: 256,
                           spanClass: 3 << 1, mapped: false)
        let good = SpanSpec(pointer: 0x90_1000, start: Self.heapBase + 0x10000, elementSize: 32, elementCount: 256,
                            spanClass: 3 << 1, freeIndex: 7)
        let memory = heap(layouts, spans: [bad, good])
        let locator = MHeapLocator(memory: memory, mheap: layouts.mheap, span: layouts.span, arena: layouts.arena,
                                   inUseState: layouts.inUseState)
        XCTAssertFalse(locator.isPlausible(Address(Self.mheapAddress)))
        XCTAssertEqual(try locator.checked(symbolAddress: Address(Self.mheapAddress)), Address(Self.mheapAddress))
        XCTAssertThrowsError(try MHeapLocator(memory: heap(layouts, spans: [bad]), mheap: layouts.mheap, span: layouts.span,
                                              arena: layouts.arena, inUseState: layouts.inUseState)
            .checked(symbolAddress: Address(Self.mheapAddress)))
        let heap = try walk(memory, layouts)
        XCTAssertEqual(heap.table.count, 7)
        XCTAssertEqual(heap.warnings.map(\.count), [1])
    }

    /// A release with neither DWARF nor a table of its own: the walk names it rather than
    /// reading spans through a neighbour's offsets.
    func testReleaseWithoutItsOwnLayoutIsRefusedByName() throws {
        let table = try XCTUnwrap(GoReleaseTable.all.first { $0.goRelease?.minor == 19 })
        let layout = GoRuntimeLayout(table: table, goVersion: "go1.20.14", exact: false)
        XCTAssertThrowsError(try GoHeapLayouts(layout)) { error in
            XCTAssertEqual(error as? GoRuntimeError, .noLayout(goVersion: "go1.20.14"))
            XCTAssertTrue("\(error)".contains("go1.20.14"))
        }
    }
}

private extension UInt64 {
    var hexString: String { "0x" + String(self, radix: 16) }
}
