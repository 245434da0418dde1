import CoreFile
@testable import GoRuntime
import ProcessImage
import XCTest

/// The per-P counts ReadMemStats flushes first, over a fake address space laid
/// out with every release's table: two Ps, one without an mcache, and one cached
/// span that has handed out slots since it was cached.
final class UnflushedCacheCountsTests: XCTestCase {
    private let allp = Address(0x1000), array = Address(0x2000)
    private let processors = [Address(0x10000), Address(0x20000)]
    private let cache = Address(0x40000), span = Address(0x80000), emptySpan = Address(0x90000)

    private func put(_ value: UInt64, size: Int, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }

    private func memory(_ layout: GoRuntimeLayout, processorCount: UInt64 = 2) throws -> SyntheticMemory {
        let p = try layout.resolve(PLayout.self).get(), c = try layout.resolve(MCacheLayout.self).get()
        let s = try layout.resolve(MSpanLayout.self).get()
        let memory = SyntheticMemory()
        memory.map(words: [array.rawValue, processorCount, processorCount], at: allp)
        memory.map(words: processors.map(\.rawValue), at: array)
        for (index, processor) in processors.enumerated() {
            var bytes = [UInt8](repeating: 0, count: p.size)
            put(UInt64(index), size: p.id.size, at: p.id.offset, in: &bytes)
            if index == 0 { put(cache.rawValue, size: 8, at: p.mcache.offset, in: &bytes) }
            memory.map(bytes, at: processor)
        }
        var cacheBytes = [UInt8](repeating: 0, count: c.size)
        // Span class 10 is size class 5 (48 B) with pointers; 11 holds the empty placeholder span.
        put(span.rawValue, size: 8, at: c.alloc.offset + 10 * c.alloc.elementSize, in: &cacheBytes)
        put(emptySpan.rawValue, size: 8, at: c.alloc.offset + 11 * c.alloc.elementSize, in: &cacheBytes)
        put(7, size: c.tinyAllocs.size, at: c.tinyAllocs.offset, in: &cacheBytes)
        memory.map(cacheBytes, at: cache)
        var spanBytes = [UInt8](repeating: 0, count: s.size)
        put(12, size: s.allocCount.size, at: s.allocCount.offset, in: &spanBytes)
        put(5, size: s.allocCountBeforeCache.size, at: s.allocCountBeforeCache.offset, in: &spanBytes)
        put(48, size: s.elemsize.size, at: s.elemsize.offset, in: &spanBytes)
        memory.map(spanBytes, at: span)
        memory.map([UInt8](repeating: 0, count: s.size), at: emptySpan)
        return memory
    }

    func testCachedSpansAndTinyAllocationsAreCountedInEveryRelease() throws {
        for table in GoReleaseTable.all {
            let layout = GoRuntimeLayout(table: table, goVersion: table.release, exact: true)
            let counts = try UnflushedCacheCounts(allp: allp, memory: try memory(layout), layout: layout, sizeClasses: 68)
            XCTAssertEqual(counts.smallAllocCount[5], 12 - 5, table.release)
            XCTAssertEqual(counts.smallAllocCount.reduce(0, +), 12 - 5, table.release)
            XCTAssertEqual(counts.tinyAllocCount, 7, table.release)
            XCTAssertEqual(counts.allocatedBytes, (12 - 5) * 48, table.release)
            XCTAssertEqual(counts.processors, 2, table.release)
            XCTAssertEqual(counts.unreadable, 0, table.release)
        }
    }

    func testAnAbsurdProcessorCountIsRejectedBeforeAnyRead() throws {
        let table = try XCTUnwrap(GoReleaseTable.all.last)
        let layout = GoRuntimeLayout(table: table, goVersion: table.release, exact: true)
        let memory = try memory(layout, processorCount: 1 << 40)
        XCTAssertThrowsError(try UnflushedCacheCounts(allp: allp, memory: memory, layout: layout, sizeClasses: 68))
    }
}
