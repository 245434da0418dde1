/// `runtime.bucket`: one memory-profile record (`runtime.mbuckets`), a header
/// followed by `nstk` return PCs and then a `memRecord`.
public struct ProfileBucketLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.bucket"]
    /// The header's size: where the stack begins.
    public let size: Int
    public let next, allnext: GoAddressField
    /// `bucketType`: memProfile, blockProfile or mutexProfile.
    public let type: GoIntegerField
    public let hash, allocationSize, stackDepth: GoIntegerField

    public init(_ bucket: GoStructView) throws {
        size = bucket.size
        next = try bucket.address("next")
        allnext = try bucket.address("allnext")
        type = try bucket.integer("typ")
        hash = try bucket.integer("hash")
        allocationSize = try bucket.integer("size")
        stackDepth = try bucket.integer("nstk")
    }
}

/// `runtime.memRecord`: the counts of the last completed cycle (`active`)
/// and of the cycles in flight (`future`).
public struct MemRecordLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.memRecord"]
    public let size: Int
    public let activeOffset: Int
    /// `[3]memRecordCycle`.
    public let future: GoArrayField
    public let cycle: Cycle

    /// `runtime.memRecordCycle`. Go 1.27 keeps counts only; bytes are counts × the bucket's size.
    public struct Cycle: Equatable {
        public let size: Int
        public let allocs, frees: GoIntegerField
        public let allocBytes, freeBytes: GoIntegerField?
    }

    public init(_ record: GoStructView) throws {
        size = record.size
        let active = try record.structure("active")
        activeOffset = active.offset
        future = try record.array("future")
        let cycle = active.view
        self.cycle = Cycle(size: cycle.size, allocs: try cycle.integer("allocs"), frees: try cycle.integer("frees"),
                           allocBytes: try cycle.optionalInteger("alloc_bytes"),
                           freeBytes: try cycle.optionalInteger("free_bytes"))
    }
}

/// `runtime.gcControllerState` (`runtime.gcController`): the pacer's view of the heap.
public struct GCControllerLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.gcControllerState"]
    public let size: Int
    /// GOGC and GOMEMLIMIT.
    public let gcPercent, memoryLimit: GoIntegerField
    /// Bytes marked live by the last GC, and allocated since (an estimate).
    public let heapMarked, heapLive: GoIntegerField
    public let heapScan: GoIntegerField
    public let lastHeapGoal: GoIntegerField
    public let heapInUse, heapFree, heapReleased: GoIntegerField
    public let totalAlloc, totalFree: GoIntegerField

    public init(_ controller: GoStructView) throws {
        size = controller.size
        gcPercent = try controller.integer("gcPercent")
        memoryLimit = try controller.integer("memoryLimit")
        heapMarked = try controller.integer("heapMarked")
        heapLive = try controller.integer("heapLive")
        heapScan = try controller.integer("heapScan")
        lastHeapGoal = try controller.integer("lastHeapGoal")
        heapInUse = try controller.integer("heapInUse")
        heapFree = try controller.integer("heapFree")
        heapReleased = try controller.integer("heapReleased")
        totalAlloc = try controller.integer("totalAlloc")
        totalFree = try controller.integer("totalFree")
    }
}
