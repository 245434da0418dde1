import CoreFile
import Dispatch
import ProcessImage

/// The pointers between allocations for leak categories: an `ObjectGraph` whose every edge
/// also says whether it points to its target's first byte (a start pointer) or further in
/// (an interior pointer), as Memcheck's "possibly lost" needs.
///
/// An edge is one `UInt32`, `row << 1 | interior`, so the flag costs no extra column;
/// tables are therefore limited to 2^31 rows. Successors of row r are
/// `edges[edgeOffsets[r] ..< edgeOffsets[r + 1]]`, one entry per pointer word.
public struct LeakGraph: Sendable {
    public let rowCount: Int
    public let edgeOffsets: [Int]
    let edges: [UInt32]
    /// Edges from the roots, encoded the same way, ascending, each once.
    let rootEdges: [UInt32]
    /// Chunks of memory (roots or allocations) that could not be read; their words were skipped.
    public let unreadableChunks: Int

    public var edgeCount: Int { edges.count }

    @inline(__always) static func encode(row: Int, interior: Bool) -> UInt32 {
        UInt32(truncatingIfNeeded: row) << 1 | (interior ? 1 : 0)
    }

    /// The successors of `row`, each with whether the pointer is an interior one.
    public func successors(of row: Int) -> [(row: Int, interior: Bool)] {
        edges[edgeOffsets[row]..<edgeOffsets[row + 1]].map { (Int($0 >> 1), $0 & 1 == 1) }
    }

    /// Reads every allocated row's words, and the roots, conservatively (every aligned word
    /// may be a pointer), splitting the rows between `threads` workers as `ObjectGraph` does;
    /// the roots are read by one more worker alongside.
    ///
    /// With `headerBytes` > 0 (glibc's 16-byte chunk header), a word pointing exactly at the
    /// header of the row that follows its target is not an edge: that address lies inside the
    /// target's usable range (the next chunk's prev_size is the target's last word), and the
    /// words holding it are the allocator's stale list links (fd, bk) left in reused blocks,
    /// which would otherwise make the target a "possible" leak.
    public static func build(table: AllocationTable, memory: any MemoryReader, roots: MarkRoots,
                             threads: Int = 2, releasingPages: Bool = false, headerBytes: UInt64 = 0) -> LeakGraph {
        precondition(table.count < 1 << 31, "a leak graph holds at most 2^31 rows")
        // The parts are joined once the lookup's bounds (16 bytes a row) are gone: holding both
        // with the joined copy was leaks' peak on a big heap.
        var parts = table.withLookup { lookup in
            let runs = ObjectGraph.rowRuns(table: table, count: max(1, threads))
            var parts = [LeakGraphPart?](repeating: nil, count: runs.count + 1)
            parts.withUnsafeMutableBufferPointer { slots in
                let shared = UncheckedSendable((memory: memory, slots: slots))
                DispatchQueue.concurrentPerform(iterations: runs.count + 1) { index in
                    shared.value.slots[index] = index < runs.count
                        ? LeakGraphPart(rows: runs[index], lookup: lookup, memory: shared.value.memory,
                                        releasingPages: releasingPages, headerBytes: headerBytes)
                        : LeakGraphPart(roots: roots, lookup: lookup, memory: shared.value.memory, headerBytes: headerBytes)
                }
            }
            return parts.map { $0! }
        }
        let rootPart = parts.removeLast()
        return LeakGraph(rowCount: table.count, parts: consume parts, rootPart: rootPart)
    }

    private init(rowCount: Int, parts: consuming [LeakGraphPart], rootPart: LeakGraphPart) {
        self.rowCount = rowCount
        unreadableChunks = parts.reduce(rootPart.faults) { $0 + $1.faults }
        var columns = parts.map { (offsets: $0.offsets, targets: $0.edges) }
        parts = []
        (edgeOffsets, edges) = CompressedRows.join(&columns, rowCount: rowCount)
        rootEdges = RootEdges.sortedUnique(rootPart.edges)
    }

    /// A graph from edges in hand, for tests of the classification.
    public init(successors: [[(row: Int, interior: Bool)]], roots: [(row: Int, interior: Bool)]) {
        rowCount = successors.count
        edgeOffsets = successors.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        edges = successors.flatMap { $0.map { Self.encode(row: $0.row, interior: $0.interior) } }
        rootEdges = RootEdges.sortedUnique(roots.map { Self.encode(row: $0.row, interior: $0.interior) })
        unreadableChunks = 0
    }
}

/// The edges of one run of rows (offsets relative to the run), or of the roots.
struct LeakGraphPart {
    var offsets: [UInt32] = []
    var edges: [UInt32] = []
    var faults = 0

    /// The edge for a pointer `value` into row `target`, or nil for a link to the header after it.
    @inline(__always)
    static func edge(target: Int, value: UInt64, lookup: TableLookup, headerBytes: UInt64) -> UInt32? {
        let start = lookup.starts[target]
        if headerBytes > 0 {
            if target + 1 < lookup.count, value &+ headerBytes == lookup.starts[target + 1] { return nil }
            // The header's first word (glibc's prev_size) is the row's last word, so the header
            // after a row sits at its end minus half a header, whether the chunk there is a row
            // or none: glibc's top chunk, which `main_arena.top` points at, is in no table.
            if value &+ headerBytes / 2 == start &+ lookup.sizes[target] { return nil }
        }
        return LeakGraph.encode(row: target, interior: value != start)
    }

    init(rows: Range<Int>, lookup: TableLookup, memory: any MemoryReader, releasingPages: Bool, headerBytes: UInt64) {
        let scanner = PointerScanner(reader: WordReader(memory: memory), lookup: lookup)
        offsets.reserveCapacity(rows.count + 1)
        // Small enough that the two workers' resident windows stay a few MB of the core.
        let step: UInt64 = 1 << 20
        var released = rows.isEmpty ? 0 : lookup.starts[rows.lowerBound] & ~(step - 1)
        // Past --timeout the remaining rows keep their (empty) offsets: the graph stays whole in shape.
        var stopped = false
        for row in rows {
            if releasingPages, lookup.starts[row] &- released >= 2 * step {
                let end = (lookup.starts[row] & ~(step - 1)) - step
                memory.releasePages(in: AddressRange(start: Address(released), end: Address(end)))
                released = end
            }
            offsets.append(CompressedRows.partOffset(edges.count))
            if row & 1023 == 0, !stopped { stopped = AnalysisDeadline.expired(in: "the heap scan") }
            guard !stopped, lookup.states[row].isAllocated else { continue }
            scanner.forEachPointer(start: lookup.starts[row], size: lookup.sizes[row], pointers: .everyWord()) { target, _, value in
                if let edge = Self.edge(target: target, value: value, lookup: lookup, headerBytes: headerBytes) { edges.append(edge) }
            }
        }
        offsets.append(CompressedRows.partOffset(edges.count))
        if releasingPages, let last = rows.last {
            memory.releasePages(in: AddressRange(start: Address(released),
                                                 end: Address(lookup.starts[last] + lookup.sizes[last])))
        }
        faults = scanner.reader.faults
    }

    init(roots: MarkRoots, lookup: TableLookup, memory: any MemoryReader, headerBytes: UInt64) {
        let scanner = PointerScanner(reader: WordReader(memory: memory), lookup: lookup)
        for word in roots.words {
            let target = lookup.allocatedRow(containing: word)
            if target >= 0, let edge = Self.edge(target: target, value: word, lookup: lookup, headerBytes: headerBytes) {
                edges.append(edge)
            }
        }
        for root in roots.ranges {
            scanner.forEachPointer(start: root.range.start.rawValue, size: root.range.size, pointers: root.pointers) { target, _, value in
                if let edge = Self.edge(target: target, value: value, lookup: lookup, headerBytes: headerBytes) { edges.append(edge) }
            }
        }
        faults = scanner.reader.faults
    }
}
