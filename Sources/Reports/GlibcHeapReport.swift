import Analysis
import CoreFile
import GlibcMalloc

/// `coreinspect heap` for a C or C++ program: chunks in use by type (C++ classes named by their
/// vtable first, then plain chunks by chunk size), totals per arena, and mallinfo2.
///
/// Reconciliation with mallinfo2 (checked by `reconciliation.holds`):
/// - `uordblks` = Σ over heap chunks in use or in a tcache of their chunk size (a row's `size`
///   + 8) + every arena's `overhead` (heap_info and malloc_state headers, alignment, fenceposts:
///   what of system_mem is no chunk);
/// - `fordblks` = Σ over chunks on fastbins and bins of their chunk size + every arena's top;
/// - `hblkhd` = Σ over mmapped chunks of their mapping size; `hblks` their count.
public struct GlibcHeapReport: Encodable {
    public struct Group: Encodable {
        /// A demangled C++ class, or "[N bytes]" for a chunk size.
        public var type: String
        /// "class" (named by vtable) or "size".
        public var kind: String
        public var count: Int
        /// Usable bytes: what the program can use of the chunks.
        public var bytes: UInt64
        /// Of those, libc's own (tcache structs, stdio buffers, dynamic TLS blocks…).
        public var libcCount: Int
    }

    public struct Arena: Encodable {
        public var address: String
        public var main: Bool
        public var systemMem: UInt64
        public var used: GlibcTally
        public var free: Free
        public var top: UInt64
        public var overhead: UInt64
    }

    public struct Free: Encodable {
        public var tcache: GlibcTally
        public var fastbins: GlibcTally
        public var unsorted: GlibcTally
        public var smallBins: GlibcTally
        public var largeBins: GlibcTally
    }

    public struct Totals: Encodable {
        /// Every chunk in use, mmapped ones included: count and usable bytes.
        public var inUse: GlibcTally
        public var libcOwned: GlibcTally
        public var free: GlibcTally
        public var mmapped: GlibcTally
    }

    public struct Reconciliation: Encodable {
        public var usedChunkBytes: UInt64
        public var tcacheChunkBytes: UInt64
        public var overheadBytes: UInt64
        public var uordblks: UInt64
        public var freeChunkBytes: UInt64
        public var topBytes: UInt64
        public var fordblks: UInt64
        public var mmappedBytes: UInt64
        public var hblkhd: UInt64
        public var holds: Bool
    }

    public var glibcVersion: String
    public var layoutSource: GlibcLayoutSource
    public var arenaSource: GlibcArenaSource
    public var groups: [Group]
    public var otherGroups: Int
    public var totals: Totals
    public var arenas: [Arena]
    public var mallinfo: GlibcMallinfo2
    public var reconciliation: Reconciliation

    public init(heap: GlibcHeap, top: Int) {
        glibcVersion = heap.libcVersion.description
        layoutSource = heap.layoutSource
        arenaSource = heap.arenaSource
        mallinfo = heap.mallinfo2
        let table = heap.table
        var byType: [TypeID: Group] = [:]
        var totals = Totals(inUse: GlibcTally(), libcOwned: GlibcTally(), free: GlibcTally(), mmapped: heap.mmapped)
        for row in 0..<table.count {
            let size = table.sizes[row]
            guard table.states[row].isAllocated else {
                totals.free.add(size)
                continue
            }
            let id = table.typeIDs[row]
            let owned = heap.isLibcOwned(row)
            var group = byType[id] ?? Group(type: heap.types.name(of: id), kind: heap.types.kind(of: id) == .cppClass ? "class" : "size",
                                            count: 0, bytes: 0, libcCount: 0)
            group.count += 1
            group.bytes += size
            if owned {
                group.libcCount += 1
                totals.libcOwned.add(size)
            }
            byType[id] = group
            totals.inUse.add(size)
        }
        // Polymorphic classes first, then chunk sizes; each by bytes, largest first.
        let ordered = byType.values.sorted {
            ($0.kind == "class" ? 0 : 1, -Int64($0.bytes), $0.type) < ($1.kind == "class" ? 0 : 1, -Int64($1.bytes), $1.type)
        }
        groups = Array(ordered.prefix(top))
        otherGroups = ordered.count - groups.count
        self.totals = totals
        arenas = heap.arenas.map {
            Arena(address: Address($0.address).hex, main: $0.isMain, systemMem: $0.systemMem, used: $0.used,
                  free: Free(tcache: $0.tcache, fastbins: $0.fastbins, unsorted: $0.unsorted, smallBins: $0.smallBins,
                             largeBins: $0.largeBins),
                  top: $0.topSize, overhead: $0.overhead)
        }
        let used = heap.arenas.reduce(0) { $0 + $1.used.bytes }
        let tcache = heap.arenas.reduce(0) { $0 + $1.tcache.bytes }
        let overhead = heap.arenas.reduce(0) { $0 + $1.overhead }
        let freeBytes = heap.arenas.reduce(0) { $0 + $1.fastbins.bytes + $1.unsorted.bytes + $1.smallBins.bytes + $1.largeBins.bytes }
        let topBytes = heap.arenas.reduce(0) { $0 + $1.topSize }
        reconciliation = Reconciliation(
            usedChunkBytes: used, tcacheChunkBytes: tcache, overheadBytes: overhead, uordblks: mallinfo.uordblks,
            freeChunkBytes: freeBytes, topBytes: topBytes, fordblks: mallinfo.fordblks,
            mmappedBytes: heap.mmapped.bytes, hblkhd: mallinfo.hblkhd,
            holds: used + tcache + overhead == mallinfo.uordblks && freeBytes + topBytes == mallinfo.fordblks
                && heap.mmapped.bytes == mallinfo.hblkhd)
    }

    /// A warning when the walk's chunk bytes do not add up to mallinfo2 (`heap`, `report`).
    public var reconciliationWarnings: [Warning] {
        reconciliation.holds ? [] : [Warning("heap: the chunk walk does not add up to mallinfo2 (result.reconciliation)")]
    }

    public func text(style: TextStyle) -> String {
        var lines = [style.bold("glibc \(glibcVersion) heap: chunks in use by type")
                     + style.dim(" (C++ classes by vtable first, then chunk sizes; libc: libc's own allocations)")]
        var table = TextTable(["bytes", "count", "libc", "type"])
        for group in groups {
            table.add([Format.bytes(group.bytes), String(group.count), group.libcCount > 0 ? String(group.libcCount) : "", group.type])
        }
        lines.append(table.render(indent: "  "))
        if otherGroups > 0 { lines.append(style.dim("  … and \(otherGroups) more groups (--top)")) }
        lines.append(style.bold("Arenas") + style.dim(" (chunk bytes, headers included)"))
        var arenaTable = TextTable(["arena", "system", "used", "tcache", "fastbins", "unsorted", "small", "large", "top"])
        for arena in arenas {
            arenaTable.add([arena.address + (arena.main ? " (main)" : ""), Format.bytes(arena.systemMem),
                            "\(arena.used.count) / \(Format.bytes(arena.used.bytes))",
                            tally(arena.free.tcache), tally(arena.free.fastbins), tally(arena.free.unsorted),
                            tally(arena.free.smallBins), tally(arena.free.largeBins), Format.bytes(arena.top)])
        }
        lines.append(arenaTable.render(indent: "  "))
        lines.append(style.bold("Total") + " \(totals.inUse.count) chunks in use, \(Format.bytes(totals.inUse.bytes)) usable"
                     + " (libc's own: \(totals.libcOwned.count), \(Format.bytes(totals.libcOwned.bytes)));"
                     + " \(totals.mmapped.count) mmapped (\(Format.bytes(totals.mmapped.bytes))); \(totals.free.count) free")
        let info = mallinfo
        lines.append("  mallinfo2: arena \(info.arena) ordblks \(info.ordblks) smblks \(info.smblks) hblks \(info.hblks) hblkhd \(info.hblkhd)"
                     + " fsmblks \(info.fsmblks) uordblks \(info.uordblks) fordblks \(info.fordblks) keepcost \(info.keepcost)")
        lines.append(reconciliation.holds
                     ? style.dim("  = used + tcache + overhead chunk bytes equal uordblks; free + top equal fordblks; mmapped equal hblkhd")
                     : style.red("  ≠ the walk's chunk bytes do not add up to mallinfo2 (see --json result.reconciliation)"))
        return lines.joined(separator: "\n")
    }

    private func tally(_ tally: GlibcTally) -> String { tally.count == 0 ? "-" : "\(tally.count) / \(Format.bytes(tally.bytes))" }
}
