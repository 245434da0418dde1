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
    /// How many leading `allspans` entries a candidate's check reads.
    static let sampledSpans = 32

    let memory: MemoryReader
    let mheap: MHeapLayout
    let span: MSpanLayout
    let arena: HeapArenaLayout
    let inUseState: UInt64

    /// The address of `mheap_`, and where it came from ("DWARF" or "by shape").
    func locate(symbolAddress: Address?, process: ProcessImage) throws -> (address: Address, source: String) {
        if let symbolAddress {
            guard isPlausible(symbolAddress) else {
                throw GoRuntimeError.corrupt(what: "runtime.mheap_ at \(symbolAddress.hex) (DWARF): its allspans do not map back through its arena index")
            }
            return (symbolAddress, "DWARF")
        }
        guard let found = scan(process: process) else {
            throw GoRuntimeError.notFound(what: "runtime.mheap_ (no DWARF, and no structure whose allspans map back through its arena index)")
        }
        return (found, "by shape")
    }

    /// Whether `candidate` holds a slice of spans, at least one in use, each in-use one found
    /// again on its first page through the candidate's own arena index.
    func isPlausible(_ candidate: Address) -> Bool {
        let slice = candidate.advanced(by: UInt64(mheap.allspans.offset))
        guard let array = try? memory.readPointer(at: slice), array != .zero, array.isAligned(to: 8),
              let length = try? memory.readUInt64(at: slice.advanced(by: 8)),
              let capacity = try? memory.readUInt64(at: slice.advanced(by: 16)),
              length >= 1, length <= capacity, capacity <= MHeapLocator.maximumSpanCount,
              let arenas = try? GoArenaIndex(mheap: candidate, layout: mheap, arena: arena, memory: memory)
        else { return false }
        var confirmed = 0
        for index in 0..<min(Int(length), MHeapLocator.sampledSpans) {
            guard let pointer = try? memory.readPointer(at: array.advanced(by: UInt64(index * 8))), pointer.isAligned(to: 8),
                  let state = try? memory.readInteger(UInt8.self, at: pointer.advanced(by: UInt64(span.state.offset)))
            else { return false }
            guard UInt64(state) == inUseState else { continue }
            guard let start = try? memory.readPointer(at: pointer.advanced(by: UInt64(span.startAddr.offset))),
                  arenas.span(ofPage: start) == pointer
            else { return false }
            confirmed += 1
        }
        return confirmed > 0
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
