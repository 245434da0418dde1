/// `struct mallinfo2` as glibc's `mallinfo2()` would have returned it when the core was written.
///
/// glibc sums `int_mallinfo` over every arena: a free block is the top chunk or a chunk on a
/// fastbin or a bin (bins 1–127); everything else of `system_mem` is `uordblks`, so tcache
/// chunks count as in use. Fastbin chunks are counted both in `smblks`/`fsmblks` and, like
/// the bins, in `fordblks`. `hblks`/`hblkhd` are mp_'s mmapped-chunk counters, `keepcost` is
/// main_arena's top, `usmblks` is always 0.
public struct GlibcMallinfo2: Sendable, Equatable, Encodable {
    public var arena: UInt64 = 0
    public var ordblks: UInt64 = 0
    public var smblks: UInt64 = 0
    public var hblks: UInt64 = 0
    public var hblkhd: UInt64 = 0
    public var usmblks: UInt64 = 0
    public var fsmblks: UInt64 = 0
    public var uordblks: UInt64 = 0
    public var fordblks: UInt64 = 0
    public var keepcost: UInt64 = 0

    public init() {}

    public init(arena: UInt64, ordblks: UInt64, smblks: UInt64, hblks: UInt64, hblkhd: UInt64, usmblks: UInt64,
                fsmblks: UInt64, uordblks: UInt64, fordblks: UInt64, keepcost: UInt64) {
        (self.arena, self.ordblks, self.smblks, self.hblks, self.hblkhd) = (arena, ordblks, smblks, hblks, hblkhd)
        (self.usmblks, self.fsmblks, self.uordblks, self.fordblks, self.keepcost) = (usmblks, fsmblks, uordblks, fordblks, keepcost)
    }

    /// Adds one arena, as int_mallinfo does.
    mutating func add(_ lists: GlibcArenaFreeLists, isMain: Bool) {
        // size_t arithmetic, as glibc's: on a corrupt arena the sums wrap instead of trapping.
        let binChunks = lists.binChunks.values.reduce(0, +)
        let binBytes = lists.binBytes.values.reduce(0, &+)
        let available = lists.topSize &+ lists.fastbinBytes &+ binBytes
        smblks += UInt64(lists.fastbinChunks)
        ordblks += 1 + UInt64(binChunks)
        fordblks &+= available
        uordblks &+= lists.systemMem &- available
        arena &+= lists.systemMem
        fsmblks &+= lists.fastbinBytes
        if isMain { keepcost = lists.topSize }
    }
}
