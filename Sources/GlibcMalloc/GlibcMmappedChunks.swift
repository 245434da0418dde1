import CoreFile
import ProcessImage

/// Finds the chunks malloc placed in mappings of their own (requests above mp_.mmap_threshold).
///
/// No list holds them: glibc only counts them (mp_.n_mmaps, mp_.mmapped_mem). Each starts a
/// page of an anonymous mapping with a header whose IS_MMAPPED bit is set, NON_MAIN_ARENA clear,
/// prev_size 0 and a size that spans whole pages; neighbouring ones often share one kernel
/// mapping, so a mapping is read page by page, jumping over each chunk found.
struct GlibcMmappedChunkFinder {
    let memory: MemoryReader
    let layout: GlibcLayout
    static let pageSize: UInt64 = 4096
    static let deadlineStride: UInt64 = 64 << 20

    /// Chunk addresses and size fields in `regions`, which must be anonymous, writable and
    /// outside every heap.
    func find(in regions: [AddressRange]) -> [(chunk: UInt64, sizeField: UInt64)] {
        var found: [(UInt64, UInt64)] = []
        for region in regions {
            var cursor = (region.start.rawValue + Self.pageSize - 1) & ~(Self.pageSize - 1)
            while cursor + Self.pageSize <= region.end.rawValue {
                // A word a page is a page read from disk: a core with many GB of anonymous memory
                // takes seconds here, so --timeout is asked every 64 MiB.
                if cursor & (Self.deadlineStride - 1) == 0, AnalysisDeadline.expired(in: "the search for mmapped chunks") {
                    memory.releasePages(in: region)
                    return found
                }
                if let (size, mapping) = header(at: cursor, end: region.end.rawValue) {
                    found.append((cursor, size))
                    cursor += mapping
                } else {
                    cursor += Self.pageSize
                }
            }
            // One word a page touches every page of the region (thread stacks are 8 MB each):
            // drop them, or a big core's peak RSS keeps them all.
            memory.releasePages(in: region)
        }
        return found
    }

    private func header(at chunk: UInt64, end: UInt64) -> (size: UInt64, mapping: UInt64)? {
        guard let prevSize = try? memory.readUInt64(at: Address(chunk)), prevSize == 0,
              let field = try? memory.readUInt64(at: Address(chunk + 8)), field & 7 == 2
        else { return nil }
        let size = field & ~7
        let mapping = layout.mmappedMappingSize(chunkSize: size)
        guard size >= Self.pageSize - 16, mapping & (Self.pageSize - 1) == 0, mapping <= end - chunk else { return nil }
        return (size, mapping)
    }
}
