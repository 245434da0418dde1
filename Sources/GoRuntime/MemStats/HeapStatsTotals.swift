import CoreFile
import ProcessImage

/// `memstats.heapStats` summed over its three generations, as
/// `consistentHeapStats.unsafeRead` does with the world stopped. The signed
/// deltas are added modulo 2^64, as the runtime's own conversion to uint64 does.
struct HeapStatsTotals {
    var committed: UInt64 = 0, released: UInt64 = 0, inHeap: UInt64 = 0
    var inStacks: UInt64 = 0, inWorkBufs: UInt64 = 0, inPtrScalarBits: UInt64 = 0
    var tinyAllocCount: UInt64 = 0
    var largeAlloc: UInt64 = 0, largeAllocCount: UInt64 = 0, largeFree: UInt64 = 0, largeFreeCount: UInt64 = 0
    var smallAllocCount: [UInt64]
    var smallFreeCount: [UInt64]

    /// - Parameter stats: the bytes of `runtime.memstats`.
    init(memstats stats: ByteView, layout: MStatsLayout, delta: HeapStatsDeltaLayout) throws {
        let classes = delta.smallAllocCount.count
        guard classes == GoSizeClasses.sizes.count, delta.smallFreeCount.count == classes,
              delta.smallAllocCount.elementSize == 8, delta.smallFreeCount.elementSize == 8,
              layout.heapStatsGenerations.elementSize == delta.size
        else { throw GoRuntimeError.corrupt(what: "heapStatsDelta layout: \(classes) size classes, expected \(GoSizeClasses.sizes.count)") }
        smallAllocCount = Array(repeating: 0, count: classes)
        smallFreeCount = Array(repeating: 0, count: classes)
        for generation in 0..<layout.heapStatsGenerations.count {
            let start = layout.heapStatsGenerations.offset + generation * delta.size
            guard let bytes = stats.slice(at: UInt64(start), count: UInt64(delta.size)) else {
                throw GoRuntimeError.corrupt(what: "memstats.heapStats (outside runtime.mstats)")
            }
            add(bytes, delta)
        }
    }

    private mutating func add(_ bytes: ByteView, _ delta: HeapStatsDeltaLayout) {
        committed &+= delta.committed.load(from: bytes)
        released &+= delta.released.load(from: bytes)
        inHeap &+= delta.inHeap.load(from: bytes)
        inStacks &+= delta.inStacks.load(from: bytes)
        inWorkBufs &+= delta.inWorkBufs.load(from: bytes)
        inPtrScalarBits &+= delta.inPtrScalarBits?.load(from: bytes) ?? 0
        tinyAllocCount &+= delta.tinyAllocCount.load(from: bytes)
        largeAlloc &+= delta.largeAlloc.load(from: bytes)
        largeAllocCount &+= delta.largeAllocCount.load(from: bytes)
        largeFree &+= delta.largeFree.load(from: bytes)
        largeFreeCount &+= delta.largeFreeCount.load(from: bytes)
        for sizeClass in smallAllocCount.indices {
            smallAllocCount[sizeClass] &+= bytes.loadUnchecked(UInt64.self, at: delta.smallAllocCount.offset + sizeClass * 8)
            smallFreeCount[sizeClass] &+= bytes.loadUnchecked(UInt64.self, at: delta.smallFreeCount.offset + sizeClass * 8)
        }
    }
}
