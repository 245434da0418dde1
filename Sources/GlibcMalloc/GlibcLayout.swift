/// The offsets and sizes of glibc malloc's structures that the walker reads, for one release.
///
/// One value per libc: resolved once, from libc's DWARF (`GlibcLayout.init(dwarf:)`) or from
/// the per-release table (`GlibcLayout.table(for:)`), and then used everywhere. Every version
/// difference the walker cares about lives here, so the walk itself has no version checks.
public struct GlibcLayout: Sendable, Equatable {
    // struct malloc_state
    public var arenaSize: UInt64
    /// `fastbinsY`; nil from 2.43, which removed the fastbins.
    public var fastbinsOffset: UInt64?
    public var fastbinCount: Int
    public var topOffset: UInt64
    public var binsOffset: UInt64
    public var nextOffset: UInt64
    public var systemMemOffset: UInt64

    // struct malloc_par (`mp_`)
    public var nMmapsOffset: UInt64
    public var mmappedMemOffset: UInt64
    public var sbrkBaseOffset: UInt64
    /// `tcache_count`: the fill count, which 2.42+ `num_slots` count down from.
    public var tcacheCountOffset: UInt64

    // struct _heap_info
    public var heapInfoSize: UInt64
    public var heapInfoPrevOffset: UInt64
    public var heapInfoSizeOffset: UInt64

    // struct tcache_perthread_struct
    public var tcacheStructSize: UInt64
    public var tcacheBinCount: Int
    /// Where `entries[]` starts; `counts[]`/`num_slots[]` (uint16) start at 0.
    public var tcacheEntriesOffset: UInt64
    /// 2.42+: `num_slots[i]` is the room left, so a bin holds fill count − num_slots[i] chunks.
    public var tcacheCountsDown: Bool

    /// 2.43+: an mmapped chunk's size field is the mapping's size minus 16, and its usable size
    /// is that minus 8 as for any chunk; before, the size field is the mapping's size and the
    /// usable size is that minus 16.
    public var mmappedSizeExcludesHeader: Bool

    /// Non-main heaps are this big and aligned to it (HEAP_MAX_SIZE on x86-64 without hugetlb).
    public var heapMaxSize: UInt64 = 64 << 20

    /// malloc's bins: bin 1 is the unsorted bin, 2–63 small, 64–127 large (NBINS = 128).
    public static let binCount = 128
    public static let firstLargeBin = 64

    /// The size of the chunk that holds a tcache struct: request2size(sizeof(tcache_perthread_struct)).
    public var tcacheChunkSize: UInt64 { (tcacheStructSize + 8 + 15) & ~15 }

    /// The usable size of an mmapped chunk whose size field is `chunkSize`.
    public func mmappedUsableSize(chunkSize: UInt64) -> UInt64 {
        mmappedSizeExcludesHeader ? chunkSize - 8 : chunkSize - 16
    }

    /// The bytes of address space an mmapped chunk whose size field is `chunkSize` occupies.
    public func mmappedMappingSize(chunkSize: UInt64) -> UInt64 {
        mmappedSizeExcludesHeader ? chunkSize + 16 : chunkSize
    }

    /// The address of `bin_at(av, index)`: a fake chunk whose fd/bk are `bins[2(index−1)]` and the next word.
    public func binHead(arena: UInt64, index: Int) -> UInt64 {
        arena &+ binsOffset &+ UInt64(index - 1) * 16 &- 16
    }
}

/// A glibc release as its version string names it ("2.36").
public struct GlibcVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses "2.36" or "2.36.1".
    public init?(_ text: String) {
        let parts = text.split(separator: ".").prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        self.init(major: parts[0], minor: parts[1])
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: GlibcVersion, rhs: GlibcVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
