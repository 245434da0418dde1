import CoreFile
import ProcessImage

/// The one place where marking and graph building read the inferior's memory.
///
/// A chunk that lies inside one region is borrowed from the core's mapping (`view(at:count:)`);
/// anything else is copied through `read(into:at:)` into one reusable buffer, so scanning
/// allocates nothing per object either way.
final class WordReader {
    static let chunkWords = 8192

    let memory: any MemoryReader
    private let buffer: UnsafeMutableBufferPointer<UInt64>
    /// Chunks that could not be read (not in the core, unmapped). Their words are skipped.
    private(set) var faults = 0

    init(memory: any MemoryReader) {
        self.memory = memory
        buffer = .allocate(capacity: Self.chunkWords)
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with the words of `[start, end)`, both 8-byte aligned, in chunks, each with
    /// the address of its first word.
    @inline(__always)
    func forEachChunk(from start: UInt64, to end: UInt64,
                      _ body: (UnsafeBufferPointer<UInt64>, UInt64) -> Void) {
        var cursor = start
        while cursor < end {
            let words = Int(min(UInt64(Self.chunkWords), (end - cursor) / 8))
            // Borrow the core's own bytes where the chunk lies in one region: no copy.
            if let view = memory.view(at: Address(cursor), count: UInt64(words) * 8),
               let base = view.base.baseAddress, Int(bitPattern: base) & 7 == 0 {
                body(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt64.self), count: words), cursor)
                cursor += UInt64(words) * 8
                continue
            }
            let chunk = UnsafeMutableBufferPointer(rebasing: buffer[0..<words])
            do {
                try memory.read(into: UnsafeMutableRawBufferPointer(chunk), at: Address(cursor))
                body(UnsafeBufferPointer(chunk), cursor)
            } catch {
                faults += 1
            }
            cursor += UInt64(words) * 8
        }
    }
}

/// Resolves the pointer words of a block of memory to the allocated rows they point into.
struct PointerScanner {
    let reader: WordReader
    let lookup: TableLookup

    /// Calls `visit` with the row of every pointer word of the block `[start, start + size)`
    /// that `pointers` selects and that points inside an allocated row. A row is visited once
    /// per word that points into it.
    @inline(__always)
    func forEachTarget(start: UInt64, size: UInt64, pointers: PointerWords, _ visit: (Int) -> Void) {
        forEachTargetWord(start: start, size: size, pointers: pointers) { row, _ in visit(row) }
    }

    /// As `forEachTarget`, with the address of the word that holds each pointer, for labeled
    /// root edges ("main.sessions at 0x5a1e80 holds …").
    @inline(__always)
    func forEachTargetWord(start: UInt64, size: UInt64, pointers: PointerWords, _ visit: (Int, UInt64) -> Void) {
        forEachPointer(start: start, size: size, pointers: pointers) { row, source, _ in visit(row, source) }
    }

    /// As `forEachTargetWord`, with the pointer's value too, for rules that tell a pointer to
    /// a row's start from one into its middle (leak categories).
    @inline(__always)
    func forEachPointer(start: UInt64, size: UInt64, pointers: PointerWords, _ visit: (Int, UInt64, UInt64) -> Void) {
        let blockEnd = size > UInt64.max - start ? UInt64.max : start + size
        guard pointers.offset < size else { return }
        let first = alignedUp(start + pointers.offset)
        switch pointers.shape {
        case .none:
            return
        case .everyWord(let limit):
            let end = alignedDown(limit >= size ? blockEnd : start + limit)
            guard first < end else { return }
            reader.forEachChunk(from: first, to: end) { words, base in
                for index in words.indices {
                    let value = UInt64(littleEndian: words[index])
                    let row = lookup.allocatedRow(containing: value)
                    if row >= 0 { visit(row, base &+ UInt64(index) &* 8, value) }
                }
            }
        case .mask(let mask):
            let maskEnd = first &+ UInt64(64 - mask.leadingZeroBitCount) * 8
            let end = alignedDown(min(blockEnd, maskEnd < first ? UInt64.max : maskEnd))
            guard first < end else { return }
            reader.forEachChunk(from: first, to: end) { words, base in
                var remaining = mask & (words.count >= 64 ? ~0 : (1 << UInt64(words.count)) - 1)
                while remaining != 0 {
                    let index = remaining.trailingZeroBitCount
                    remaining &= remaining - 1
                    let value = UInt64(littleEndian: words[index])
                    let row = lookup.allocatedRow(containing: value)
                    if row >= 0 { visit(row, base &+ UInt64(index) &* 8, value) }
                }
            }
        case .bitmap(let bits, let bitCount, let elementWords, let firstBit):
            let end = alignedDown(blockEnd)
            guard first < end else { return }
            var wordInElement = firstBit
            reader.forEachChunk(from: first, to: end) { words, base in
                for index in words.indices {
                    if wordInElement < bitCount,
                       bits[wordInElement >> 3] & (1 << UInt8(wordInElement & 7)) != 0 {
                        let value = UInt64(littleEndian: words[index])
                        let row = lookup.allocatedRow(containing: value)
                        if row >= 0 { visit(row, base &+ UInt64(index) &* 8, value) }
                    }
                    wordInElement += 1
                    if wordInElement == elementWords { wordInElement = 0 }
                }
            }
        }
    }

    @inline(__always)
    private func alignedUp(_ address: UInt64) -> UInt64 {
        address > UInt64.max - 7 ? UInt64.max & ~7 : (address + 7) & ~7
    }

    @inline(__always)
    private func alignedDown(_ address: UInt64) -> UInt64 { address & ~7 }
}
