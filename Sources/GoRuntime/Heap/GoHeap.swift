import Analysis
import CoreFile
import ProcessImage

/// Every allocated object of a Go heap, from the runtime's own span records.
///
/// The walk reads `mheap_.allspans`, keeps the spans in use that the arena index maps back to
/// themselves, and lists each span's allocated objects: index below `freeindex`, or its
/// `allocBits` bit set. Counts come from `nelems`, never from span bytes / element size. Rows
/// start `.unknown` (marking decides live or garbage) and are typed `[size class N]`, or
/// `[N bytes]` for large objects, until the type pass names them.
public struct GoHeap: Sendable {
    /// One row per allocated object; a tiny-allocator block counts once, as MemStats counts it.
    public internal(set) var table: AllocationTable
    public let spans: GoSpanTable
    /// The specials of every walked span.
    public let specials: GoSpecialTable
    public internal(set) var typeTable: TypeTable
    public let warnings: [Warning]
    /// The heap arenas (64 MiB each), merged where adjacent, in address order.
    public let arenaRanges: [AddressRange]
    public let mheapAddress: Address
    /// "DWARF" or "by shape": how `runtime.mheap_` was found.
    public let mheapSource: String

    /// The allocator word of a row: `spanIndex | spanClass << 32`, where `spanIndex` is the
    /// span's row in `spans`. The object's index in its span is
    /// `(address - spans.starts[spanIndex]) / spans.elementSizes[spanIndex]`.
    public enum AllocatorWord {
        public static func make(span: Int, spanClass: UInt8) -> UInt64 { UInt64(span) | UInt64(spanClass) << 32 }
        public static func span(of word: UInt64) -> Int { Int(word & 0xffff_ffff) }
        public static func spanClass(of word: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: word >> 32) }
    }

    /// Walks the heap of a Go process.
    /// - Throws: `GoRuntimeError.noLayout` when the release has neither DWARF nor a layout table
    ///   of its own; `.notFound` when `mheap_` cannot be found; `.corrupt` when it is unreadable.
    public static func read(process: ProcessImage, go: GoProcess) throws -> GoHeap {
        let layouts = try GoHeapLayouts(go.layout)
        let (mheap, source) = try MHeapLocator(process: process, layouts: layouts)
            .locate(symbolAddress: go.globals.symbolAddress("runtime.mheap_"), process: process)
        return try read(memory: process.memory, layouts: layouts, mheap: mheap, mheapSource: source)
    }

    /// Walks the heap whose `mheap_` is at `mheap`.
    static func read(memory: MemoryReader, layouts: GoHeapLayouts, mheap: Address, mheapSource: String) throws -> GoHeap {
        let arenas = try GoArenaIndex(mheap: mheap, layout: layouts.mheap, arena: layouts.arena, memory: memory)
        let reader = GoSpanReader(memory: memory, span: layouts.span, arenas: arenas, inUseState: layouts.inUseState,
                                  sizeClassCount: layouts.sizeClassCount, release: layouts.release)
        var problems = GoSpanProblems()
        let spanPointers = try readAllSpans(mheap: mheap, layout: layouts.mheap, memory: memory, problems: &problems)
        var found: [GoSpan] = []
        // From 1.26 each span's last byte (the inline marks' class copy) is read: one page
        // per span, and the kernel maps its neighbours too. Dropping them every few thousand
        // spans keeps the heap from becoming resident before the mark pass reads it in order.
        var touched = (low: UInt64.max, high: UInt64(0))
        for (index, pointer) in spanPointers.enumerated() {
            if index & 1023 == 0, AnalysisDeadline.expired(in: "the Go span walk") { break }
            do throws(GoSpanRejection) {
                if let span = try reader.read(Address(pointer)) {
                    found.append(span)
                    touched = (min(touched.low, span.start.rawValue), max(touched.high, span.end.rawValue))
                }
            } catch {
                problems.record(error, span: Address(pointer))
            }
            if found.count % 4096 == 0, touched.low < touched.high {
                memory.releasePages(in: AddressRange(start: Address(touched.low), end: Address(touched.high)))
                touched = (.max, 0)
            }
        }
        if touched.low < touched.high {
            memory.releasePages(in: AddressRange(start: Address(touched.low), end: Address(touched.high)))
        }
        let spans = GoHeapObjects.spanTable(of: found, problems: &problems)
        var typeTable = TypeTable()
        let build = GoHeapObjects.collect(spans: spans, memory: memory, typeTable: &typeTable, problems: &problems)
        var warnings = problems.warnings()
        var specials = GoSpecialTable()
        if build.rejected.count > 0 {
            warnings.append(Warning("\(build.rejected.count) Go heap objects overlap another and were left out", kind: .unreadableGoRuntime))
        }
        warnings += readSpecials(of: spans, memory: memory, layout: layouts.special, into: &specials)
        let arenaRanges = readArenaRanges(mheap: mheap, layout: layouts.mheap, arenas: arenas, memory: memory, spans: spans)
        return GoHeap(table: build.table, spans: spans, specials: specials, typeTable: typeTable, warnings: warnings,
                      arenaRanges: arenaRanges, mheapAddress: mheap, mheapSource: mheapSource)
    }

    /// `allspans`, sorted and without duplicates (each duplicate reported): a corrupt list
    /// must not make one span's objects count twice.
    private static func readAllSpans(mheap: Address, layout: MHeapLayout, memory: MemoryReader,
                                     problems: inout GoSpanProblems) throws -> [UInt64] {
        let slice = mheap.advanced(by: UInt64(layout.allspans.offset))
        let array = try memory.readPointer(at: slice)
        let length = try memory.readUInt64(at: slice.advanced(by: 8))
        guard length <= MHeapLocator.maximumSpanCount else {
            throw GoRuntimeError.corrupt(what: "runtime.mheap_.allspans: length \(length)")
        }
        var pointers = [UInt64](repeating: 0, count: Int(length))
        do {
            try pointers.withUnsafeMutableBytes { try memory.read(into: $0, at: array) }
        } catch {
            throw GoRuntimeError.corrupt(what: "runtime.mheap_.allspans at \(array.hex): \(error)")
        }
        pointers.sort()
        var unique: [UInt64] = []
        unique.reserveCapacity(pointers.count)
        for pointer in pointers {
            if unique.last == pointer { problems.record(.duplicate, span: Address(pointer)) } else { unique.append(pointer) }
        }
        return unique
    }

    /// Follows each span's specials list, one warning per kind of damage. A span's list holds
    /// at most a few records per object (finalizer, profile, weak handle, cleanups), so a list
    /// longer than that is a loop the visited set has not yet closed.
    private static func readSpecials(of spans: GoSpanTable, memory: MemoryReader, layout: SpecialLayout,
                                     into table: inout GoSpecialTable) -> [Warning] {
        let reader = GoSpecialListReader(memory: memory, layout: layout)
        var visited = Set<UInt64>()
        var damaged: [GoSpecialListReader.Problem: [Address]] = [:]
        for span in 0..<spans.count where spans.specials[span] != 0 {
            let limit = Int(spans.elementCounts[span]) * 16 + 64
            if let problem = reader.read(head: Address(spans.specials[span]), spanStart: Address(spans.starts[span]),
                                         spanBytes: spans.bytes(of: span), limit: limit, into: &table, visited: &visited) {
                damaged[problem, default: []].append(Address(spans.spanAddresses[span]))
            }
        }
        return damaged.sorted { $0.key.rawValue < $1.key.rawValue }.map { problem, spans in
            Warning("\(spans.count) Go heap spans have \(problem.rawValue); their specials were read up to it (mspan "
                    + spans.prefix(3).map(\.hex).joined(separator: ", ") + (spans.count > 3 ? ", …)" : ")"),
                    kind: .unreadableGoRuntime, count: spans.count)
        }
    }

    /// The heap arenas from `mheap_.heapArenas` (`allArenas` before 1.25); from the spans when
    /// that slice is unreadable.
    private static func readArenaRanges(mheap: Address, layout: MHeapLayout, arenas: GoArenaIndex,
                                        memory: MemoryReader, spans: GoSpanTable) -> [AddressRange] {
        var numbers: [UInt64] = []
        let slice = mheap.advanced(by: UInt64(layout.heapArenas.offset))
        if let array = try? memory.readPointer(at: slice), let length = try? memory.readUInt64(at: slice.advanced(by: 8)),
           length <= arenas.level2Count {
            numbers = [UInt64](repeating: 0, count: Int(length))
            if (try? numbers.withUnsafeMutableBytes { try memory.read(into: $0, at: array) }) == nil { numbers = [] }
        }
        if numbers.isEmpty { numbers = spans.starts.map { arenas.arenaNumber(of: Address($0)) } }
        var ranges: [AddressRange] = []
        for number in Set(numbers).sorted() {
            let range = AddressRange(start: arenas.arenaBase(number), size: arenas.heapArenaBytes)
            if let last = ranges.last, last.end == range.start {
                ranges[ranges.count - 1] = AddressRange(start: last.start, end: range.end)
            } else {
                ranges.append(range)
            }
        }
        return ranges
    }
}

/// The runtime layouts the walk needs, resolved once.
struct GoHeapLayouts {
    let mheap: MHeapLayout
    let span: MSpanLayout
    let arena: HeapArenaLayout
    let special: SpecialLayout
    let inUseState: UInt64
    /// `_NumSizeClasses`: half of `mcache.alloc`, which has a scan and a noscan class for each.
    let sizeClassCount: Int
    let release: GoRelease?

    init(_ layout: GoRuntimeLayout) throws {
        // A neighbour's layout could misread every span: the walk insists on the release's own.
        guard layout.source.isExact else { throw GoRuntimeError.noLayout(goVersion: layout.goVersion) }
        mheap = try layout.resolve(MHeapLayout.self).get()
        span = try layout.resolve(MSpanLayout.self).get()
        arena = try layout.resolve(HeapArenaLayout.self).get()
        special = try layout.resolve(SpecialLayout.self).get()
        sizeClassCount = try layout.resolve(MCacheLayout.self).get().alloc.count / 2
        inUseState = UInt64(layout.constants["runtime.mSpanInUse"] ?? 1)
        release = layout.release
    }
}
