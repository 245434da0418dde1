/// The counts of one profiling cycle of one bucket (`runtime.memRecordCycle`).
/// Unsigned and wrapping, as the runtime's `uintptr` counters are.
public struct MemoryProfileCycle: Equatable, Sendable {
    public var allocs: UInt64
    public var frees: UInt64
    public var allocBytes: UInt64
    public var freeBytes: UInt64

    public init(allocs: UInt64 = 0, frees: UInt64 = 0, allocBytes: UInt64 = 0, freeBytes: UInt64 = 0) {
        self.allocs = allocs
        self.frees = frees
        self.allocBytes = allocBytes
        self.freeBytes = freeBytes
    }

    public static let zero = MemoryProfileCycle()

    public var isEmpty: Bool { allocs == 0 && frees == 0 }

    public static func + (lhs: Self, rhs: Self) -> Self {
        Self(allocs: lhs.allocs &+ rhs.allocs, frees: lhs.frees &+ rhs.frees,
             allocBytes: lhs.allocBytes &+ rhs.allocBytes, freeBytes: lhs.freeBytes &+ rhs.freeBytes)
    }
}

/// A bucket's `memRecord`: `active`, the profile as of the last completed GC,
/// and `future`, the ring of cycles still being counted (3 in every release).
public struct MemoryProfileCounts: Equatable, Sendable {
    public var active: MemoryProfileCycle
    public var future: [MemoryProfileCycle]

    public init(active: MemoryProfileCycle, future: [MemoryProfileCycle]) {
        self.active = active
        self.future = future
    }
}

/// What `runtime.MemProfile` reports for each bucket, computed without
/// changing the core: the runtime flushes `future[cycle % 3]` into `active`
/// (`mProf_FlushLocked`), the cycle of the last completed GC that a sweep may
/// not have published yet. When every bucket's active counts are still zero
/// (no GC has completed, or GC is off) it adds all the future cycles instead,
/// so a program that never collected still has a profile. Same in 1.19 to 1.27.
public enum MemoryProfileFold {
    /// `cycle` is `mProfCycle.read()`: the holder's value shifted right by one
    /// (its low bit says whether that cycle was already flushed).
    public static func fold(_ buckets: [MemoryProfileCounts], cycle: UInt32) -> [MemoryProfileCycle] {
        let flushed = buckets.map { counts -> MemoryProfileCycle in
            guard !counts.future.isEmpty else { return counts.active }
            return counts.active + counts.future[Int(cycle % UInt32(counts.future.count))]
        }
        guard flushed.allSatisfy(\.isEmpty) else { return flushed }
        // The flushed cycle was zeroed when it was added, so adding every
        // future cycle to the original active counts adds each exactly once.
        return buckets.map { counts in counts.future.reduce(counts.active, +) }
    }

    /// The runtime's cycle counter wraps at `len(future) * (2 << 24)`, not at a
    /// power of two, so that `cycle % 3` stays continuous across the wrap.
    public static func cycleWrap(futureCycles: Int) -> UInt64 { UInt64(futureCycles) * (2 << 24) }
}
