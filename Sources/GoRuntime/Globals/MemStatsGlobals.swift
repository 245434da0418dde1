import CoreFile
import ProcessImage

/// The globals MemStats is computed from: `runtime.memstats`,
/// `runtime.gcController`, `runtime.mheap_` (for its span and mcache
/// allocators) and `runtime.allp` (for the unflushed mcache counts).
///
/// From DWARF when the binary has it. A stripped binary has no data symbols:
/// memstats and gcController are found through the fields `readmemstats_m`
/// reads, allp through `flushmcache`, and mheap_ as the heap walk finds it
/// (`MHeapLocator`); each is then checked by its shape.
struct MemStatsGlobals {
    var memstats, gcController, mheap, allp: Address
    var source: String

    static func locate(go: GoProcess, process: ProcessImage) throws -> MemStatsGlobals {
        let globals = go.globals
        if let memstats = globals.symbolAddress("runtime.memstats"), let controller = globals.symbolAddress("runtime.gcController"),
           let mheap = globals.symbolAddress("runtime.mheap_"), let allp = globals.symbolAddress("runtime.allp") {
            return MemStatsGlobals(memstats: memstats, gcController: controller, mheap: mheap, allp: allp, source: "DWARF")
        }
        let finder = try StrippedMemStatsFinder(go: go, process: process)
        let memstats = try finder.memstats()
        return MemStatsGlobals(memstats: memstats.address, gcController: try finder.gcController(heapStats: memstats.heapStats),
                               mheap: try finder.mheap(), allp: try finder.allp(),
                               source: "machine code and shape")
    }
}

/// The stripped-binary search behind `MemStatsGlobals`.
struct StrippedMemStatsFinder {
    let go: GoProcess
    let process: ProcessImage
    let memory: MemoryReader
    let data: [AddressRange]
    let readMemStats: CodeReferences
    let stats: MStatsLayout
    let delta: HeapStatsDeltaLayout
    let controller: GCControllerLayout
    let pacer: GCPacerGoalLayout

    init(go: GoProcess, process: ProcessImage) throws {
        self.go = go
        self.process = process
        memory = process.memory
        data = CodeReferences.writableData(of: process)
        guard let references = CodeReferences(function: "runtime.readmemstats_m", go: go, memory: memory, data: data) else {
            throw GoRuntimeError.notFound(what: "runtime.readmemstats_m in the pclntab (needed to find runtime.memstats without DWARF)")
        }
        readMemStats = references
        stats = try go.layout.resolve(MStatsLayout.self).get()
        delta = try go.layout.resolve(HeapStatsDeltaLayout.self).get()
        controller = try go.layout.resolve(GCControllerLayout.self).get()
        pacer = try go.layout.resolve(GCPacerGoalLayout.self).get()
    }

    private func bytes(at base: UInt64, count: Int) -> ByteView? {
        memory.window(at: Address(base), count: UInt64(count), copyLimit: 1 << 20)?.bytes
    }

    /// memstats: the last GC's end time is both `last_gc_unix` and the newest
    /// `pause_end`; forced GCs are among all GCs; the CPU fraction is a fraction.
    func memstats() throws -> (address: Address, heapStats: HeapStatsTotals) {
        let offsets: Set<Int> = [stats.stacksSys.offset, stats.mspanSys.offset, stats.mcacheSys.offset, stats.buckhashSys.offset,
                                 stats.gcMiscSys.offset, stats.otherSys.offset, stats.lastGCUnix.offset, stats.pauseTotalNs.offset,
                                 stats.numGC.offset, stats.numForcedGC.offset, stats.gcCPUFraction.offset, stats.pauseNs.offset,
                                 stats.pauseEnd.offset, stats.heapStatsGenerations.offset]
        for base in readMemStats.candidateBases(fieldOffsets: offsets, minimumMatches: 4) {
            guard let bytes = bytes(at: base, count: stats.size), looksLikeMemStats(bytes),
                  let heapStats = try? HeapStatsTotals(memstats: bytes, layout: stats, delta: delta)
            else { continue }
            return (Address(base), heapStats)
        }
        throw GoRuntimeError.notFound(what: "runtime.memstats (no candidate referenced by runtime.readmemstats_m has its shape)")
    }

    private func looksLikeMemStats(_ bytes: ByteView) -> Bool {
        let numGC = stats.numGC.load(from: bytes), lastGC = stats.lastGCUnix.load(from: bytes)
        let fraction = Double(bitPattern: stats.gcCPUFraction.load(from: bytes))
        guard numGC <= UInt64(UInt32.max), stats.numForcedGC.load(from: bytes) <= numGC, fraction >= 0, fraction <= 1,
              stats.pauseEnd.elementSize == 8, stats.pauseEnd.count > 0
        else { return false }
        guard numGC > 0 else { return lastGC == 0 && stats.pauseTotalNs.load(from: bytes) == 0 }
        let newest = stats.pauseEnd.offset + Int((numGC - 1) % UInt64(stats.pauseEnd.count)) * 8
        return lastGC != 0 && bytes.loadUnchecked(UInt64.self, at: newest) == lastGC
    }

    /// gcController: its heap counters are whole pages and, as the runtime's
    /// own double check states, equal the consistent statistics' totals. A core
    /// can catch a span allocation between its two updates, so a second pass
    /// allows them to differ by one arena (64 MiB), still in whole pages.
    func gcController(heapStats: HeapStatsTotals) throws -> Address {
        let offsets: Set<Int> = [controller.heapInUse.offset, controller.heapFree.offset, controller.heapReleased.offset,
                                 controller.totalAlloc.offset, controller.totalFree.offset, controller.heapMarked.offset,
                                 controller.memoryLimit.offset, pacer.gcPercentHeapGoal.offset, pacer.sweepDistMinTrigger.offset,
                                 pacer.triggered.offset, pacer.mappedReady.offset, 0]
        let candidates = readMemStats.candidateBases(fieldOffsets: offsets, minimumMatches: 2)
        for allowedDifference: UInt64 in [0, 64 << 20] {
            for base in candidates where controllerShape(at: base, heapStats: heapStats, allowedDifference: allowedDifference) {
                return Address(base)
            }
        }
        throw GoRuntimeError.notFound(what: "runtime.gcController (no candidate referenced by runtime.readmemstats_m has its shape)")
    }

    private func controllerShape(at base: UInt64, heapStats: HeapStatsTotals, allowedDifference: UInt64) -> Bool {
        let pageSize: UInt64 = 8192
        guard let bytes = bytes(at: base, count: controller.size) else { return false }
        let inUse = controller.heapInUse.load(from: bytes), released = controller.heapReleased.load(from: bytes)
        func near(_ value: UInt64, _ expected: UInt64) -> Bool { (value > expected ? value - expected : expected - value) <= allowedDifference }
        return inUse > 0 && inUse % pageSize == 0 && released % pageSize == 0 && controller.heapFree.load(from: bytes) % pageSize == 0
            && near(inUse, heapStats.inHeap) && near(released, heapStats.released)
    }
}
