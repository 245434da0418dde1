import CoreFile
import ProcessImage

/// What one arena's own free lists hold (its fastbins and bins; tcaches belong to threads).
struct GlibcArenaFreeLists {
    var fastbinChunks = 0
    var fastbinBytes: UInt64 = 0
    /// Chunks in bins 1–127, per bin kind.
    var binChunks: [GlibcChunkPlace: Int] = [:]
    var binBytes: [GlibcChunkPlace: UInt64] = [:]
    var top: UInt64 = 0
    var topSize: UInt64 = 0
    var systemMem: UInt64 = 0
}

/// Reads an arena's fastbins and bins, recording every chunk on them by its address.
///
/// Lists are followed as glibc follows them: fastbin links undo safe-linking; bin links are
/// plain fd pointers that end back at the bin's head. Each list is bounded and cycle-checked;
/// a damaged list is reported once and the chunks read before the damage are kept.
struct GlibcFreeListReader {
    let memory: MemoryReader
    let layout: GlibcLayout
    /// No real list is longer than this: every chunk is at least 32 bytes of a 2^47 address space,
    /// but a walk of a damaged list should stop long before that.
    var listLimit = 50_000_000

    /// Addresses and sizes come from the inferior: arithmetic on them wraps (`&+`), and a
    /// wrapped address just fails to read, where a trap would end the whole walk.
    func word(_ address: UInt64) -> UInt64? { try? memory.readUInt64(at: Address(address)) }

    func read(arena: UInt64, places: inout [UInt64: GlibcChunkPlace], warnings: inout [Warning]) -> GlibcArenaFreeLists {
        var lists = GlibcArenaFreeLists()
        lists.top = word(arena &+ layout.topOffset) ?? 0
        lists.topSize = (word(lists.top &+ 8) ?? 0) & ~7
        lists.systemMem = word(arena &+ layout.systemMemOffset) ?? 0
        if let fastbins = layout.fastbinsOffset {
            for index in 0..<layout.fastbinCount {
                guard let first = word(arena &+ fastbins &+ UInt64(index) * 8) else { continue }
                let end = GlibcListWalk.walk(from: first, limit: listLimit, isEnd: { $0 == 0 }, next: { chunk in
                    word(chunk &+ 16).map { GlibcListWalk.reveal($0, fieldAddress: chunk &+ 16) }
                }, visit: { chunk in
                    // A looping list may show a node twice before the loop is caught: count it once.
                    guard places.updateValue(.fastbin, forKey: chunk) == nil else { return }
                    lists.fastbinChunks += 1
                    lists.fastbinBytes &+= (word(chunk &+ 8) ?? 0) & ~7
                })
                report(end, list: "fastbin \(index)", arena: arena, warnings: &warnings)
            }
        }
        for bin in 1..<GlibcLayout.binCount {
            let head = layout.binHead(arena: arena, index: bin)
            guard let first = word(head &+ 16) else { continue }
            let place: GlibcChunkPlace = bin == 1 ? .unsorted : bin < GlibcLayout.firstLargeBin ? .smallBin : .largeBin
            let end = GlibcListWalk.walk(from: first, limit: listLimit, isEnd: { $0 == head }, next: { word($0 &+ 16) }, visit: { chunk in
                guard places.updateValue(place, forKey: chunk) == nil else { return }
                lists.binChunks[place, default: 0] += 1
                lists.binBytes[place, default: 0] &+= (word(chunk &+ 8) ?? 0) & ~7
            })
            report(end, list: "bin \(bin)", arena: arena, warnings: &warnings)
        }
        return lists
    }

    func report(_ end: GlibcListEnd, list: String, arena: UInt64, warnings: inout [Warning]) {
        let context = "glibc arena \(Address(arena).hex) \(list)"
        switch end {
        case .complete: return
        case let .cycle(node): warnings.append(Warning("\(context): free list loops at \(Address(node).hex) (a double free?); stopped there", kind: .malformedCore))
        case .tooLong: warnings.append(Warning("\(context): free list longer than \(listLimit) chunks; stopped", kind: .malformedCore))
        case let .broken(node): warnings.append(Warning("\(context): heap corruption near \(Address(node).hex): a free-list link glibc would reject", kind: .malformedCore))
        }
    }
}
