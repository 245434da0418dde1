import CoreFile
import ProcessImage

/// Finds `runtime.mheap_` and checks it before the heap walk trusts it.
///
/// With DWARF the variable's address is known. Stripped binaries keep none, so the structure
/// is found by shape in the executable's writable segments: its `allspans` slice header must
/// point to spans that the arena index, read from the same candidate, maps back to themselves.
/// An unrelated slice (allgs, a user slice) cannot pass that round trip.
struct MHeapLocator {
    /// Refuses `allspans` lengths past this: a corrupt length must not size an allocation.
    static let maximumSpanCount: UInt64 = 1 << 24
    /// How many in-use spans a candidate's check confirms, among at most `entriesRead` entries.
    static let sampledSpans = 16
    static let entriesRead = 4096

    let memory: MemoryReader
    let mheap: MHeapLayout
    let span: MSpanLayout
    let arena: HeapArenaLayout
    let inUseState: UInt64

    init(memory: MemoryReader, mheap: MHeapLayout, span: MSpanLayout, arena: HeapArenaLayout, inUseState: UInt64) {
        self.memory = memory
        self.mheap = mheap
        self.span = span
        self.arena = arena
        self.inUseState = inUseState
    }

    init(process: ProcessImage, layouts: GoHeapLayouts) {
        self.init(memory: process.memory, mheap: layouts.mheap, span: layouts.span, arena: layouts.arena,
                  inUseState: layouts.inUseState)
    }

    /// The address of `mheap_`, and where it came from ("DWARF" or "by shape").
    func locate(symbolAddress: Address?, process: ProcessImage) throws -> (address: Address, source: String) {
        if let symbolAddress { return (try checked(symbolAddress: symbolAddress), "DWARF") }
        guard let found = scan(process: process) else {
            throw GoRuntimeError.notFound(what: "runtime.mheap_ (no DWARF, and no structure whose allspans map back through its arena index)")
        }
        return (found, "by shape")
    }

    /// The DWARF symbol's address, trusted unless nothing in it looks like a heap: single
    /// corrupt spans are the walk's to skip, with a warning, not a reason to refuse the heap.
    func checked(symbolAddress: Address) throws -> Address {
        guard let sample = sampleSpans(of: symbolAddress, stoppingAtRefutation: false), sample.confirmed > 0 || sample.refuted == 0 else {
            throw GoRuntimeError.corrupt(what: "runtime.mheap_ at \(symbolAddress.hex) (DWARF): its allspans do not map back through its arena index")
        }
        return symbolAddress
    }

    /// Whether `candidate` holds a slice of spans, some in use, and every in-use one sampled
    /// found again on its first page through the candidate's own arena index.
    func isPlausible(_ candidate: Address) -> Bool {
        guard let sample = sampleSpans(of: candidate, stoppingAtRefutation: true) else { return false }
        return sample.confirmed > 0 && sample.refuted == 0
    }

    /// Reads leading `allspans` entries until `sampledSpans` in-use spans are confirmed (freed
    /// spans keep their place in allspans, so the first entries may all be dead); nil when
    /// the slice header itself is implausible.
    private func sampleSpans(of candidate: Address, stoppingAtRefutation: Bool) -> (confirmed: Int, refuted: Int)? {
        let slice = candidate.advanced(by: UInt64(mheap.allspans.offset))
        guard let array = try? memory.readPointer(at: slice), array != .zero, array.isAligned(to: 8),
              let length = try? memory.readUInt64(at: slice.advanced(by: 8)),
              let capacity = try? memory.readUInt64(at: slice.advanced(by: 16)),
              length >= 1, length <= capacity, capacity <= MHeapLocator.maximumSpanCount,
              let arenas = try? GoArenaIndex(mheap: candidate, layout: mheap, arena: arena, memory: memory)
        else { return nil }
        var confirmed = 0
        var refuted = 0
        for index in 0..<min(Int(length), MHeapLocator.entriesRead) {
            if confirmed == MHeapLocator.sampledSpans || (stoppingAtRefutation && refuted > 0) { break }
            guard let pointer = try? memory.readPointer(at: array.advanced(by: UInt64(index * 8))), pointer.isAligned(to: 8),
                  let state = try? memory.readInteger(UInt8.self, at: pointer.advanced(by: UInt64(span.state.offset)))
            else {
                refuted += 1
                continue
            }
            guard UInt64(state) == inUseState else { continue }
            if let start = try? memory.readPointer(at: pointer.advanced(by: UInt64(span.startAddr.offset))),
               arenas.span(ofPage: start) == pointer {
                confirmed += 1
            } else {
                refuted += 1
            }
        }
        return (confirmed, refuted)
    }

    /// Scans for the `allspans` length word, then checks the candidate around it.
    private func scan(process: ProcessImage) -> Address? {
        guard let executable = process.mainExecutable, let (headers, bias) = process.loadedProgramHeaders(of: executable) else { return nil }
        let lengthOffset = UInt64(mheap.allspans.offset + 8)
        for header in headers where header.type == ProgramHeader.load && header.flags & ProgramHeader.writable != 0 {
            let segment = AddressRange(start: Address(header.virtualAddress &+ bias), size: header.memorySize)
            // Length words of candidates that fit wholly inside the segment.
            let first = Address((segment.start.rawValue &+ 7) & ~7).advanced(by: lengthOffset)
            guard segment.size > UInt64(mheap.size) else { continue }
            let last = segment.end.retreated(by: UInt64(mheap.size) - lengthOffset)
            guard first < last else { continue }
            let found = memory.firstWord(in: AddressRange(start: first, end: last), matching: PlausibleSpanCount()) { lengthAddress, _ in
                isPlausible(lengthAddress.retreated(by: lengthOffset))
            }
            if let found { return found.retreated(by: lengthOffset) }
        }
        return nil
    }

    struct PlausibleSpanCount: WordPredicate {
        func matches(_ word: UInt64) -> Bool { word &- 1 < MHeapLocator.maximumSpanCount }
    }
}
