import CoreFile
import ProcessImage

/// The globals the memory profile is read from: `runtime.mbuckets` (the head
/// of the bucket list), `runtime.mProfCycle` (which future cycle the last GC
/// completed) and `runtime.MemProfileRate`.
///
/// From DWARF when the binary has it. A stripped binary has no data symbols:
/// each is found among the data that one runtime function refers to, and then
/// checked. `mProf_FlushLocked` refers only to mbuckets, whose list must hold
/// memory buckets with stacks in the text; `mProf_Flush` and `mProf_PostSweep`
/// both refer to mProfCycle and the profile locks, and only mProfCycle counts
/// the GCs (`memstats.numgc`); `profilealloc` refers to MemProfileRate and
/// `mcache0`, which is nil once the program runs.
struct MemoryProfileGlobals {
    var buckets: Address
    var cycle: Address?
    var rate: Address?

    struct Located {
        var globals: MemoryProfileGlobals
        var source: String
        var warnings: [Warning]
    }

    static func locate(go: GoProcess, process: ProcessImage) throws -> Located {
        let symbols = go.globals
        if let buckets = symbols.symbolAddress("runtime.mbuckets") {
            let globals = MemoryProfileGlobals(buckets: buckets, cycle: symbols.symbolAddress("runtime.mProfCycle"),
                                               rate: symbols.symbolAddress("runtime.MemProfileRate"))
            var warnings: [Warning] = []
            if globals.cycle == nil { warnings.append(Self.noCycleWarning) }
            if globals.rate == nil { warnings.append(Self.noRateWarning) }
            return Located(globals: globals, source: "DWARF", warnings: warnings)
        }
        let finder = try StrippedMemoryProfileFinder(go: go, process: process)
        let buckets = try finder.buckets()
        let cycle = finder.cycle(numGC: try? go.readMemStats(process: process).memstats.numGC)
        let rate = finder.rate(excluding: [buckets, cycle].compactMap { $0 })
        var warnings: [Warning] = []
        if cycle == nil { warnings.append(Self.noCycleWarning) }
        if rate == nil { warnings.append(Self.noRateWarning) }
        return Located(globals: MemoryProfileGlobals(buckets: buckets, cycle: cycle, rate: rate),
                       source: "machine code and shape", warnings: warnings)
    }

    static let noCycleWarning = Warning("runtime.mProfCycle not found: the memory profile is folded as of cycle 0, "
                                        + "so the counts of the last GC may be missing", kind: .unreadableGoRuntime)
    static let noRateWarning = Warning("runtime.MemProfileRate not found: the profile's samples are not scaled", kind: .unreadableGoRuntime)
}

/// The stripped-binary search behind `MemoryProfileGlobals`.
struct StrippedMemoryProfileFinder {
    let go: GoProcess
    let memory: MemoryReader
    let data: [AddressRange]
    let reader: MemoryProfileBucketReader

    init(go: GoProcess, process: ProcessImage) throws {
        self.go = go
        memory = process.memory
        data = CodeReferences.writableData(of: process)
        reader = MemoryProfileBucketReader(memory: memory, bucket: try go.layout.resolve(ProfileBucketLayout.self).get(),
                                           record: try go.layout.resolve(MemRecordLayout.self).get(),
                                           maximumDepth: go.buildInfo.release.map(GoProcess.maximumProfileDepth) ?? 1024)
    }

    private func targets(of function: String, alignment: UInt64) -> [UInt64]? {
        CodeReferences(function: function, go: go, memory: memory, data: data)?
            .targets.filter { $0 % alignment == 0 }.sorted()
    }

    /// The target whose word heads a list of memory buckets; an empty list
    /// (a nil head) only when no target heads a real one.
    func buckets() throws -> Address {
        guard let candidates = targets(of: "runtime.mProf_FlushLocked", alignment: 8) else {
            throw GoRuntimeError.notFound(what: "runtime.mProf_FlushLocked in the pclntab (needed to find runtime.mbuckets without DWARF)")
        }
        var empty: UInt64?
        for candidate in candidates {
            guard let head = try? memory.readPointer(at: Address(candidate)) else { continue }
            if head == .zero {
                empty = empty ?? candidate
            } else if headsMemoryBuckets(head) {
                return Address(candidate)
            }
        }
        guard let empty else {
            throw GoRuntimeError.notFound(what: "runtime.mbuckets (no word runtime.mProf_FlushLocked refers to heads a list of memory buckets)")
        }
        return Address(empty)
    }

    /// The first bucket reads as a memory bucket and every PC of its stack is in a Go function.
    private func headsMemoryBuckets(_ head: Address) -> Bool {
        guard case .success(let (bucket, _)) = reader.read(at: head) else { return false }
        return !bucket.stack.isEmpty && bucket.stack.allSatisfy { go.symbols.function(containing: Address($0 &- 1)) != nil }
    }

    /// mProfCycle holds the number of completed GCs, shifted left by one.
    func cycle(numGC: UInt32?) -> Address? {
        guard let flush = targets(of: "runtime.mProf_Flush", alignment: 4),
              let postSweep = targets(of: "runtime.mProf_PostSweep", alignment: 4)
        else { return nil }
        let candidates = Set(flush).intersection(postSweep).sorted()
        let values = candidates.compactMap { address in (try? memory.readUInt32(at: Address(address))).map { (address, $0) } }
        if let numGC {
            let expected = UInt64(numGC) % MemoryProfileFold.cycleWrap(futureCycles: 3)
            return values.first { UInt64($0.1 >> 1) == expected }.map { Address($0.0) }
        }
        let nonzero = values.filter { $0.1 != 0 }
        if nonzero.count == 1 { return Address(nonzero[0].0) }
        // Before the first GC every candidate reads 0, and so would mProfCycle.
        return nonzero.isEmpty ? values.first.map { Address($0.0) } : nil
    }

    /// A rate is a byte count: at most 1 TiB here; mcache0 reads 0 once the program runs.
    func rate(excluding known: [Address]) -> Address? {
        guard let candidates = targets(of: "runtime.profilealloc", alignment: 8) else { return nil }
        let values = candidates.filter { !known.contains(Address($0)) }.compactMap { address in
            (try? memory.readUInt64(at: Address(address))).map { (address, $0) }
        }.filter { $0.1 <= 1 << 40 }
        let nonzero = values.filter { $0.1 != 0 }
        if nonzero.count == 1 { return Address(nonzero[0].0) }
        // Profiling off: MemProfileRate and mcache0 both read 0, and either gives the rate.
        return nonzero.isEmpty ? values.first.map { Address($0.0) } : nil
    }
}
