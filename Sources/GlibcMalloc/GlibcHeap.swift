import Analysis
import CoreFile
import ProcessImage
import Symbols

/// Chunk count and bytes (chunk sizes, headers included).
public struct GlibcTally: Sendable, Equatable, Encodable {
    public var count: Int = 0
    public var bytes: UInt64 = 0

    public init(count: Int = 0, bytes: UInt64 = 0) {
        self.count = count
        self.bytes = bytes
    }

    public mutating func add(_ bytes: UInt64) {
        count += 1
        self.bytes += bytes
    }
}

/// One arena's totals. Bytes are chunk sizes, so for a heap that walked cleanly
/// `used + every free kind + top + overhead == systemMem`.
public struct GlibcArenaSummary: Sendable, Equatable {
    public var address: UInt64
    public var isMain: Bool
    public var systemMem: UInt64
    /// In use by the program or libc: in no free structure.
    public var used = GlibcTally()
    public var tcache = GlibcTally()
    public var fastbins = GlibcTally()
    public var unsorted = GlibcTally()
    public var smallBins = GlibcTally()
    public var largeBins = GlibcTally()
    public var topSize: UInt64
    /// What of system_mem is no chunk: heap_info and malloc_state headers, alignment, fenceposts.
    public var overhead: UInt64 = 0

    mutating func add(_ place: GlibcChunkPlace, bytes: UInt64) {
        switch place {
        case .inUse: used.add(bytes)
        case .tcache: tcache.add(bytes)
        case .fastbin: fastbins.add(bytes)
        case .unsorted: unsorted.add(bytes)
        case .smallBin: smallBins.add(bytes)
        case .largeBin: largeBins.add(bytes)
        // Free by its neighbour's bit but on no list read: a list was cut short, which a warning
        // already says; counted where a freed chunk first goes.
        case .unlistedFree: unsorted.add(bytes)
        }
    }
}

/// How `main_arena` and `mp_` were found.
public enum GlibcArenaSource: String, Sendable, Encodable {
    /// From libc's debug info: the symbols `main_arena` and `mp_`.
    case symbols
    /// By shape, in libc's writable data (no debug info needed).
    case structure
}

/// Where the structures' layout came from.
public enum GlibcLayoutSource: String, Sendable, Encodable {
    case debugInfo = "debug-info"
    case releaseTable = "release-table"
}

/// A glibc malloc heap read from a core: every chunk of every arena's heaps and every mmapped
/// chunk as one `AllocationTable` row, with what the free structures say about it.
///
/// Rows: address = the pointer malloc returned (chunk + 16); size = the usable size (chunksize
/// − 8; for mmapped chunks see `GlibcLayout.mmappedUsableSize`); state `.unknown` for chunks in
/// use, `.free` for chunks in a tcache, fastbin or bin; the top chunk is no row. The
/// allocator word is a `GlibcChunkWord`. Types are C++ classes named by vtable, else "[N bytes]".
public struct GlibcHeap: Sendable {
    public var table: AllocationTable
    public var types: TypeTable
    public var libcVersion: GlibcVersion
    public var libcBanner: String
    public var layoutSource: GlibcLayoutSource
    public var arenaSource: GlibcArenaSource
    public var globals: GlibcGlobals
    public var arenas: [GlibcArenaSummary]
    public var mmapped = GlibcTally()
    public var mallinfo2: GlibcMallinfo2
    /// User addresses of the tcache structs found, one per thread that has one.
    public var tcaches: [UInt64]
    public var warnings: [Warning]
    public var notes: [Note]

    /// A chunk's prev_size and size words, before the pointer malloc returns (a row's address).
    public static let chunkHeaderBytes: UInt64 = 16

    public func word(of row: Int) -> GlibcChunkWord { GlibcChunkWord(rawValue: table.allocatorWords[row]) }

    /// Whether a row is libc's own (a tcache struct, a stdio buffer, libstdc++'s emergency pool,
    /// a dynamic TLS block…) rather than the program's: leak reports leave these out.
    public func isLibcOwned(_ row: Int) -> Bool { word(of: row).isLibcOwned }

    /// How to find main_arena: `.automatic` uses libc's debug info when `symbols` has it.
    public enum Method: Sendable {
        case automatic
        /// Ignore debug info: the per-release layout table and the structure scan.
        case structureOnly
    }

    /// Reads the heap of the glibc in `process`. `symbols` gives libc's debug info, when present.
    public static func read(process: ProcessImage, symbols: NativeSymbols?, method: Method = .automatic) throws -> GlibcHeap {
        let library = try GlibcLibrary.find(in: process)
        let dwarf = method == .automatic ? symbols?.dwarfIndex(for: library.module) : nil
        var notes: [Note] = []
        let layout: GlibcLayout
        let layoutSource: GlibcLayoutSource
        if let dwarf, let described = GlibcLayout(dwarf: dwarf, version: library.version) {
            layout = described
            layoutSource = .debugInfo
        } else if let tabled = GlibcLayout.table(for: library.version) {
            layout = tabled
            layoutSource = .releaseTable
        } else {
            throw GlibcMallocError.unknownLayout(version: library.version)
        }
        let writable = libcWritableRegions(process: process, module: library.module)
        let locator = GlibcArenaLocator(memory: process.memory, layout: layout)
        var globals: GlibcGlobals
        let arenaSource: GlibcArenaSource
        if let dwarf, let main = dwarf.variableAddress("main_arena"), let parameters = dwarf.variableAddress("mp_") {
            globals = GlibcGlobals(mainArena: library.module.base.rawValue &+ main,
                                   mallocParameters: library.module.base.rawValue &+ parameters)
            arenaSource = .symbols
        } else {
            guard let main = locator.mainArena(in: writable) else { throw GlibcMallocError.noMainArena(version: library.version) }
            guard let parameters = locator.mallocParameters(mainArena: main, in: writable) else {
                throw GlibcMallocError.noMallocParameters(version: library.version)
            }
            globals = GlibcGlobals(mainArena: main, mallocParameters: parameters)
            arenaSource = .structure
            if method == .automatic {
                notes.append(Note("glibc \(library.version): no debug info for libc; main_arena and mp_ found by their shape, layouts from the \(library.version) table"))
            }
        }
        var walk = GlibcHeapWalk(process: process, layout: layout, globals: globals)
        walk.run()
        var heap = GlibcHeap(table: .empty, types: TypeTable(), libcVersion: library.version, libcBanner: library.banner,
                             layoutSource: layoutSource, arenaSource: arenaSource, globals: globals,
                             arenas: walk.arenas, mmapped: walk.mmappedTally, mallinfo2: walk.mallinfo,
                             tcaches: walk.tcaches, warnings: walk.warnings, notes: notes)
        let owned = GlibcLibcOwnership(process: process, libc: library.module)
        owned.mark(rows: &walk.rows, tcaches: walk.tcaches)
        heap.types = GlibcRowTyping.assignTypes(to: &walk.rows, process: process)
        let built = walk.rows.buildTable()
        heap.table = built.table
        if built.rejected.count > 0 {
            heap.warnings.append(Warning("\(built.rejected.count) glibc chunks overlap others and were left out", kind: .malformedCore))
        }
        return heap
    }

    /// libc's writable mappings: its .data and .bss, where main_arena and mp_ live.
    static func libcWritableRegions(process: ProcessImage, module: Module) -> [AddressRange] {
        process.memory.regions.filter { region in
            region.permissions?.writable ?? false
                && (region.mappedFile.map { $0.path == module.name } ?? false
                    || module.range.contains(region.range.start))
        }.map(\.range)
    }
}
