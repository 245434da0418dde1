import CoreFile
import ProcessImage

/// MemStats rebuilt from a core, with the collector's settings.
public struct MemStatsSnapshot: Sendable, Encodable {
    public var memstats: GoMemStats
    public var gc: GoGCState
    /// How the runtime's globals were found: "DWARF", or "machine code and shape" for stripped binaries.
    public var globalsSource: String
    /// Ps whose mcache was read; Ps or cached spans that could not be read (their unflushed counts are missing).
    public var processors: Int
    public var unreadableCaches: Int
}

extension GoProcess {
    /// MemStats as `runtime.ReadMemStats` would have returned it at the moment
    /// of the dump, computed as the binary's own release computes it in
    /// `readmemstats_m` (the differences between 1.19 and 1.27 are which
    /// fields exist, which the layouts say).
    public func readMemStats(process: ProcessImage) throws -> MemStatsSnapshot {
        let memory = process.memory
        let globals = try MemStatsGlobals.locate(go: self, process: process)
        let statsLayout = try layout.resolve(MStatsLayout.self).get()
        let deltaLayout = try layout.resolve(HeapStatsDeltaLayout.self).get()
        let controller = try layout.resolve(GCControllerLayout.self).get()
        let pacer = try layout.resolve(GCPacerGoalLayout.self).get()
        let fixAllocs = try layout.resolve(MHeapFixAllocLayout.self).get()
        func bytes(_ what: String, at address: Address, count: Int) throws -> ByteView {
            guard let window = memory.window(at: address, count: UInt64(count), copyLimit: 1 << 20) else {
                throw GoRuntimeError.notFound(what: "\(what) in the core at \(address)")
            }
            return window.bytes
        }
        let stats = try bytes("runtime.memstats", at: globals.memstats, count: statsLayout.size)
        let control = try bytes("runtime.gcController", at: globals.gcController, count: controller.size)
        let heap = try bytes("runtime.mheap_", at: globals.mheap, count: fixAllocs.size)

        var heapStats = try HeapStatsTotals(memstats: stats, layout: statsLayout, delta: deltaLayout)
        let unflushed = try UnflushedCacheCounts(allp: globals.allp, memory: memory, layout: layout,
                                                 sizeClasses: heapStats.smallAllocCount.count)
        for sizeClass in heapStats.smallAllocCount.indices { heapStats.smallAllocCount[sizeClass] &+= unflushed.smallAllocCount[sizeClass] }
        heapStats.tinyAllocCount &+= unflushed.tinyAllocCount

        var result = GoMemStats()
        fillHeapCounts(&result, heapStats)
        let heapInUse = controller.heapInUse.load(from: control)
        let heapFree = controller.heapFree.load(from: control)
        let heapReleased = controller.heapReleased.load(from: control)
        let gcWorkBufInUse = heapStats.inWorkBufs
        let gcProgPtrScalarBitsInUse = heapStats.inPtrScalarBits
        let sysStats = [statsLayout.stacksSys, statsLayout.mspanSys, statsLayout.mcacheSys, statsLayout.buckhashSys,
                        statsLayout.gcMiscSys, statsLayout.otherSys].map { $0.load(from: stats) }
        result.sys = sysStats.reduce(heapInUse &+ heapFree &+ heapReleased, &+)
            &+ heapStats.inStacks &+ gcWorkBufInUse &+ gcProgPtrScalarBitsInUse
        result.heapSys = heapInUse &+ heapFree &+ heapReleased
        result.heapIdle = heapFree &+ heapReleased
        result.heapInuse = heapInUse
        result.heapReleased = heapReleased
        result.stackInuse = heapStats.inStacks
        result.stackSys = heapStats.inStacks &+ statsLayout.stacksSys.load(from: stats)
        result.mSpanInuse = fixAllocs.spanAllocInUse.load(from: heap)
        result.mSpanSys = statsLayout.mspanSys.load(from: stats)
        result.mCacheInuse = fixAllocs.cacheAllocInUse.load(from: heap)
        result.mCacheSys = statsLayout.mcacheSys.load(from: stats)
        result.buckHashSys = statsLayout.buckhashSys.load(from: stats)
        result.gcSys = statsLayout.gcMiscSys.load(from: stats) &+ gcWorkBufInUse &+ gcProgPtrScalarBitsInUse
        result.otherSys = statsLayout.otherSys.load(from: stats)
        result.lastGC = statsLayout.lastGCUnix.load(from: stats)
        result.pauseTotalNs = statsLayout.pauseTotalNs.load(from: stats)
        result.pauseNs = words(of: statsLayout.pauseNs, in: stats)
        result.pauseEnd = words(of: statsLayout.pauseEnd, in: stats)
        result.numGC = UInt32(truncatingIfNeeded: statsLayout.numGC.load(from: stats))
        result.numForcedGC = UInt32(truncatingIfNeeded: statsLayout.numForcedGC.load(from: stats))
        result.gcCPUFraction = Double(bitPattern: statsLayout.gcCPUFraction.load(from: stats))

        let memoryLimit = signed(controller.memoryLimit, in: control)
        let goal = HeapGoal(
            gcPercentHeapGoal: pacer.gcPercentHeapGoal.load(from: control),
            sweepDistMinTrigger: pacer.sweepDistMinTrigger.load(from: control),
            triggered: pacer.triggered.load(from: control),
            memoryLimit: UInt64(bitPattern: memoryLimit),
            heapMarked: controller.heapMarked.load(from: control),
            heapFree: heapFree,
            heapAlloc: (controller.totalAlloc.load(from: control) &+ unflushed.allocatedBytes) &- controller.totalFree.load(from: control),
            mappedReady: pacer.mappedReady.load(from: control),
            headroomPercent: (buildInfo.release ?? .go1_21) < .go1_21 ? nil : 3)
        result.nextGC = goal.value

        let gc = GoGCState(gogc: signed(controller.gcPercent, in: control), memoryLimit: memoryLimit,
                           heapMarked: controller.heapMarked.load(from: control), heapGoal: result.nextGC,
                           numGC: result.numGC, lastGC: result.lastGC,
                           lastPauses: result.recentPauses(GoGCState.lastPauseCount))
        return MemStatsSnapshot(memstats: result, gc: gc, globalsSource: globals.source,
                                processors: unflushed.processors, unreadableCaches: unflushed.unreadable)
    }

    /// The allocation counts: large objects, then each size class, then tiny
    /// allocations counted as both a malloc and a free.
    private func fillHeapCounts(_ result: inout GoMemStats, _ heapStats: HeapStatsTotals) {
        var totalAlloc = heapStats.largeAlloc, totalFree = heapStats.largeFree
        var mallocs = heapStats.largeAllocCount, frees = heapStats.largeFreeCount
        for (sizeClass, size) in GoSizeClasses.sizes.enumerated() {
            let allocated = heapStats.smallAllocCount[sizeClass], freed = heapStats.smallFreeCount[sizeClass]
            totalAlloc &+= allocated &* size
            totalFree &+= freed &* size
            mallocs &+= allocated
            frees &+= freed
            if sizeClass < GoMemStats.bySizeCount {
                result.bySize.append(GoMemStats.SizeClass(size: UInt32(size), mallocs: allocated, frees: freed))
            }
        }
        mallocs &+= heapStats.tinyAllocCount
        frees &+= heapStats.tinyAllocCount
        result.alloc = totalAlloc &- totalFree
        result.heapAlloc = result.alloc
        result.totalAlloc = totalAlloc
        result.mallocs = mallocs
        result.frees = frees
        result.heapObjects = mallocs &- frees
    }

    private func words(of array: GoArrayField, in bytes: ByteView) -> [UInt64] {
        guard array.elementSize == 8, array.offset + array.count * 8 <= bytes.count else { return [] }
        return (0..<array.count).map { bytes.loadUnchecked(UInt64.self, at: array.offset + $0 * 8) }
    }

    /// A signed field (GOGC is an int32 in 1.19, GOMEMLIMIT an int64), sign-extended.
    private func signed(_ field: GoIntegerField, in bytes: ByteView) -> Int64 {
        let raw = field.load(from: bytes)
        let shift = UInt64(64 - field.size * 8)
        return Int64(bitPattern: raw << shift) >> Int64(shift)
    }
}
