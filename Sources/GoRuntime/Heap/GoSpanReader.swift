import CoreFile
import ProcessImage

/// Why a span was left out of the walk. Each reason becomes one aggregated warning.
enum GoSpanRejection: String, Error, CaseIterable {
    case unreadable = "unreadable mspan"
    case outsideArenas = "span whose pages the arena index does not map back to it (span pointer outside the arenas, or a corrupt arena index)"
    case absurdShape = "span with an absurd shape (npages, nelems, elemsize or spanclass disagree)"
    case unreadableAllocBits = "span whose allocBits are unreadable"
    case duplicate = "span listed twice in allspans"
    case overlapping = "span overlapping another span"
}

/// Reads `mspan`s and checks each against the arena index and against itself before the walk
/// trusts its counts.
struct GoSpanReader {
    let memory: MemoryReader
    let span: MSpanLayout
    let arenas: GoArenaIndex
    let inUseState: UInt64
    let sizeClassCount: Int
    let release: GoRelease?

    /// Bytes the runtime may keep at a small span's tail beyond the rounding waste: heap bits
    /// (Go 1.22+) and inline mark bits (Go 1.26+), 128 bytes each in one-page spans.
    static let maximumTailReserve: UInt64 = 256
    /// The largest span accepted (8 GiB): a bigger npages is corruption, not a heap.
    static let maximumPages: UInt64 = 1 << 20
    /// The most objects a small-object span holds (nelems is a uint16 from 1.22): bounds the
    /// allocBits copy whatever a corrupt npages claims.
    static let maximumSmallObjects: UInt64 = 1 << 16
    /// Bytes of `spanInlineMarkBits` at the end of a Green Tea small-object span.
    static let inlineMarkBytes: UInt64 = 128

    /// The span at `address` when it is in use; nil when it is not (free, manual, dead). Throws
    /// the rejection when the span is in use but cannot be trusted.
    func read(_ address: Address) throws(GoSpanRejection) -> GoSpan? {
        guard address.isAligned(to: 8), let window = memory.window(at: address, count: UInt64(span.size), copyLimit: 4096) else {
            throw .unreadable
        }
        let bytes = window.bytes
        let state = span.state.load(from: bytes)
        guard state == inUseState else { return nil }
        let start = span.startAddr.load(from: bytes)
        let pages = span.npages.load(from: bytes)
        let elementSize = span.elemsize.load(from: bytes)
        let elementCount = span.nelems.load(from: bytes)
        let freeIndex = span.freeindex.load(from: bytes)
        let spanClass = span.spanclass.load(from: bytes)
        guard start.isAligned(to: GoArenaIndex.pageSize), pages >= 1, pages <= GoSpanReader.maximumPages,
              start.rawValue <= UInt64.max - pages * GoArenaIndex.pageSize
        else { throw .absurdShape }
        guard arenas.span(ofPage: start) == address else { throw .outsideArenas }
        let bytesInSpan = pages * GoArenaIndex.pageSize
        let sizeClass = Int(spanClass >> 1)
        guard spanClass <= UInt64(UInt8.max), sizeClass < sizeClassCount, freeIndex <= elementCount else { throw .absurdShape }
        if sizeClass == 0 {
            guard elementCount == 1, elementSize == bytesInSpan else { throw .absurdShape }
        } else {
            guard elementSize > 0, elementCount >= 1, elementCount <= bytesInSpan / elementSize,
                  elementCount <= GoSpanReader.maximumSmallObjects,
                  bytesInSpan - elementCount * elementSize < elementSize + GoSpanReader.maximumTailReserve
            else { throw .absurdShape }
        }
        let allocBits = span.allocBits.load(from: bytes)
        guard allocBits != .zero else { throw .unreadableAllocBits }
        var result = GoSpan(address: address, start: start, pageCount: UInt32(pages), elementSize: elementSize,
                            elementCount: UInt32(elementCount), spanClass: UInt8(spanClass), state: UInt8(state),
                            allocBits: allocBits, freeIndex: UInt32(freeIndex),
                            allocCount: UInt32(truncatingIfNeeded: span.allocCount.load(from: bytes)),
                            largeType: span.largeType?.load(from: bytes) ?? .zero,
                            specials: span.specials.load(from: bytes))
        locateTailMetadata(of: &result)
        return result
    }

    /// Where the heap bits and inline mark bits of a small-object span are. Inline marks end
    /// in a copy of the span class, which tells a Green Tea span from one built without it
    /// (GOEXPERIMENT=nogreenteagc in 1.26).
    private func locateTailMetadata(of span: inout GoSpan) {
        guard span.sizeClass != 0, span.elementSize <= 512, let release, release.hasMallocHeaders else { return }
        var bitmapEnd = span.end
        if release.hasGreenTeaGCByDefault, span.pageCount == 1, span.elementSize >= 16,
           let classCopy = try? memory.readInteger(UInt8.self, at: span.end.retreated(by: 1)), classCopy == span.spanClass {
            span.inlineMarkBits = span.end.retreated(by: GoSpanReader.inlineMarkBytes)
            bitmapEnd = span.inlineMarkBits
        }
        // One bit per word of the span: bytes / 8 / 8.
        if !span.isNoScan { span.heapBits = bitmapEnd.retreated(by: span.bytes / 64) }
    }
}
