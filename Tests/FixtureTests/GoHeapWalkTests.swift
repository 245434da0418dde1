import Analysis
import CoreFile
import GoRuntime
import XCTest

/// The heap walk against the program's own `runtime.ReadMemStats`, taken at dump time with
/// nothing allocated after it (go-heap), on every release, DWARF and stripped, gcore and kernel.
final class GoHeapWalkTests: XCTestCase {
    private struct Truth: Decodable {
        struct MemStats: Decodable {
            struct SizeClass: Decodable { var Size: UInt64; var Mallocs: UInt64; var Frees: UInt64 }
            var HeapObjects: Int
            var HeapAlloc: UInt64
            var BySize: [SizeClass]?
        }
        struct Object: Decodable { var what: String; var address: String }
        var go_version: String
        var memstats: MemStats?
        var garbageAddresses: [String]?
        var objects: [Object]?
    }

    /// What starting a thread or two after the measurement may add to go-states and go-many.
    private static let threadStartObjects = 8
    private static let threadStartBytes: UInt64 = 16 << 10

    /// Fixtures whose truth has memstats: go-heap (exact by construction), go-states, go-many.
    private func fixtures() throws -> [(Fixture, Truth)] {
        let all = try Fixtures.all().filter { try $0.isGo() }.compactMap { fixture -> (Fixture, Truth)? in
            let truth = try fixture.truth(Truth.self)
            return truth.memstats == nil ? nil : (fixture, truth)
        }
        XCTAssertGreaterThanOrEqual(all.filter { $0.0.name.hasPrefix("go-heap") }.count, 21, "go-heap fixtures missing")
        return all
    }

    private func walk(_ fixture: Fixture) throws -> GoHeap {
        let opened = try fixture.opened()
        return try GoHeap.read(process: opened.process, go: try opened.go)
    }

    func testTotalsEqualHeapObjectsAndHeapAlloc() throws {
        for (fixture, truth) in try fixtures() {
            let heap = try walk(fixture)
            let memstats = try XCTUnwrap(truth.memstats)
            let bytes = heap.table.sizes.reduce(0, +)
            // The runtime's own per-span counter agrees with the allocBits/freeindex rule.
            XCTAssertEqual(heap.table.count, heap.spans.allocCounts.reduce(0) { $0 + Int($1) }, "\(fixture): allocCount")
            if fixture.name.hasPrefix("go-heap") {
                XCTAssertEqual(heap.table.count, memstats.HeapObjects, "\(fixture): objects")
                XCTAssertEqual(bytes, memstats.HeapAlloc, "\(fixture): bytes")
            } else {
                // go-states and go-many measure once their heap is quiet, but (their own comment
                // says) the runtime allocates an m and two gs whenever it starts a thread, and it
                // may start one between the measurement and the dump: go1.23.4/gcore-stripped holds
                // 5 objects (4,992 B) more than its truth, and its spans' own allocCount says 5 more
                // too (checked above). Never fewer, and at most a few threads' worth.
                XCTAssertTrue((0...GoHeapWalkTests.threadStartObjects).contains(heap.table.count - memstats.HeapObjects),
                              "\(fixture): \(heap.table.count) objects, truth \(memstats.HeapObjects)")
                XCTAssertTrue(bytes >= memstats.HeapAlloc && bytes - memstats.HeapAlloc <= GoHeapWalkTests.threadStartBytes,
                              "\(fixture): \(bytes) bytes, truth \(memstats.HeapAlloc)")
            }
            XCTAssertEqual(heap.warnings, [], "\(fixture)")
            XCTAssertEqual(heap.mheapSource, fixture.dump.contains("stripped") ? "by shape" : "DWARF", "\(fixture)")
            XCTAssertTrue(heap.table.states.allSatisfy { $0 == .unknown }, "\(fixture): unmarked rows")
        }
    }

    /// Size class i < len(BySize) (61 entries: classes 0…60) is BySize[i]. BySize[0] is the
    /// large-object class, which MemStats leaves at zero, and classes 61 and up (over
    /// 27 KiB) are not in BySize at all: both are checked by the totals only. Tiny
    /// allocations are in neither Mallocs nor Frees of BySize; their 16-byte blocks are in
    /// class 2's, which is what the walk counts.
    func testPerSizeClassCountsEqualBySize() throws {
        for (fixture, truth) in try fixtures() {
            guard let bySize = truth.memstats?.BySize else { continue }
            let heap = try walk(fixture)
            var counts = [Int](repeating: 0, count: 256)
            for row in 0..<heap.table.count {
                counts[Int(GoHeap.AllocatorWord.spanClass(of: heap.table.allocatorWords[row]) >> 1)] += 1
            }
            for sizeClass in 1..<bySize.count {
                let entry = bySize[sizeClass]
                XCTAssertEqual(UInt64(counts[sizeClass]), entry.Mallocs - entry.Frees, "\(fixture): class \(sizeClass) (\(entry.Size) B)")
            }
            // Every span of a class has the class's slot size.
            for span in 0..<heap.spans.count where heap.spans.sizeClass(of: span) != 0 && heap.spans.sizeClass(of: span) < bySize.count {
                XCTAssertEqual(heap.spans.elementSizes[span], bySize[heap.spans.sizeClass(of: span)].Size, "\(fixture): span \(span)")
            }
        }
    }

    /// The program's chosen objects and its garbage (made after the last GC, so allocated and
    /// unswept) each lie inside an allocated row: at its start, or 8 bytes in behind a malloc
    /// header (Go 1.22+, objects over 512 B), or anywhere in a 16-byte noscan tiny block.
    func testTruthAddressesAreInsideRows() throws {
        for (fixture, truth) in try fixtures() {
            let objects = (truth.garbageAddresses ?? []).map { (what: "garbage", address: $0) }
                + (truth.objects ?? []).map { (what: $0.what, address: $0.address) }
            guard !objects.isEmpty else { continue }
            let heap = try walk(fixture)
            let release = try XCTUnwrap(GoRelease(truth.go_version))
            for object in objects {
                let address = Address(try XCTUnwrap(UInt64(object.address.dropFirst(2), radix: 16)))
                guard let row = heap.table.row(containing: address) else {
                    XCTFail("\(fixture): \(object.what) at \(object.address) in no row")
                    continue
                }
                let offset = address.offset(from: heap.table.address(of: row))
                let size = heap.table.sizes[row]
                if object.what.contains("tiny block") {
                    let spanClass = GoHeap.AllocatorWord.spanClass(of: heap.table.allocatorWords[row])
                    XCTAssertTrue(size == 16 && spanClass & 1 == 1, "\(fixture): \(object.what) in a \(size)-byte row of class \(spanClass)")
                } else {
                    let expected: UInt64 = release.hasMallocHeaders && size > 512 && offset != 0 ? 8 : 0
                    XCTAssertEqual(offset, expected, "\(fixture): \(object.what) at \(object.address), row of \(size) B")
                }
            }
        }
    }

    /// The object the program gave a finalizer carries a finalizer special, found by following
    /// its span's specials list.
    func testFinalizedObjectHasAFinalizerSpecial() throws {
        for (fixture, truth) in try fixtures() where fixture.name.hasPrefix("go-heap") {
            let opened = try fixture.opened()
            let heap = try GoHeap.read(process: opened.process, go: try opened.go)
            let finalizerKind = try XCTUnwrap(try opened.go.layout.constants["runtime._KindSpecialFinalizer"], "\(fixture)")
            let finalized = try XCTUnwrap(truth.objects?.first { $0.what == "finalized" }, "\(fixture)")
            let address = try XCTUnwrap(UInt64(finalized.address.dropFirst(2), radix: 16))
            let kinds = (0..<heap.specials.count).filter { heap.specials.objects[$0] == address }.map { Int64(heap.specials.kinds[$0]) }
            XCTAssertTrue(kinds.contains(finalizerKind), "\(fixture): specials of \(finalized.address): \(kinds)")
        }
    }

    /// From 1.26 the heap base is randomized; the arenas must hold every span wherever they are.
    func testSpansLieInsideArenasAndTailMetadataMatchesRelease() throws {
        for (fixture, truth) in try fixtures() where fixture.name.hasPrefix("go-heap") {
            let heap = try walk(fixture)
            let release = try XCTUnwrap(GoRelease(truth.go_version))
            XCTAssertFalse(heap.arenaRanges.isEmpty, "\(fixture)")
            for span in 0..<heap.spans.count {
                let range = heap.spans.range(of: span)
                XCTAssertTrue(heap.arenaRanges.contains { $0.start <= range.start && range.end <= $0.end }, "\(fixture): span \(span)")
                let small = heap.spans.sizeClass(of: span) != 0 && heap.spans.elementSizes[span] <= 512
                let expectsInlineMarks = release.hasGreenTeaGCByDefault && small && heap.spans.elementSizes[span] >= 16
                XCTAssertEqual(heap.spans.inlineMarkBits[span] != 0, expectsInlineMarks, "\(fixture): span \(span) inline marks")
                let expectsHeapBits = release.hasMallocHeaders && small && !heap.spans.isNoScan(span)
                XCTAssertEqual(heap.spans.heapBits[span] != 0, expectsHeapBits, "\(fixture): span \(span) heap bits")
                // Objects end before the tail metadata.
                let objectsEnd = heap.spans.starts[span] + UInt64(heap.spans.elementCounts[span]) * heap.spans.elementSizes[span]
                for tail in [heap.spans.heapBits[span], heap.spans.inlineMarkBits[span]] where tail != 0 {
                    XCTAssertLessThanOrEqual(objectsEnd, tail, "\(fixture): span \(span) objects overlap its tail")
                }
            }
        }
    }
}
