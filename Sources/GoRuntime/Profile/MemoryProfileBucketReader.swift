import CoreFile
import ProcessImage

/// Reads the memory-profile buckets along their `allnext` list. Each bucket
/// (`runtime.bucket`, allocated off-heap by `newBucket`) is a header, then
/// `nstk` return PCs, then a `memRecord` (`active`, then `future[3]`).
struct MemoryProfileBucketReader {
    let memory: MemoryReader
    let bucket: ProfileBucketLayout
    let record: MemRecordLayout
    let maximumDepth: Int

    /// `bucketType` memProfile: the list holds only memory buckets.
    static let memoryBucketType: UInt64 = 1
    /// A cap far above any real program, so that a corrupt list cannot run away.
    static let maximumBuckets = 1 << 22

    struct Bucket {
        var size: UInt64
        var stack: [UInt64]
        var counts: MemoryProfileCounts
    }

    struct Walk {
        var buckets: [Bucket] = []
        var warnings: [Warning] = []
    }

    func walk(from head: Address) -> Walk {
        var walk = Walk()
        var visited = Set<UInt64>()
        var address = head
        while address != .zero {
            guard visited.insert(address.rawValue).inserted else {
                walk.warnings.append(Warning("the memory profile's bucket list (runtime.mbuckets) loops back to \(address); stopped there",
                                             kind: .unreadableGoRuntime))
                break
            }
            guard walk.buckets.count < Self.maximumBuckets else {
                walk.warnings.append(Warning("the memory profile has more than \(Self.maximumBuckets) buckets; read the first ones only",
                                             kind: .unreadableGoRuntime))
                break
            }
            switch read(at: address) {
            case .success(let (bucket, next)):
                walk.buckets.append(bucket)
                address = next
            case .failure(let problem):
                walk.warnings.append(Warning("memory profile bucket at \(address): \(problem.reason); the profile lacks it and the buckets after it",
                                             kind: .unreadableGoRuntime))
                return walk
            }
        }
        return walk
    }

    struct Problem: Error { var reason: String }

    /// One bucket and the next on the `allnext` list, checked by its shape.
    func read(at address: Address) -> Result<(Bucket, Address), Problem> {
        guard let header = memory.window(at: address, count: UInt64(bucket.size), copyLimit: 4096)?.bytes else {
            return .failure(Problem(reason: "not in the core"))
        }
        let type = bucket.type.load(from: header), depth = bucket.stackDepth.load(from: header)
        guard type == Self.memoryBucketType else { return .failure(Problem(reason: "type \(type), not a memory-profile bucket")) }
        guard depth <= UInt64(maximumDepth) else { return .failure(Problem(reason: "\(depth) stack frames, more than \(maximumDepth)")) }
        let stackBytes = Int(depth) * 8
        let count = UInt64(bucket.size + stackBytes + record.size)
        guard let body = memory.window(at: address, count: count, copyLimit: 1 << 16)?.bytes else {
            return .failure(Problem(reason: "its stack and counts are not in the core"))
        }
        let stack = (0..<Int(depth)).map { body.loadUnchecked(UInt64.self, at: bucket.size + $0 * 8) }
        let size = bucket.allocationSize.load(from: header)
        let recordOffset = bucket.size + stackBytes
        let active = cycle(in: body, at: recordOffset + record.activeOffset, size: size)
        let future = (0..<record.future.count).map { cycle(in: body, at: recordOffset + record.future.elementOffset($0), size: size) }
        let next = bucket.allnext.load(from: header)
        return .success((Bucket(size: size, stack: stack, counts: MemoryProfileCounts(active: active, future: future)), next))
    }

    /// Go 1.27 dropped the byte counts: `MemProfile` reports count × the bucket's size.
    private func cycle(in bytes: ByteView, at offset: Int, size: UInt64) -> MemoryProfileCycle {
        func field(_ field: GoIntegerField) -> UInt64 { GoIntegerField(offset: offset + field.offset, size: field.size).load(from: bytes) }
        let allocs = field(record.cycle.allocs), frees = field(record.cycle.frees)
        return MemoryProfileCycle(allocs: allocs, frees: frees,
                                  allocBytes: record.cycle.allocBytes.map(field) ?? allocs &* size,
                                  freeBytes: record.cycle.freeBytes.map(field) ?? frees &* size)
    }
}
