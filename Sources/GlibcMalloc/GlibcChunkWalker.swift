import CoreFile
import ProcessImage

/// The chunks a heap walk met, as flat columns (one entry per chunk, never an object each).
struct GlibcChunks {
    var addresses: [UInt64] = []
    var sizes: [UInt64] = []
    var arenas: [UInt16] = []
    /// The next chunk's PREV_INUSE bit: whether malloc considers this chunk allocated (tcache
    /// and fastbin chunks included).
    var inUseBits: [Bool] = []
    /// The first word of each chunk's user data, read while the header's page is at hand: a
    /// C++ object's vptr. Typing then needs no second pass over the heap's pages.
    var firstWords: [UInt64] = []

    var count: Int { addresses.count }

    mutating func reserveCapacity(_ capacity: Int) {
        addresses.reserveCapacity(capacity)
        sizes.reserveCapacity(capacity)
        arenas.reserveCapacity(capacity)
        inUseBits.reserveCapacity(capacity)
        firstWords.reserveCapacity(capacity)
    }

    mutating func append(address: UInt64, size: UInt64, arena: Int, inUse: Bool, firstWord: UInt64) {
        addresses.append(address)
        sizes.append(size)
        arenas.append(UInt16(truncatingIfNeeded: arena))
        inUseBits.append(inUse)
        firstWords.append(firstWord)
    }
}

/// The words of one heap stretch, borrowed in place when the core holds it in one piece (the
/// usual case): a walk of millions of chunks then reads no word through the generic reader.
struct StretchWords {
    let memory: MemoryReader
    let start: UInt64
    let view: ByteView?

    init(memory: MemoryReader, start: UInt64, end: UInt64) {
        self.memory = memory
        self.start = start
        view = memory.view(at: Address(start), count: end - start)
    }

    @inline(__always)
    func word(at address: UInt64) -> UInt64? {
        if let view, view.count >= 8, address >= start, address - start <= UInt64(view.count) - 8 {
            // The stdlib's concrete load: ByteView's generic one is not specialised across modules.
            return UInt64(littleEndian: view.base.loadUnaligned(fromByteOffset: Int(address - start), as: UInt64.self))
        }
        return try? memory.readUInt64(at: Address(address))
    }
}

/// Walks the chunks of one contiguous heap stretch, from its first chunk to its top chunk or end.
///
/// A chunk header is believed when its size is a multiple of 16, at least MINSIZE (32), and
/// keeps the chunk inside the stretch. A header that fails is reported once as "heap corruption
/// near ADDR" for the stretch; the walk then looks for the next 16-byte boundary where two
/// consecutive headers are believable, and goes on from there.
struct GlibcChunkWalker {
    let memory: MemoryReader
    static let minimumChunk: UInt64 = 32

    /// Walks `[start, end)`. `top` (the arena's top chunk, when it lies in the stretch) ends the
    /// walk; the chunk before it is in use iff top's PREV_INUSE bit is set.
    /// Heap bytes walked, reported at each release stride, on top of `progressBase` (earlier stretches).
    var progress: ProgressTask?
    var progressBase: UInt64 = 0

    func walk(from start: UInt64, to end: UInt64, top: UInt64?, arena: Int,
              into chunks: inout GlibcChunks, warnings: inout [Warning]) {
        guard end > start else { return }
        let words = StretchWords(memory: memory, start: start, end: end)
        var cursor = start
        var reported = false
        // The chunk met last, waiting for its successor's PREV_INUSE bit.
        var pending: (address: UInt64, size: UInt64, firstWord: UInt64)?
        // Pages behind the walk are released every `releaseStride` bytes: a heap is read once,
        // so a big core's pages need not all stay resident.
        var released = start
        // Every way out (top, a fencepost closing an old heap, damage past resynchronising) drops
        // what the walk read: an old thread heap's tail left resident kept a big core's pages in RSS.
        defer { release(from: released, to: cursor) }
        // Not `cursor + 16 <= end`: a start read from a corrupt mp_ may lie within 16 bytes of 2^64.
        while end >= 16, cursor <= end - 16 {
            if cursor == top {
                if let pending, let header = words.word(at: cursor + 8) {
                    chunks.append(address: pending.address, size: pending.size, arena: arena, inUse: header & 1 == 1,
                                  firstWord: pending.firstWord)
                }
                return
            }
            guard let header = words.word(at: cursor + 8), isBelievable(header, at: cursor, end: end) else {
                if !reported {
                    warnings.append(Warning("heap corruption near \(Address(cursor).hex)", kind: .malformedCore))
                    reported = true
                }
                // The chunk before the damage cannot be classified by its successor: keep it as in use.
                if let pending {
                    chunks.append(address: pending.address, size: pending.size, arena: arena, inUse: true, firstWord: pending.firstWord)
                }
                pending = nil
                guard let resumed = resynchronise(after: cursor, end: end, top: top) else { return }
                cursor = resumed
                continue
            }
            if let pending {
                chunks.append(address: pending.address, size: pending.size, arena: arena, inUse: header & 1 == 1,
                              firstWord: pending.firstWord)
            }
            let size = header & ~7
            // Fenceposts (size 16) close a non-main heap that was extended into a new one.
            if size < Self.minimumChunk {
                pending = nil
                return
            }
            pending = (cursor, size, words.word(at: cursor + 16) ?? 0)
            cursor += size
            if cursor - released >= Self.releaseStride {
                release(from: released, to: cursor)
                released = cursor & ~4095
                progress?.update(progressBase + (cursor - start))
                if AnalysisDeadline.expired(in: "the glibc chunk walk") { return }
            }
        }
        // The stretch ended without a top chunk (an old heap of a thread arena): the last
        // chunk's successor is the fencepost, read as usual above; here nothing is left.
        if let pending {
            chunks.append(address: pending.address, size: pending.size, arena: arena, inUse: true, firstWord: pending.firstWord)
        }
    }

    static let releaseStride: UInt64 = 32 << 20

    /// Releases the whole pages of `[from, to)`; the page holding `to` may still be read.
    private func release(from: UInt64, to: UInt64) {
        let end = to & ~4095
        if end > from { memory.releasePages(in: AddressRange(start: Address(from), end: Address(end))) }
    }

    private func sizeField(_ chunk: UInt64) -> UInt64? { try? memory.readUInt64(at: Address(chunk + 8)) }

    private func isBelievable(_ header: UInt64, at chunk: UInt64, end: UInt64) -> Bool {
        let size = header & ~7
        // Flags: IS_MMAPPED never appears inside a heap.
        guard header & 2 == 0, size & 15 == 0 else { return false }
        if size == 16 { return true }  // fencepost
        return size >= Self.minimumChunk && size <= end - chunk
    }

    /// The next 16-byte boundary after `cursor` where a chunk header and its successor's are
    /// both believable (or the first reaches `top` or `end` exactly).
    private func resynchronise(after cursor: UInt64, end: UInt64, top: UInt64?) -> UInt64? {
        var candidate = (cursor + 16) & ~15
        while candidate + 16 <= end {
            if candidate == top { return candidate }
            if let header = sizeField(candidate), isBelievable(header, at: candidate, end: end), header & ~7 >= Self.minimumChunk {
                let next = candidate + (header & ~7)
                if next == top || next == end { return candidate }
                if let following = sizeField(next), isBelievable(following, at: next, end: end) { return candidate }
            }
            candidate += 16
        }
        return nil
    }
}
