import CoreFile
@testable import GoRuntime
import ProcessImage
import XCTest

/// The memory profile's fold, scaling and bucket walk, on synthetic records
/// and buckets laid out by each release's own table.
final class MemoryProfileUnitTests: XCTestCase {
    private func cycle(_ allocs: UInt64, _ frees: UInt64, size: UInt64 = 16) -> MemoryProfileCycle {
        MemoryProfileCycle(allocs: allocs, frees: frees, allocBytes: allocs * size, freeBytes: frees * size)
    }

    func testFoldAddsOnlyTheCycleTheLastGCCompleted() {
        // mProf_Malloc counts into future[(C+2)%3], mProf_Free into future[(C+1)%3]; after GC C completes,
        // MemProfile publishes future[C%3]. Cycle 4: index 1 is published, 2 and 0 are still being counted.
        let bucket = MemoryProfileCounts(active: cycle(10, 4), future: [cycle(100, 0), cycle(3, 1), cycle(0, 50)])
        XCTAssertEqual(MemoryProfileFold.fold([bucket], cycle: 4), [cycle(13, 5)])
        XCTAssertEqual(MemoryProfileFold.fold([bucket], cycle: 5), [cycle(10, 54)])
        XCTAssertEqual(MemoryProfileFold.fold([bucket], cycle: 6), [cycle(110, 4)])
    }

    func testFoldWithNoCompletedCycleAddsEveryFutureCycle() {
        // No bucket has published counts (no GC yet, or GC off): the runtime sums all cycles, every bucket.
        let first = MemoryProfileCounts(active: .zero, future: [cycle(1, 0), .zero, cycle(2, 1)])
        let second = MemoryProfileCounts(active: .zero, future: [.zero, .zero, cycle(7, 0)])
        XCTAssertEqual(MemoryProfileFold.fold([first, second], cycle: 1), [cycle(3, 1), cycle(7, 0)])
        // One bucket with published counts keeps every bucket at active + the flushed cycle only.
        let published = MemoryProfileCounts(active: cycle(1, 0), future: [.zero, .zero, .zero])
        XCTAssertEqual(MemoryProfileFold.fold([first, second, published], cycle: 1), [.zero, .zero, cycle(1, 0)])
        // So does a flushed cycle that holds counts (cycle 0 publishes future[0]).
        XCTAssertEqual(MemoryProfileFold.fold([first, second], cycle: 0), [cycle(1, 0), .zero])
    }

    func testFoldWrapsAsTheRuntimesUintptrCounters() {
        let bucket = MemoryProfileCounts(active: MemoryProfileCycle(allocs: .max), future: [MemoryProfileCycle(allocs: 2), .zero, .zero])
        XCTAssertEqual(MemoryProfileFold.fold([bucket], cycle: 0).first?.allocs, 1)
        XCTAssertEqual(MemoryProfileFold.cycleWrap(futureCycles: 3), 3 << 25)
    }

    func testScalingFollowsRuntimePprof() {
        let record = GoMemoryProfileRecord(allocObjects: 4, allocBytes: 4096, freeObjects: 1, freeBytes: 1024, objectSize: 1024, stack: [])
        // Rate 1 (every allocation) and rate 0 (unknown) leave the values alone.
        for rate: Int64 in [0, 1] {
            XCTAssertEqual(record.scaled(rate: rate, byObjectSize: false),
                           ScaledMemoryProfileValues(allocObjects: 4, allocBytes: 4096, inUseObjects: 3, inUseBytes: 3072))
        }
        // At the default 512 KiB rate a 1 KiB sample stands for 1 / (1 - e^(-1/512)) = 512.5 allocations.
        let factor = 1 / (1 - Foundation.exp(-1024.0 / 524_288))
        let expected = ScaledMemoryProfileValues(allocObjects: Int64(4 * factor), allocBytes: Int64(4096 * factor),
                                                 inUseObjects: Int64(3 * factor), inUseBytes: Int64(3072 * factor))
        XCTAssertEqual(record.scaled(rate: 524_288, byObjectSize: false), expected)
        XCTAssertEqual(record.scaled(rate: 524_288, byObjectSize: true), expected)
        XCTAssertEqual(expected.allocObjects, 2050)
    }

    // MARK: - Buckets in fake memory

    private static let bucketBase: UInt64 = 0x7000_0000

    private func reader(minor: Int, memory: SyntheticMemory) throws -> MemoryProfileBucketReader {
        let table = try XCTUnwrap(GoReleaseTable.all.first { $0.goRelease?.minor == minor })
        let layout = GoRuntimeLayout(table: table, goVersion: table.release, exact: true)
        return MemoryProfileBucketReader(memory: memory, bucket: try layout.resolve(ProfileBucketLayout.self).get(),
                                         record: try layout.resolve(MemRecordLayout.self).get(),
                                         maximumDepth: GoProcess.maximumProfileDepth(try XCTUnwrap(table.goRelease)))
    }

    /// A bucket as newBucket lays it out: header, stack, memRecord with `allocs` in future[1].
    private func bucket(_ reader: MemoryProfileBucketReader, next: UInt64, stack: [UInt64], size: UInt64, allocs: UInt64,
                        type: UInt64 = 1) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: reader.bucket.size + stack.count * 8 + reader.record.size)
        func put(_ value: UInt64, at offset: Int, size: Int) {
            for byte in 0..<size { bytes[offset + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
        }
        put(next, at: reader.bucket.allnext.offset, size: 8)
        put(type, at: reader.bucket.type.offset, size: reader.bucket.type.size)
        put(size, at: reader.bucket.allocationSize.offset, size: reader.bucket.allocationSize.size)
        put(UInt64(stack.count), at: reader.bucket.stackDepth.offset, size: reader.bucket.stackDepth.size)
        for (index, pc) in stack.enumerated() { put(pc, at: reader.bucket.size + index * 8, size: 8) }
        let future1 = reader.bucket.size + stack.count * 8 + reader.record.future.elementOffset(1)
        put(allocs, at: future1 + reader.record.cycle.allocs.offset, size: 8)
        if let bytesField = reader.record.cycle.allocBytes { put(allocs * size, at: future1 + bytesField.offset, size: 8) }
        return bytes
    }

    func testWalkReadsEveryReleasesLayoutAndStopsAtALoop() throws {
        for minor in [19, 21, 22, 23, 24, 26, 27] {
            let memory = SyntheticMemory()
            let reader = try reader(minor: minor, memory: memory)
            let first = Self.bucketBase, second = Self.bucketBase + 0x1000
            memory.map(bucket(reader, next: second, stack: [0x401234, 0x405678], size: 48, allocs: 3), at: Address(first))
            memory.map(bucket(reader, next: first, stack: [0x409abc], size: 1024, allocs: 2), at: Address(second))
            let walk = reader.walk(from: Address(first))
            XCTAssertEqual(walk.buckets.map(\.stack), [[0x401234, 0x405678], [0x409abc]], "1.\(minor)")
            XCTAssertEqual(walk.buckets.map(\.size), [48, 1024], "1.\(minor)")
            // Go 1.27 keeps no byte counts: bytes come out as count x size all the same.
            XCTAssertEqual(walk.buckets.map { $0.counts.future[1] }, [cycle(3, 0, size: 48), cycle(2, 0, size: 1024)], "1.\(minor)")
            XCTAssertEqual(walk.warnings.count, 1, "1.\(minor): the loop back to the first bucket is reported")
            XCTAssertTrue(walk.warnings.first?.message.contains("loops back") ?? false)
        }
    }

    func testWalkStopsAtABucketOfAnotherShape() throws {
        let memory = SyntheticMemory()
        let reader = try reader(minor: 24, memory: memory)
        let first = Self.bucketBase, second = Self.bucketBase + 0x1000
        memory.map(bucket(reader, next: second, stack: [0x401234], size: 48, allocs: 1), at: Address(first))
        // A block-profile bucket (type 2) cannot be on the memory list: something is wrong there.
        memory.map(bucket(reader, next: 0, stack: [0x401234], size: 0, allocs: 0, type: 2), at: Address(second))
        let walk = reader.walk(from: Address(first))
        XCTAssertEqual(walk.buckets.count, 1)
        XCTAssertTrue(walk.warnings.first?.message.contains("not a memory-profile bucket") ?? false, "\(walk.warnings)")
        // And a list into memory the core lacks ends with a warning, not a crash.
        XCTAssertEqual(reader.walk(from: Address(0xdead_0000)).warnings.count, 1)
    }
}
