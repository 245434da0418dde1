/// Where a chunk sits in glibc's bookkeeping.
public enum GlibcChunkPlace: UInt8, CaseIterable, Sendable, Encodable {
    /// In use: in no free structure.
    case inUse = 0
    /// In some thread's tcache.
    case tcache = 1
    /// In one of the arena's fastbins (not in 2.43+).
    case fastbin = 2
    case unsorted = 3
    case smallBin = 4
    case largeBin = 5
    /// Free by its neighbour's PREV_INUSE bit, yet on no list the walk read: a list was cut short.
    case unlistedFree = 6

    public var isFree: Bool { self != .inUse }

    public var name: String {
        switch self {
        case .inUse: return "in-use"
        case .tcache: return "tcache"
        case .fastbin: return "fastbin"
        case .unsorted: return "unsorted"
        case .smallBin: return "smallbin"
        case .largeBin: return "largebin"
        case .unlistedFree: return "unlisted-free"
        }
    }
}

/// The `allocatorWord` of a glibc row, packed as:
///
/// | bits  | meaning |
/// |-------|---------|
/// | 0–3   | `GlibcChunkPlace` |
/// | 4     | the chunk is mmapped (IS_MMAPPED); its arena bits are then 0xFFFF |
/// | 5     | libc's own allocation (a tcache struct, a stdio buffer, a dynamic TLS block…), not the program's |
/// | 16–31 | the arena's index in `GlibcHeap.arenas` (0 is main_arena) |
/// | 32–63 | the chunk's size field's high bits: chunksize >> 4 (saturated), so the header need not be read again |
public struct GlibcChunkWord: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let mmappedArena = 0xFFFF

    public init(place: GlibcChunkPlace, arena: Int, chunkSize: UInt64, mmapped: Bool = false, libcOwned: Bool = false) {
        var value = UInt64(place.rawValue)
        if mmapped { value |= 1 << 4 }
        if libcOwned { value |= 1 << 5 }
        value |= UInt64(min(arena, 0xFFFF)) << 16
        value |= min(chunkSize >> 4, 0xFFFF_FFFF) << 32
        rawValue = value
    }

    public var place: GlibcChunkPlace { GlibcChunkPlace(rawValue: UInt8(rawValue & 0xF)) ?? .inUse }
    public var isMmapped: Bool { rawValue & (1 << 4) != 0 }
    public var isLibcOwned: Bool {
        get { rawValue & (1 << 5) != 0 }
        set { rawValue = newValue ? rawValue | (1 << 5) : rawValue & ~(1 << 5) }
    }
    public var arena: Int { Int((rawValue >> 16) & 0xFFFF) }
    public var chunkSize: UInt64 { (rawValue >> 32) << 4 }
}
