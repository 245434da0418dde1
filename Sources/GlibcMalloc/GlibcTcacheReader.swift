import CoreFile
import ProcessImage

/// Finds every live thread's tcache and reads its lists.
///
/// A tcache_perthread_struct is an ordinary in-use chunk of a fixed size (0x290 up to 2.41,
/// 0x300 from 2.42) in the thread's arena, and the thread's TLS variable `tcache` points at it.
/// Without symbols the variable's address is unknown, so both ways of reading work alike: a
/// chunk of the tcache size is a thread's tcache when a word of some thread's static TLS
/// (below its fs_base, in the same mapping) points at it and its counts agree with its lists.
/// A thread whose `tcache` is still 2.43's read-only dummy, or NULL, has no chunk to find.
struct GlibcTcacheReader {
    let memory: MemoryReader
    let layout: GlibcLayout
    /// mp_.tcache_count: what 2.42+ counts down from.
    let fillCount: UInt64
    /// How far below fs_base the static TLS blocks are searched.
    var tlsWindow: UInt64 = 1 << 20

    func word(_ address: UInt64) -> UInt64? { try? memory.readUInt64(at: Address(address)) }

    /// The user addresses (chunk + 16) of the candidates that some thread's TLS points at.
    func referencedTcaches(candidates: Set<UInt64>, threadPointers: [UInt64], regions: [AddressRange]) -> [UInt64] {
        guard !candidates.isEmpty else { return [] }
        var found: Set<UInt64> = []
        for pointer in threadPointers where pointer > 8 {
            // Static TLS sits just below the thread pointer, in the mapping that holds it.
            guard let region = regions.first(where: { $0.contains(Address(pointer - 8)) }) else { continue }
            let low = max(region.start.rawValue, pointer > tlsWindow ? pointer - tlsWindow : 0)
            memory.forEachView(in: AddressRange(start: Address(low), end: Address(pointer))) { _, view in
                var offset = 0
                while offset + 8 <= view.count {
                    let value = view.loadUnchecked(UInt64.self, at: offset)
                    if candidates.contains(value) { found.insert(value) }
                    offset += 8
                }
            }
        }
        return found.sorted()
    }

    /// Reads one tcache struct at user address `tcache`, recording its chunks (by chunk
    /// address) as `.tcache`. Returns false, recording nothing, when its counts disagree with
    /// its lists: then it is not a tcache.
    func read(tcache: UInt64, places: inout [UInt64: GlibcChunkPlace], warnings: inout [Warning]) -> Bool {
        var found: [UInt64] = []
        var damaged: [String] = []
        for bin in 0..<layout.tcacheBinCount {
            guard let first = word(tcache + layout.tcacheEntriesOffset + UInt64(bin) * 8),
                  let slots = try? memory.readInteger(UInt16.self, at: Address(tcache + UInt64(bin) * 2))
            else { return false }
            let expected: UInt64? = layout.tcacheCountsDown
                ? (bin < 64 && UInt64(slots) <= fillCount ? fillCount - UInt64(slots) : nil)
                : UInt64(slots)
            var length: UInt64 = 0
            let end = GlibcListWalk.walk(from: first, limit: 65536, isEnd: { $0 == 0 }, next: { entry in
                word(entry).map { GlibcListWalk.reveal($0, fieldAddress: entry) }
            }, visit: { entry in
                found.append(entry - 16)
                length += 1
            })
            if end != .complete { damaged.append("bin \(bin) (\(end))") }
            if let expected, end == .complete, expected != length { return false }
            if first == 0, expected.map({ $0 != 0 }) ?? false { return false }
        }
        for chunk in found { places[chunk] = .tcache }
        for damage in damaged {
            warnings.append(Warning("tcache \(Address(tcache).hex) \(damage): list damaged; the chunks before the damage are counted free", kind: .malformedCore))
        }
        return true
    }
}
