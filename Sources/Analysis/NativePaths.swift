import CoreFile
import ProcessImage

/// `why` for a C or C++ heap: which root holds a row, by what chain of allocations, and the
/// offset of each pointer along the way. It searches the leak check's own graph with
/// `ObjectPaths`; only the root memory and the rows on the path are read again.
public struct NativePath: Sendable {
    /// Where the path leaves the roots: a word of a root range or a register (its label in
    /// `NativeRoots.roots.labels`), or a block the roots hold whole (a DTV, a libc allocation).
    public enum Start: Sendable, Equatable {
        case word(label: Int32, address: UInt64?)
        case rootAllocation(row: Int)
    }

    public struct Step: Sendable, Equatable {
        public var from: Int
        public var to: Int
        /// Where in `from` the pointer to `to` sits, from the address malloc returned.
        public var offset: UInt64?
    }

    public var start: Start
    /// The rows from the one the root points into to the row asked for.
    public var rows: [Int]
    public var steps: [Step]
}

/// Finds `NativePath`s in a leak check's graph; the root words are read once, at creation.
public struct NativePathFinder {
    public let check: NativeLeakCheck
    let table: AllocationTable
    let memory: any MemoryReader
    let headerBytes: UInt64
    /// Every row the roots point into, each once, with the first root word that does.
    let starts: [(row: Int, start: NativePath.Start)]

    public init(check: NativeLeakCheck, table: AllocationTable, memory: any MemoryReader, headerBytes: UInt64 = 0) {
        self.check = check
        self.table = table
        self.memory = memory
        self.headerBytes = headerBytes
        starts = check.rootStarts(table: table, memory: memory, headerBytes: headerBytes)
    }

    /// One shortest path from the roots to `row`, preferring (among equally short ones) a
    /// global, then thread-local storage, then a stack, then a register, then a block the
    /// roots hold whole; nil when no root reaches it (a leak).
    public func path(to row: Int) -> NativePath? {
        let graph = check.graph
        let search = ObjectPaths(rowCount: graph.rowCount, edgeOffsets: graph.edgeOffsets, targets: graph.edges, targetShift: 1,
                                 rootEdges: starts.map { UInt32(truncatingIfNeeded: $0.row) }, stoppingAt: row)
        guard let found = search.path(to: row) else { return nil }
        let rows = found.rows.map(Int.init)
        let steps = zip(rows, rows.dropFirst()).map { from, to in
            NativePath.Step(from: from, to: to, offset: offset(in: from, pointingTo: to))
        }
        return NativePath(start: starts[found.rootEdge].start, rows: rows, steps: steps)
    }

    /// The offset of the first aligned word of `from` that points into `to`.
    private func offset(in from: Int, pointingTo to: Int) -> UInt64? {
        let start = table.addresses[from]
        let (low, high) = (table.addresses[to], table.addresses[to] + table.sizes[to])
        let next = to + 1 < table.count ? table.addresses[to + 1] : .max
        guard let bytes = try? memory.readBytes(at: Address(start), count: Int(table.sizes[from] / 8) * 8) else { return nil }
        return bytes.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count, by: 8) {
                let value = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                // The same rule as the graph's: a link to the next chunk's header is no edge.
                if value >= low, value < high,
                   headerBytes == 0 || (value &+ headerBytes != next && value &+ headerBytes / 2 != high) { return UInt64(offset) }
            }
            return nil
        }
    }
}

extension NativeLeakCheck {
    /// The allocated rows with a pointer into `row`, in row order, at most `limit` of them, and
    /// how many there are in all.
    public func predecessors(of row: Int, limit: Int) -> (rows: [Int], total: Int) {
        var rows: [Int] = []
        var total = 0
        var edge = 0
        graph.edges.withUnsafeBufferPointer { edges in
            for source in 0..<graph.rowCount {
                let end = graph.edgeOffsets[source + 1]
                var points = false
                while edge < end {
                    if Int(edges[edge] >> 1) == row { points = true }
                    edge += 1
                }
                guard points else { continue }
                total += 1
                if rows.count < limit { rows.append(source) }
            }
        }
        return (rows, total)
    }

    /// Every row the roots point into, each once, with the first root word that does, the roots
    /// taken in the order `path(to:)` prefers; then the rows held whole.
    func rootStarts(table: AllocationTable, memory: any MemoryReader,
                            headerBytes: UInt64) -> [(row: Int, start: NativePath.Start)] {
        let roots = self.roots.roots
        var seen = [Bool](repeating: false, count: table.count)
        var starts: [(row: Int, start: NativePath.Start)] = []
        table.withLookup { lookup in
            let scanner = PointerScanner(reader: WordReader(memory: memory), lookup: lookup)
            let ranges = roots.ranges.enumerated().sorted { lhs, rhs in
                let (left, right) = (Self.rank(of: roots, label: lhs.element.label), Self.rank(of: roots, label: rhs.element.label))
                return left != right ? left < right : lhs.offset < rhs.offset
            }
            for (_, root) in ranges {
                scanner.forEachPointer(start: root.range.start.rawValue, size: root.range.size, pointers: root.pointers) { target, word, value in
                    guard !seen[target], LeakGraphPart.edge(target: target, value: value, lookup: lookup, headerBytes: headerBytes) != nil else { return }
                    seen[target] = true
                    starts.append((target, .word(label: root.label, address: word)))
                }
            }
            for (index, value) in roots.words.enumerated() {
                let target = lookup.allocatedRow(containing: value)
                guard target >= 0, !seen[target] else { continue }
                seen[target] = true
                starts.append((target, .word(label: roots.label(ofWord: index), address: nil)))
            }
        }
        for row in rootRows.indices where rootRows[row] && !seen[row] && table.states[row].isAllocated {
            starts.append((row, .rootAllocation(row: row)))
        }
        return starts
    }

    /// Globals name a root best, then thread-locals, then stacks (whose dead slots hold stale copies).
    private static func rank(of roots: MarkRoots, label: Int32) -> Int {
        guard label >= 0 else { return 3 }
        let root = roots.labels[Int(label)]
        if root.kind == .global { return 0 }
        return root.name.hasSuffix(NativeRoots.threadStorageSuffix) ? 1 : 2
    }
}
