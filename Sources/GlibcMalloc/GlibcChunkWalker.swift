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

    var count: Int { addresses.count }

    mutating func append(address: UInt64, size: UInt64, arena: Int, inUse: Bool) {
        addresses.append(address)
        sizes.append(size)
        arenas.append(UInt16(truncatingIfNeeded: arena))
        inUseBits.append(inUse)
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
    func walk(from start: UInt64, to end: UInt64, top: UInt64?, arena: Int,
              into chunks: inout GlibcChunks, warnings: inout [Warning]) {
        var cursor = start
        var reported = false
        // The chunk met last, waiting for its successor's PREV_INUSE bit.
        var pending: (address: UInt64, size: UInt64)?
        while cursor + 16 <= end {
            if cursor == top {
                if let pending, let header = sizeField(cursor) {
                    chunks.append(address: pending.address, size: pending.size, arena: arena, inUse: header & 1 == 1)
                }
                return
            }
            guard let header = sizeField(cursor), isBelievable(header, at: cursor, end: end) else {
                if !reported {
                    warnings.append(Warning("heap corruption near \(Address(cursor).hex)", kind: .malformedCore))
                    reported = true
                }
                // The chunk before the damage cannot be classified by its successor: keep it as in use.
                if let pending { chunks.append(address: pending.address, size: pending.size, arena: arena, inUse: true) }
                pending = nil
                guard let resumed = resynchronise(after: cursor, end: end, top: top) else { return }
                cursor = resumed
                continue
            }
            if let pending { chunks.append(address: pending.address, size: pending.size, arena: arena, inUse: header & 1 == 1) }
            let size = header & ~7
            // Fenceposts (size 16) close a non-main heap that was extended into a new one.
            if size < Self.minimumChunk {
                pending = nil
                return
            }
            pending = (cursor, size)
            cursor += size
        }
        // The stretch ended without a top chunk (an old heap of a thread arena): the last
        // chunk's successor is the fencepost, read as usual above; here nothing is left.
        if let pending { chunks.append(address: pending.address, size: pending.size, arena: arena, inUse: true) }
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
