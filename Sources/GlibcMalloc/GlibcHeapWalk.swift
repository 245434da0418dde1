import Analysis
import CoreFile
import ProcessImage

/// The rows of a glibc heap before they are sorted into a table, so that later passes (libc's
/// own allocations, C++ types) can still change their words and types.
struct GlibcRows {
    var addresses: [UInt64] = []
    var sizes: [UInt64] = []
    var words: [GlibcChunkWord] = []
    var types: [TypeID] = []
    /// Each chunk's first user word (a C++ object's vptr), read during the walk.
    var firstWords: [UInt64] = []

    var count: Int { addresses.count }

    mutating func append(address: UInt64, size: UInt64, word: GlibcChunkWord, firstWord: UInt64) {
        addresses.append(address)
        sizes.append(size)
        words.append(word)
        types.append(.unknown)
        firstWords.append(firstWord)
    }

    /// Puts the rows in address order, so later passes can binary-search them.
    mutating func sortByAddress() {
        var sorted = true
        for row in addresses.indices.dropFirst() where addresses[row - 1] > addresses[row] {
            sorted = false
            break
        }
        if sorted { return }
        let order = addresses.indices.sorted { addresses[$0] < addresses[$1] }
        addresses = order.map { addresses[$0] }
        sizes = order.map { sizes[$0] }
        words = order.map { words[$0] }
        types = order.map { types[$0] }
        firstWords = order.map { firstWords[$0] }
    }

    /// The row whose `[address, address + size)` holds `address`; rows must be sorted.
    func row(containing address: UInt64) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if addresses[middle] <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0, address < addresses[low - 1] + sizes[low - 1] else { return nil }
        return low - 1
    }

    /// Hands the columns over to a table, emptying the rows: on a big heap each column is tens
    /// of MB, and copying them row by row into a builder held every one twice at the peak.
    mutating func buildTable() -> AllocationTableBuild {
        firstWords = []
        let states = words.map { $0.place.isFree ? AllocationState.free : .unknown }
        let allocatorWords = words.map(\.rawValue)
        words = []
        let builder = AllocationTableBuilder(addresses: Self.take(&addresses), sizes: Self.take(&sizes), states: states,
                                             typeIDs: Self.take(&types), allocatorWords: allocatorWords)
        return builder.build()
    }

    /// The column, leaving an empty one behind, so the caller holds its only reference.
    private static func take<Element>(_ column: inout [Element]) -> [Element] {
        var taken: [Element] = []
        swap(&taken, &column)
        return taken
    }
}

/// One walk of a glibc heap: arenas, their free lists and heaps, the tcaches, mmapped chunks.
struct GlibcHeapWalk {
    let process: ProcessImage
    let layout: GlibcLayout
    let globals: GlibcGlobals

    private(set) var arenas: [GlibcArenaSummary] = []
    private(set) var mallinfo = GlibcMallinfo2()
    private(set) var tcaches: [UInt64] = []
    private(set) var mmappedTally = GlibcTally()
    var rows = GlibcRows()
    private(set) var warnings: [Warning] = []

    init(process: ProcessImage, layout: GlibcLayout, globals: GlibcGlobals) {
        self.process = process
        self.layout = layout
        self.globals = globals
    }

    private func word(_ address: UInt64) -> UInt64? { try? process.memory.readUInt64(at: Address(address)) }

    /// One contiguous run of chunks: the main heap, or one heap of a thread arena.
    private struct Stretch {
        var start: UInt64
        var end: UInt64
        /// The arena's top chunk, when this stretch holds it.
        var top: UInt64?
        var arena: Int
    }

    mutating func run() {
        let memory = process.memory
        let parameters = globals.mallocParameters
        let locator = GlibcArenaLocator(memory: memory, layout: layout)
        let ring = locator.arenaRing(from: globals.mainArena, warnings: &warnings)
        var places: [UInt64: GlibcChunkPlace] = [:]
        let lists = GlibcFreeListReader(memory: memory, layout: layout)
        var stretches: [Stretch] = []
        // Heaps, so the mmapped-chunk scan stays out of them.
        var heapRanges: [AddressRange] = []
        for (index, arena) in ring.enumerated() {
            let free = lists.read(arena: arena, places: &places, warnings: &warnings)
            mallinfo.add(free, isMain: index == 0)
            arenas.append(GlibcArenaSummary(address: arena, isMain: index == 0, systemMem: free.systemMem, topSize: free.topSize))
            let topEnd = free.top &+ free.topSize
            if index == 0 {
                guard let base = word(parameters + layout.sbrkBaseOffset), base != 0 else { continue }
                stretches.append(Stretch(start: (base &+ 15) & ~15, end: topEnd, top: free.top, arena: 0))
                heapRanges.append(AddressRange(start: Address(base), end: Address(max(base, topEnd))))
            } else {
                heapStretches(of: arena, index: index, top: free.top, topEnd: topEnd, stretches: &stretches, heapRanges: &heapRanges)
            }
        }
        // Walked in address order, the heap chunks come out sorted; only mmapped chunks are sorted in.
        var chunks = GlibcChunks()
        // Room for the most chunks the heaps can hold (MINSIZE each), capped: growing five columns
        // of millions by doubling copied them again and again. Untouched capacity costs no memory.
        let heapBytes = stretches.reduce(0) { $0 &+ ($1.end > $1.start ? $1.end - $1.start : 0) }
        chunks.reserveCapacity(Int(min(heapBytes / GlibcChunkWalker.minimumChunk, 1 << 26)))
        var walker = GlibcChunkWalker(memory: memory)
        walker.progress = ProgressReporting.start("walking glibc heaps", total: heapBytes, unit: .bytes)
        for stretch in stretches.sorted(by: { $0.start < $1.start }) {
            if AnalysisDeadline.expired(in: "the glibc chunk walk") { break }
            walker.walk(from: stretch.start, to: stretch.end, top: stretch.top, arena: stretch.arena, into: &chunks, warnings: &warnings)
            walker.progressBase += stretch.end > stretch.start ? stretch.end - stretch.start : 0
            walker.progress?.update(walker.progressBase)
        }
        walker.progress?.finish(heapBytes)
        findTcaches(chunks: chunks, places: &places)
        mallinfo.hblks = UInt64((try? memory.readUInt32(at: Address(parameters + layout.nMmapsOffset))) ?? 0)
        mallinfo.hblkhd = word(parameters + layout.mmappedMemOffset) ?? 0
        let mmapped = findMmappedChunks(outside: heapRanges)
        appendRows(chunks: &chunks, places: places, mmapped: mmapped)
        places = [:]
        rows.sortByAddress()
    }

    /// A thread arena's heaps, newest (the one holding top) first, through heap_info.prev.
    private mutating func heapStretches(of arena: UInt64, index: Int, top: UInt64, topEnd: UInt64,
                                        stretches: inout [Stretch], heapRanges: inout [AddressRange]) {
        let mask = ~(layout.heapMaxSize - 1)
        var heap = top & mask
        let first = arena & mask
        var seen: Set<UInt64> = []
        while true {
            guard let size = word(heap &+ layout.heapInfoSizeOffset), word(heap) == arena else {
                warnings.append(Warning("glibc arena \(Address(arena).hex): heap_info at \(Address(heap).hex) does not name its arena; its older heaps are skipped", kind: .malformedCore))
                return
            }
            let start = heap == first ? (arena &+ layout.arenaSize &+ 15) & ~15 : heap &+ layout.heapInfoSize
            let end = heap &+ min(size, layout.heapMaxSize)
            let holdsTop = top >= heap && top < end
            stretches.append(Stretch(start: start, end: holdsTop ? topEnd : end, top: holdsTop ? top : nil, arena: index))
            heapRanges.append(AddressRange(start: Address(heap), size: layout.heapMaxSize))
            if heap == first { return }
            seen.insert(heap)
            heap = word(heap &+ layout.heapInfoPrevOffset) ?? 0
            if heap == 0 || seen.contains(heap) || seen.count > 4096 {
                warnings.append(Warning("glibc arena \(Address(arena).hex): its heap_info chain loops or breaks before the arena's first heap", kind: .malformedCore))
                return
            }
        }
    }

    /// The tcache structs: chunks of the tcache's size that a thread's TLS points at.
    private mutating func findTcaches(chunks: GlibcChunks, places: inout [UInt64: GlibcChunkPlace]) {
        var candidates: Set<UInt64> = []
        for row in 0..<chunks.count where chunks.sizes[row] == layout.tcacheChunkSize && chunks.inUseBits[row] {
            candidates.insert(chunks.addresses[row] + 16)
        }
        let fill = word(globals.mallocParameters + layout.tcacheCountOffset) ?? 0
        let reader = GlibcTcacheReader(memory: process.memory, layout: layout, fillCount: fill)
        let pointers = process.threads.compactMap { $0.registers.value(named: "fs_base") }
        let regions = process.memory.regions.map(\.range)
        for tcache in reader.referencedTcaches(candidates: candidates, threadPointers: pointers, regions: regions)
        where reader.read(tcache: tcache, places: &places, warnings: &warnings) {
            tcaches.append(tcache)
        }
    }

    /// Rows from the heap chunks, whose address, size and first-word columns become the rows'
    /// in place (a big heap's would otherwise be held twice at once), then the mmapped chunks,
    /// which `GlibcRows.sortByAddress` puts in order.
    private mutating func appendRows(chunks: inout GlibcChunks, places: [UInt64: GlibcChunkPlace],
                                     mmapped: [(chunk: UInt64, sizeField: UInt64)]) {
        var addresses: [UInt64] = []
        var sizes: [UInt64] = []
        var firstWords: [UInt64] = []
        swap(&addresses, &chunks.addresses)
        swap(&sizes, &chunks.sizes)
        swap(&firstWords, &chunks.firstWords)
        var words: [GlibcChunkWord] = []
        words.reserveCapacity(addresses.count + mmapped.count)
        var matched = 0
        var unlisted = 0
        for row in addresses.indices {
            let chunk = addresses[row]
            let size = sizes[row]
            var place = GlibcChunkPlace.inUse
            if let listed = places[chunk] {
                place = listed
                matched += 1
            } else if !chunks.inUseBits[row] {
                place = .unlistedFree
                unlisted += 1
            }
            let arena = Int(chunks.arenas[row])
            words.append(GlibcChunkWord(place: place, arena: arena, chunkSize: size))
            addresses[row] = chunk + 16
            sizes[row] = size - 8
            if arena < arenas.count { arenas[arena].add(place, bytes: size) }
        }
        chunks = GlibcChunks()
        rows = GlibcRows(addresses: addresses, sizes: sizes, words: words,
                         types: [TypeID](repeating: .unknown, count: addresses.count), firstWords: firstWords)
        for chunk in mmapped { appendMmapped(chunk) }
        for index in arenas.indices {
            let summary = arenas[index]
            let walked = [summary.used, summary.tcache, summary.fastbins, summary.unsorted, summary.smallBins, summary.largeBins]
                .reduce(0) { $0 + $1.bytes } + summary.topSize
            arenas[index].overhead = summary.systemMem &- walked
        }
        if matched < places.count {
            warnings.append(Warning("\(places.count - matched) chunks on glibc's free lists are not where the heap walk found chunks", kind: .malformedCore))
        }
        if unlisted > 0 {
            warnings.append(Warning("\(unlisted) free glibc chunks are on no free list the walk read", kind: .malformedCore))
        }
    }

    private mutating func appendMmapped(_ found: (chunk: UInt64, sizeField: UInt64)) {
        rows.append(address: found.chunk + 16, size: layout.mmappedUsableSize(chunkSize: found.sizeField),
                    word: GlibcChunkWord(place: .inUse, arena: GlibcChunkWord.mmappedArena, chunkSize: found.sizeField, mmapped: true),
                    firstWord: word(found.chunk + 16) ?? 0)
    }

    /// The mmapped chunks in address order, checked against mp_'s counters.
    private mutating func findMmappedChunks(outside heaps: [AddressRange]) -> [(chunk: UInt64, sizeField: UInt64)] {
        // Absent regions hold no header to find: probing them a page at a time only threw, 16
        // million times on a core with 64 GiB of address space left out.
        let candidates = process.memory.regions.filter { region in
            if case .absent = region.source { return false }
            return region.mappedFile == nil && (region.permissions?.writable ?? true)
                && !heaps.contains { $0.overlaps(region.range) }
        }.map(\.range)
        let found = GlibcMmappedChunkFinder(memory: process.memory, layout: layout).find(in: candidates)
        for (_, size) in found { mmappedTally.add(layout.mmappedMappingSize(chunkSize: size)) }
        if UInt64(mmappedTally.count) != mallinfo.hblks || mmappedTally.bytes != mallinfo.hblkhd {
            warnings.append(Warning("glibc mmapped chunks: found \(mmappedTally.count) (\(mmappedTally.bytes) bytes), mp_ counts \(mallinfo.hblks) (\(mallinfo.hblkhd) bytes)"))
        }
        return found
    }
}
