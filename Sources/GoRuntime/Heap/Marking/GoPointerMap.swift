import Analysis
import CoreFile
import ProcessImage

/// The words of each Go heap object that the collector itself would follow, per release:
///
/// - Go 1.22+: noscan spans hold no pointers; objects up to 512 B take their bits from the
///   span's heap bits (one bit per word of the span, at its end); larger objects of scan spans
///   start with a malloc header, the `*abi.Type` whose bitmap repeats for every element from
///   slot+8; large objects take `mspan.largeType`'s bitmap, repeated the same way.
/// - Go 1.20–1.21: one bit per word of the arena, in `heapArena.bitmap`.
/// - Go 1.19: two bits per word of the arena, four words a byte: pointer bits in the low
///   nibble, "more pointers follow" bits in the high one; scanning stops at the first word
///   whose "more" bit is clear.
///
/// A type the catalog could not read leaves its objects scanned conservatively (every word):
/// marking then errs towards live, never towards garbage.
public struct GoPointerMap: PointerMap, @unchecked Sendable {
    enum Scheme { case heapBits, arenaBitmapOneBit, arenaBitmapTwoBits }

    let scheme: Scheme
    let spans: GoSpanTable
    let memory: any MemoryReader
    /// Header and `largeType` descriptors resolved before marking: the catalog is not thread-safe.
    let typeByDescriptor: [UInt64: TypeID]
    let masks: GoTypePointerMasks?
    /// Sorted by arena base: where each arena's pointer bitmap starts (before Go 1.22).
    let arenaBases: [UInt64]
    let arenaBitmaps: [UInt64]
    let arenaBytes: UInt64
    /// Each span's heap bits (Go 1.22+) and each arena's bitmap (before), borrowed from the
    /// core once, so that a row costs pointer arithmetic rather than a memory lookup.
    let heapBitsViews: [ByteView?]
    let arenaBitmapViews: [ByteView?]

    init(scheme: Scheme, spans: GoSpanTable, memory: any MemoryReader, typeByDescriptor: [UInt64: TypeID],
         masks: GoTypePointerMasks?, arenaBitmaps: [(base: UInt64, bitmap: UInt64)], arenaBytes: UInt64) {
        self.scheme = scheme
        self.spans = spans
        self.memory = memory
        self.typeByDescriptor = typeByDescriptor
        self.masks = masks
        let sorted = arenaBitmaps.sorted { $0.base < $1.base }
        arenaBases = sorted.map(\.base)
        self.arenaBitmaps = sorted.map(\.bitmap)
        self.arenaBytes = arenaBytes
        // One bit per word of the span or arena.
        heapBitsViews = (0..<spans.count).map { span in
            spans.heapBits[span] == 0 ? nil : memory.view(at: Address(spans.heapBits[span]), count: spans.bytes(of: span) / 64)
        }
        let arenaBitmapBytes = scheme == .arenaBitmapTwoBits ? arenaBytes / 32 : arenaBytes / 64
        arenaBitmapViews = sorted.map { memory.view(at: Address($0.bitmap), count: arenaBitmapBytes) }
    }

    public func pointerWords(ofRow row: Int, in table: AllocationTable) -> PointerWords {
        let span = GoHeap.AllocatorWord.span(of: table.allocatorWords[row])
        guard span < spans.count, !spans.isNoScan(span) else { return .none }
        let address = table.addresses[row]
        let size = table.sizes[row]
        switch scheme {
        case .heapBits:
            if spans.heapBits[span] != 0 {
                return heapBitsMask(address: address, size: size, span: span)
            }
            if spans.sizeClass(of: span) == 0 {
                return typed(descriptor: spans.largeTypes[span], from: 0)
            }
            guard let header = try? memory.readUInt64(at: Address(address)) else { return .everyWord(from: 8) }
            return typed(descriptor: header, from: 8)
        case .arenaBitmapOneBit:
            return oneBitArenaWords(address: address, size: size)
        case .arenaBitmapTwoBits:
            return twoBitArenaWords(address: address, size: size)
        }
    }

    /// The bitmap of a header or `largeType` descriptor; nil (an allocation in flight) has no
    /// pointers yet, an unknown descriptor is scanned conservatively.
    private func typed(descriptor: UInt64, from offset: UInt64) -> PointerWords {
        guard descriptor != 0 else { return .none }
        guard let id = typeByDescriptor[descriptor], let masks, masks.hasBitmap(id) else {
            return .everyWord(from: offset)
        }
        return masks.pointerWords(of: id, from: offset)
    }

    /// Bits `[first, first + count)` (count ≤ 64) of a little-endian bitmap, from its view
    /// when the core lends one, else read at `bitmap`.
    private func bits(in view: ByteView?, at bitmap: UInt64, first: UInt64, count: UInt64) -> UInt64? {
        guard let view else { return bits(at: bitmap, first: first, count: count) }
        let firstByte = Int(first / 8)
        let shift = first % 8
        let byteCount = Int((shift + count + 7) / 8)
        guard firstByte + byteCount <= view.count else { return nil }
        var low: UInt64 = 0
        for index in 0..<min(byteCount, 8) { low |= UInt64(view.base[firstByte + index]) << (8 * UInt64(index)) }
        var value = low >> shift
        if byteCount > 8 { value |= UInt64(view.base[firstByte + 8]) << (64 - shift) }
        return count >= 64 ? value : value & ((1 << count) - 1)
    }

    private func bits(at bitmap: UInt64, first: UInt64, count: UInt64) -> UInt64? {
        let wordAddress = bitmap + first / 64 * 8
        let shift = first % 64
        guard let low = try? memory.readUInt64(at: Address(wordAddress)) else { return nil }
        var value = low >> shift
        if shift + count > 64, let high = try? memory.readUInt64(at: Address(wordAddress + 8)) {
            value |= high << (64 - shift)
        }
        return count >= 64 ? value : value & ((1 << count) - 1)
    }

    private func heapBitsMask(address: UInt64, size: UInt64, span: Int) -> PointerWords {
        let words = min(size / 8, 64)
        guard let mask = bits(in: heapBitsViews[span], at: spans.heapBits[span], first: (address - spans.starts[span]) / 8,
                              count: words) else {
            return .everyWord()
        }
        return .mask(mask)
    }

    /// The arena holding `address` and where its bitmap starts, or nil outside the heap's arenas.
    private func arena(of address: UInt64) -> (base: UInt64, bitmap: UInt64, view: ByteView?)? {
        var low = 0, high = arenaBases.count
        while low < high {
            let middle = (low + high) / 2
            if arenaBases[middle] <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0, address - arenaBases[low - 1] < arenaBytes else { return nil }
        return (arenaBases[low - 1], arenaBitmaps[low - 1], arenaBitmapViews[low - 1])
    }

    private func oneBitArenaWords(address: UInt64, size: UInt64) -> PointerWords {
        guard let arena = arena(of: address) else { return .everyWord() }
        let firstWord = (address - arena.base) / 8
        let words = size / 8
        if words <= 64 {
            guard let mask = bits(in: arena.view, at: arena.bitmap, first: firstWord, count: words) else { return .everyWord() }
            return .mask(mask)
        }
        // A large object can run past its arena into the next one's bitmap: scan it all.
        guard address - arena.base + size <= arenaBytes,
              let view = memory.view(at: Address(arena.bitmap + firstWord / 8), count: (words + 7) / 8 + 1) else {
            return .everyWord()
        }
        let firstBit = Int(firstWord % 8)
        return .bitmap(view, bitCount: firstBit + Int(words), elementBytes: UInt64(firstBit) * 8 + size, firstBit: firstBit)
    }

    private func twoBitArenaWords(address: UInt64, size: UInt64) -> PointerWords {
        guard let arena = arena(of: address), address - arena.base + size <= arenaBytes else { return .everyWord() }
        let firstWord = (address - arena.base) / 8
        let words = size / 8
        var mask: UInt64 = 0
        var word: UInt64 = 0
        var byteAddress = UInt64.max
        var byte: UInt8 = 0
        while word < words {
            let bitmapWord = firstWord + word
            if bitmapWord / 4 != byteAddress {
                byteAddress = bitmapWord / 4
                guard let read = try? memory.readInteger(UInt8.self, at: Address(arena.bitmap + byteAddress)) else { return .everyWord() }
                byte = read
            }
            let shift = UInt8(bitmapWord % 4)
            if byte >> (shift + 4) & 1 == 0 { break }
            if word >= 64 {
                // Past 64 words a mask cannot say which: every word up to where "more" ends.
                return .everyWord(upTo: twoBitScanLimit(arena: arena, firstWord: firstWord, from: word, words: words))
            }
            if byte >> shift & 1 != 0 { mask |= 1 << word }
            word += 1
        }
        return .mask(mask)
    }

    /// Bytes into the object where its "more pointers" bits end.
    private func twoBitScanLimit(arena: (base: UInt64, bitmap: UInt64, view: ByteView?), firstWord: UInt64, from start: UInt64,
                                 words: UInt64) -> UInt64 {
        var word = start
        while word < words {
            let bitmapWord = firstWord + word
            guard let byte = try? memory.readInteger(UInt8.self, at: Address(arena.bitmap + bitmapWord / 4)) else { return words * 8 }
            if byte >> (UInt8(bitmapWord % 4) + 4) & 1 == 0 { break }
            word += 1
        }
        return word * 8
    }
}
