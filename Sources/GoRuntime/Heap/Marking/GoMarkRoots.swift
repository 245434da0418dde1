import Analysis
import CoreFile
import ProcessImage

/// The roots a Go collection starts from (runtime/mgcmark.go `markroot`), read from a core:
///
/// - every module's data and bss, through `moduledata.gcdatamask` / `gcbssmask`, the bitmaps
///   the runtime itself decodes at start-up (exact);
/// - every goroutine's stack from its lowest known SP to `stack.hi`, every word (conservative:
///   the stack maps are not used), and every thread's registers;
/// - the span specials as `markrootSpans` treats them: a finalizer's `fn` and the words its
///   object points to (not the object itself), a weak handle, a cleanup's function words;
/// - each P's current tiny block (`gcMarkTinyAllocs`).
///
/// Every root carries a label (`MarkRoots.labels`) naming what a user knows it by: the global
/// variable, the goroutine frame, the finalizer (see GoGlobalRootLabels and GoStackRootLabels).
struct GoMarkRoots {
    var roots = MarkRoots()
    /// What could not be read, for one aggregated warning.
    var problems: [String] = []

    init(process: ProcessImage, go: GoProcess, heap: GoHeap, pointers: GoPointerMap) {
        addModules(go: go, memory: process.memory, heap: heap, executable: process.mainExecutable?.located?.elf)
        addStacks(go: go, threads: process.threads)
        addSpecials(heap: heap, layout: go.layout, pointers: pointers)
        addTinyBlocks(go: go, allp: (try? MemStatsGlobals.locate(go: go, process: process))?.allp, memory: process.memory)
    }

    private mutating func addModules(go: GoProcess, memory: MemoryReader, heap: GoHeap, executable: ELFImage?) {
        guard let first = go.symbols.moduleData?.address,
              let layout = try? go.layout.resolve(ModuleRootsLayout.self).get() else {
            problems.append("the module list (data and bss roots)")
            return
        }
        let variables = GlobalVariables(go: go, executable: executable)
        var module = first
        var seen = Set<UInt64>()
        while module != .zero, seen.insert(module.rawValue).inserted, seen.count <= 64 {
            guard let bytes = memory.window(at: module, count: UInt64(layout.size), copyLimit: 4096)?.bytes else {
                problems.append("moduledata at \(module.hex)")
                return
            }
            for (section, start, end, mask) in [(".data", layout.data, layout.edata, layout.gcdatamask),
                                                (".bss", layout.bss, layout.ebss, layout.gcbssmask)] {
                let range = AddressRange(start: start.load(from: bytes), end: end.load(from: bytes))
                // `bitvector{n int32; bytedata *uint8}`, unchanged since Go 1.5: one bit per word.
                let bitCount = Int(Int32(truncatingIfNeeded: GoIntegerField(offset: mask, size: 4).load(from: bytes)))
                let bitmap = GoAddressField(offset: mask + 8).load(from: bytes)
                guard !range.isEmpty else { continue }
                guard bitCount > 0, let view = memory.view(at: bitmap, count: UInt64((bitCount + 7) / 8)) else {
                    problems.append("GC bitmap of \(range.start.hex)…\(range.end.hex)")
                    let label = roots.addLabel(RootLabel(kind: .global, name: section, detail: "no GC bitmap: every word scanned"))
                    roots.ranges.append(MarkRoots.Range(range, label: label))
                    continue
                }
                addGlobals(in: range, section: section, bitmap: view, bitCount: bitCount, variables: variables,
                           heap: heap, memory: memory)
            }
            module = layout.next.load(from: bytes)
        }
    }

    private mutating func addStacks(go: GoProcess, threads: [ProcessThread]) {
        for thread in threads {
            let label = roots.addLabel(RootLabel(kind: .thread, name: "thread \(thread.tid)", detail: "registers"))
            for value in thread.registers.values { roots.appendWord(value, label: label) }
        }
        for goroutine in go.goroutines where goroutine.status.base != GoroutineStatus.dead {
            let stack = goroutine.stack
            guard !stack.isEmpty else { continue }
            var candidates = [goroutine.schedSP, goroutine.syscallSP]
            if let thread = threads.first(where: { $0.tid == goroutine.threadID }) { candidates.append(thread.sp) }
            // The lowest SP inside the stack is where live frames begin; none known: all of it.
            let sp = candidates.filter { stack.contains($0) }.min() ?? stack.start
            addFrames(of: goroutine, from: sp, go: go, threads: threads)
        }
    }

    private mutating func addSpecials(heap: GoHeap, layout: GoRuntimeLayout, pointers: GoPointerMap) {
        guard let special = try? layout.resolve(SpecialLayout.self).get() else {
            problems.append("the specials layout (finalizer and cleanup roots)")
            return
        }
        let finalizer = layout.constants["runtime._KindSpecialFinalizer"].map(UInt8.init)
        let weakHandle = layout.constants["runtime._KindSpecialWeakHandle"].map(UInt8.init)
        let cleanup = layout.constants["runtime._KindSpecialCleanup"].map(UInt8.init)
        // From 1.26 a cleanup holds `cleanupFn{call, fn, arg}`; before, only `fn`.
        let cleanupWords: UInt64 = (layout.release ?? .go1_26) >= .go1_26 ? 3 : 1
        let fnField = UInt64(special.size)
        for index in 0..<heap.specials.count {
            let record = Address(heap.specials.records[index])
            let kind = heap.specials.kinds[index]
            let object = Address(heap.specials.objects[index]).hex
            if kind == finalizer {
                let label = roots.addLabel(RootLabel(kind: .finalizer, name: "finalizer on \(object)",
                                                     detail: "its function and what the object points to"))
                roots.ranges.append(MarkRoots.Range(AddressRange(start: record.advanced(by: fnField), size: 8), label: label))
                if let row = heap.table.row(containing: Address(heap.specials.objects[index])) {
                    roots.ranges.append(MarkRoots.Range(heap.table.range(of: row),
                                                        pointers: pointers.pointerWords(ofRow: row, in: heap.table), label: label))
                }
            } else if kind == weakHandle {
                let label = roots.addLabel(RootLabel(kind: .runtime, name: "weak handle of \(object)"))
                roots.ranges.append(MarkRoots.Range(AddressRange(start: record.advanced(by: fnField), size: 8), label: label))
            } else if kind == cleanup {
                let label = roots.addLabel(RootLabel(kind: .cleanup, name: "cleanup on \(object)"))
                roots.ranges.append(MarkRoots.Range(AddressRange(start: record.advanced(by: fnField), size: 8 * cleanupWords),
                                                    label: label))
            }
        }
    }

    private mutating func addTinyBlocks(go: GoProcess, allp slice: Address?, memory: MemoryReader) {
        guard let slice, let p = try? go.layout.resolve(PLayout.self).get(),
              let cache = try? go.layout.resolve(MCacheLayout.self).get(),
              let allp = try? memory.readUInt64(at: slice),
              let count = try? memory.readUInt64(at: slice.advanced(by: 8)), count <= 4096 else {
            problems.append("the Ps' tiny blocks")
            return
        }
        for index in 0..<count {
            guard let processor = try? memory.readPointer(at: Address(allp &+ index * 8)), processor != .zero,
                  let cacheAddress = try? memory.readPointer(at: processor.advanced(by: UInt64(p.mcache.offset))),
                  cacheAddress != .zero,
                  let tiny = try? memory.readUInt64(at: cacheAddress.advanced(by: UInt64(cache.tiny.offset))), tiny != 0
            else { continue }
            roots.appendWord(tiny, label: roots.addLabel(RootLabel(kind: .runtime, name: "tiny block of P\(index)",
                                                                   detail: "the P's current tiny allocation block")))
        }
    }
}

/// The fields of `runtime.moduledata` that hold the GC roots of a module.
struct ModuleRootsLayout: GoRuntimeStructure {
    static let typeNames = ["runtime.moduledata"]
    let size: Int
    let data, edata, bss, ebss, next: GoAddressField
    /// Offsets of the `bitvector`s the runtime decoded from `gcdata` / `gcbss`.
    let gcdatamask, gcbssmask: Int

    init(_ module: GoStructView) throws {
        size = module.size
        data = try module.address("data")
        edata = try module.address("edata")
        bss = try module.address("bss")
        ebss = try module.address("ebss")
        next = try module.address("next")
        gcdatamask = Int(try module.field("gcdatamask").offset)
        gcbssmask = Int(try module.field("gcbssmask").offset)
    }
}
