/// `runtime.mstats` (`runtime.memstats`): the statistics ReadMemStats takes
/// besides the heap's, and the consistent heap statistics themselves.
public struct MStatsLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.mstats"]
    public let size: Int
    /// `sysMemStat`s: memory mapped for each non-heap purpose.
    public let stacksSys, mspanSys, mcacheSys, buckhashSys, gcMiscSys, otherSys: GoIntegerField
    public let lastGCUnix, pauseTotalNs, numGC, numForcedGC: GoIntegerField
    /// A float64, read as its bits.
    public let gcCPUFraction: GoIntegerField
    /// `[256]uint64` circular buffers indexed by GC number.
    public let pauseNs, pauseEnd: GoArrayField
    /// `heapStats.stats`: `[3]heapStatsDelta`, generations the reader sums.
    public let heapStatsGenerations: GoArrayField

    public init(_ stats: GoStructView) throws {
        size = stats.size
        stacksSys = try stats.integer("stacks_sys")
        mspanSys = try stats.integer("mspan_sys")
        mcacheSys = try stats.integer("mcache_sys")
        buckhashSys = try stats.integer("buckhash_sys")
        gcMiscSys = try stats.integer("gcMiscSys")
        otherSys = try stats.integer("other_sys")
        lastGCUnix = try stats.integer("last_gc_unix")
        pauseTotalNs = try stats.integer("pause_total_ns")
        numGC = try stats.integer("numgc")
        numForcedGC = try stats.integer("numforcedgc")
        gcCPUFraction = try stats.integer("gc_cpu_fraction")
        pauseNs = try stats.array("pause_ns")
        pauseEnd = try stats.array("pause_end")
        heapStatsGenerations = try stats.array("heapStats.stats")
    }
}

/// `runtime.heapStatsDelta`: one generation of the consistent heap statistics.
public struct HeapStatsDeltaLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.heapStatsDelta"]
    public let size: Int
    public let committed, released, inHeap, inStacks, inWorkBufs: GoIntegerField
    /// Gone in Go 1.26 (no more GC programs).
    public let inPtrScalarBits: GoIntegerField?
    public let tinyAllocCount, largeAlloc, largeAllocCount, largeFree, largeFreeCount: GoIntegerField
    /// `[_NumSizeClasses]uint64`.
    public let smallAllocCount, smallFreeCount: GoArrayField

    public init(_ delta: GoStructView) throws {
        size = delta.size
        committed = try delta.integer("committed")
        released = try delta.integer("released")
        inHeap = try delta.integer("inHeap")
        inStacks = try delta.integer("inStacks")
        inWorkBufs = try delta.integer("inWorkBufs")
        inPtrScalarBits = try delta.optionalInteger("inPtrScalarBits")
        tinyAllocCount = try delta.integer("tinyAllocCount")
        largeAlloc = try delta.integer("largeAlloc")
        largeAllocCount = try delta.integer("largeAllocCount")
        largeFree = try delta.integer("largeFree")
        largeFreeCount = try delta.integer("largeFreeCount")
        smallAllocCount = try delta.array("smallAllocCount")
        smallFreeCount = try delta.array("smallFreeCount")
    }
}

/// The two `fixalloc`s of `runtime.mheap` whose in-use bytes MemStats reports
/// (MSpanInuse, MCacheInuse). Each points back to its `memstats` counter, which
/// is how a stripped binary's `mheap_` is told apart from other data.
public struct MHeapFixAllocLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.mheap"]
    public let size: Int
    /// `fixalloc.size`: the size of what it allocates (an mspan, an mcache).
    public let spanAllocSize, cacheAllocSize: GoIntegerField
    public let spanAllocInUse, cacheAllocInUse: GoIntegerField
    /// `fixalloc.stat`: `&memstats.mspan_sys`, `&memstats.mcache_sys`.
    public let spanAllocStat, cacheAllocStat: GoAddressField

    public init(_ heap: GoStructView) throws {
        size = heap.size
        spanAllocSize = try heap.integer("spanalloc.size")
        cacheAllocSize = try heap.integer("cachealloc.size")
        spanAllocInUse = try heap.integer("spanalloc.inuse")
        cacheAllocInUse = try heap.integer("cachealloc.inuse")
        spanAllocStat = try heap.address("spanalloc.stat")
        cacheAllocStat = try heap.address("cachealloc.stat")
    }
}

/// The fields of `runtime.gcControllerState` that `heapGoal()` needs, beside
/// those `GCControllerLayout` already reads.
public struct GCPacerGoalLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.gcControllerState"]
    public let size: Int
    public let gcPercentHeapGoal, sweepDistMinTrigger, triggered, mappedReady: GoIntegerField

    public init(_ controller: GoStructView) throws {
        size = controller.size
        gcPercentHeapGoal = try controller.integer("gcPercentHeapGoal")
        sweepDistMinTrigger = try controller.integer("sweepDistMinTrigger")
        triggered = try controller.integer("triggered")
        mappedReady = try controller.integer("mappedReady")
    }
}
