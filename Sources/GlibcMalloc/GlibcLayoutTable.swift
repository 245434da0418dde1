import Symbols

extension GlibcLayout {
    /// The layout of a release without libc's debug info, or nil for a release the table does
    /// not know (the caller then names the version in its error).
    ///
    /// Checked against the DWARF of Debian's libc6-dbg for 2.36 (bookworm), 2.41 (trixie) and
    /// 2.43 (sid). 2.35 and 2.37–2.40 share 2.36's structures (2.35 added `heap_info.pagesize`
    /// and malloc_par's huge-page fields; 2.37 changed only `global_max_fast`, a separate
    /// global). 2.42 is read off its malloc.c: 2.36's arena with the 76-slot counting-down
    /// tcache that 2.43 also has; no 2.42 debug info was at hand to check it against.
    public static func table(for version: GlibcVersion) -> GlibcLayout? {
        guard version.major == 2, (35...43).contains(version.minor) else { return nil }
        var layout = GlibcLayout(
            arenaSize: 2200, fastbinsOffset: 16, fastbinCount: 10, topOffset: 96, binsOffset: 112,
            nextOffset: 2160, systemMemOffset: 2184,
            nMmapsOffset: 60, mmappedMemOffset: 80, sbrkBaseOffset: 96, tcacheCountOffset: 120,
            heapInfoSize: 48, heapInfoPrevOffset: 8, heapInfoSizeOffset: 16,
            tcacheStructSize: 640, tcacheBinCount: 64, tcacheEntriesOffset: 128, tcacheCountsDown: false,
            mmappedSizeExcludesHeader: false)
        if version.minor >= 42 {
            layout.tcacheStructSize = 760
            layout.tcacheBinCount = 76
            layout.tcacheEntriesOffset = 152
            layout.tcacheCountsDown = true
        }
        if version.minor >= 43 {
            // No fastbins: malloc_state loses fastbinsY and have_fastchunks; malloc_par gains
            // thp_mode at +40, which pushes the later fields by 8.
            layout.arenaSize = 2112
            layout.fastbinsOffset = nil
            layout.fastbinCount = 0
            layout.topOffset = 8
            layout.binsOffset = 24
            layout.nextOffset = 2072
            layout.systemMemOffset = 2096
            layout.nMmapsOffset = 68
            layout.mmappedMemOffset = 88
            layout.sbrkBaseOffset = 104
            layout.tcacheCountOffset = 128
            layout.mmappedSizeExcludesHeader = true
        }
        return layout
    }

    /// The layout libc's own debug info describes, or nil when a structure or field the walker
    /// needs is missing from it. Behaviour that no structure shows (the counting-down tcache,
    /// the mmapped chunk header) comes from the release.
    public init?(dwarf: DWARFIndex, version: GlibcVersion) {
        guard let state = dwarf.structLayout(named: "malloc_state"),
              let par = dwarf.structLayout(named: "malloc_par"),
              let heapInfo = dwarf.structLayout(named: "_heap_info"),
              let tcache = dwarf.structLayout(named: "tcache_perthread_struct"),
              let top = state.field(named: "top"), let bins = state.field(named: "bins"),
              let next = state.field(named: "next"), let systemMem = state.field(named: "system_mem"),
              let nMmaps = par.field(named: "n_mmaps"), let mmappedMem = par.field(named: "mmapped_mem"),
              let sbrkBase = par.field(named: "sbrk_base"), let tcacheCount = par.field(named: "tcache_count"),
              let prev = heapInfo.field(named: "prev"), let heapSize = heapInfo.field(named: "size"),
              let entries = tcache.field(named: "entries"), case let .array(binCount, _) = entries.kind
        else { return nil }
        let fastbins = state.field(named: "fastbinsY")
        var fastbinCount = 0
        if let fastbins, case let .array(count, _) = fastbins.kind { fastbinCount = Int(count) }
        self.init(
            arenaSize: state.size, fastbinsOffset: fastbins?.offset, fastbinCount: fastbinCount,
            topOffset: top.offset, binsOffset: bins.offset, nextOffset: next.offset, systemMemOffset: systemMem.offset,
            nMmapsOffset: nMmaps.offset, mmappedMemOffset: mmappedMem.offset, sbrkBaseOffset: sbrkBase.offset,
            tcacheCountOffset: tcacheCount.offset,
            heapInfoSize: heapInfo.size, heapInfoPrevOffset: prev.offset, heapInfoSizeOffset: heapSize.offset,
            tcacheStructSize: tcache.size, tcacheBinCount: Int(binCount), tcacheEntriesOffset: entries.offset,
            tcacheCountsDown: tcache.field(named: "num_slots") != nil,
            mmappedSizeExcludesHeader: version >= GlibcVersion(major: 2, minor: 43))
    }
}
