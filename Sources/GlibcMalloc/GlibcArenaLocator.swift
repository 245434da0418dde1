import CoreFile
import ProcessImage

/// Where malloc's two globals are: `main_arena` (struct malloc_state) and `mp_` (struct malloc_par).
public struct GlibcGlobals: Sendable, Equatable {
    public var mainArena: UInt64
    public var mallocParameters: UInt64
}

/// Finds `main_arena` and `mp_` without symbols, by the shape malloc gives them.
///
/// An initialised `malloc_state` holds 127 bin heads whose fd and bk point at the head itself
/// while the bin is empty: a run of words each equal to its own address − 16, which nothing else
/// in libc's data looks like. Such a run fixes the bins' position up to which bin it starts at;
/// the arena's `next` pointer, which leads round the arena ring back to the arena, and its top
/// chunk settle it. `mp_` is then the malloc_par beside it whose `sbrk_base` plus the main
/// arena's `system_mem` ends exactly where the top chunk ends.
struct GlibcArenaLocator {
    let memory: MemoryReader
    let layout: GlibcLayout

    func word(_ address: UInt64) -> UInt64? { try? memory.readUInt64(at: Address(address)) }

    /// `main_arena` in `regions` (libc's writable data), or nil.
    func mainArena(in regions: [AddressRange]) -> UInt64? {
        for region in regions {
            var runEnd: UInt64?
            var cursor = region.start.rawValue & ~7
            // The last self-pointing pair of each run: the largest bins are nearly always empty,
            // so that pair is bin 127's head, or close to it.
            var candidates: [UInt64] = []
            while cursor + 16 <= region.end.rawValue {
                if let fd = word(cursor), fd == cursor &- 16, word(cursor + 8) == fd {
                    runEnd = cursor
                    cursor += 16
                    continue
                }
                if let end = runEnd { candidates.append(end) }
                runEnd = nil
                cursor += 8
            }
            if let end = runEnd { candidates.append(end) }
            for end in candidates {
                for bin in stride(from: GlibcLayout.binCount - 1, through: 1, by: -1) {
                    let arena = end &- layout.binsOffset &- UInt64(bin - 1) * 16
                    if isArena(arena, mainArena: arena) { return arena }
                }
            }
        }
        return nil
    }

    /// Whether `arena` reads as a malloc_state whose `next` ring returns to `mainArena` and
    /// whose top chunk has a plausible header.
    func isArena(_ arena: UInt64, mainArena: UInt64) -> Bool {
        guard let top = word(arena + layout.topOffset), top != 0, top & 15 == 0,
              let topSize = word(top + 8), topSize & 1 == 1, topSize & ~7 >= 16,
              let systemMem = word(arena + layout.systemMemOffset), systemMem > 0
        else { return false }
        var next = arena
        for _ in 0..<1024 {
            guard let following = word(next &+ layout.nextOffset), following != 0 else { return false }
            if following == mainArena { return true }
            next = following
        }
        return false
    }

    /// `mp_` within `window` of the main arena: the malloc_par whose sbrk_base agrees with the
    /// main arena's heap. Of several, the nearest wins.
    func mallocParameters(mainArena: UInt64, in regions: [AddressRange], window: UInt64 = 16 << 10) -> UInt64? {
        guard let top = word(mainArena + layout.topOffset), let topSize = word(top &+ 8),
              let systemMem = word(mainArena + layout.systemMemOffset)
        else { return nil }
        let heapEnd = top &+ (topSize & ~7)
        var best: UInt64?
        for region in regions {
            let low = max(region.start.rawValue, mainArena &- window) & ~7
            let high = min(region.end.rawValue, mainArena + layout.arenaSize + window)
            var candidate = low
            while candidate + layout.sbrkBaseOffset + 8 <= high {
                defer { candidate += 8 }
                guard candidate + layout.sbrkBaseOffset + 8 <= mainArena || candidate >= mainArena + layout.arenaSize,
                      let base = word(candidate + layout.sbrkBaseOffset), base != 0, base <= top,
                      base &+ systemMem == heapEnd,
                      let mmapped = word(candidate + layout.mmappedMemOffset), mmapped & 4095 == 0,
                      let count = try? memory.readUInt32(at: Address(candidate + layout.nMmapsOffset)),
                      UInt64(count) * 4096 <= mmapped,
                      let fill = word(candidate + layout.tcacheCountOffset), fill <= 65535
                else { continue }
                if best.map({ distance($0, mainArena) > distance(candidate, mainArena) }) ?? true { best = candidate }
            }
        }
        return best
    }

    private func distance(_ a: UInt64, _ b: UInt64) -> UInt64 { a > b ? a - b : b - a }

    /// Every arena on the ring from `mainArena`, main first; stops at a repeat or a bad link.
    func arenaRing(from mainArena: UInt64, warnings: inout [Warning]) -> [UInt64] {
        var arenas = [mainArena]
        var seen: Set<UInt64> = [mainArena]
        var current = mainArena
        while arenas.count < 4096 {
            // &+: `current` is a pointer read from the core, and may lie near 2^64.
            guard let next = word(current &+ layout.nextOffset) else {
                warnings.append(Warning("glibc arena \(Address(current).hex): its next pointer is unreadable; later arenas are missing", kind: .malformedCore))
                break
            }
            if next == mainArena { return arenas }
            guard seen.insert(next).inserted else {
                warnings.append(Warning("glibc arena list loops at \(Address(next).hex) without returning to main_arena; walked \(arenas.count) arenas", kind: .malformedCore))
                break
            }
            arenas.append(next)
            current = next
        }
        if arenas.count >= 4096 {
            warnings.append(Warning("glibc arena list: more than 4096 arenas without returning to main_arena; walked the first 4096", kind: .malformedCore))
        }
        return arenas
    }
}
