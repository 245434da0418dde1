import Analysis
import BitCollections
import CoreFile
import XCTest

/// Leak categories on random heaps with start, interior and past-the-end pointers, checked
/// against a brute-force oracle; and on hand-made clusters and cycles.
final class LeakClassifierTests: XCTestCase {
    func testRandomHeapsMatchTheOracle() {
        for seed in UInt64(1)...40 {
            // Few root words and sparse pointers, so every category occurs.
            let heap = SyntheticHeap(rows: 150, seed: seed, stackWords: 6, rootWords: 2, oddSizes: seed % 2 == 0)
            let graph = LeakGraph.build(table: heap.table, memory: heap.memory, roots: heap.roots)
            let result = LeakClassifier.classify(table: heap.table, graph: graph)
            let expected = LeakOracle(heap: heap)
            XCTAssertEqual(result.kinds.map(\.name), expected.kinds, "seed \(seed)")
            XCTAssertEqual(result.leaders.map { Int($0) }, expected.leaders, "seed \(seed)")
        }
    }

    func testEveryCategoryOccursInTheRandomHeaps() {
        var seen = Set<String>()
        for seed in UInt64(1)...40 {
            let heap = SyntheticHeap(rows: 150, seed: seed, stackWords: 6, rootWords: 2)
            seen.formUnion(LeakOracle(heap: heap).kinds)
        }
        XCTAssertEqual(seen, Set(LeakKind.allCases.map(\.name)), "the random heaps must exercise every category")
    }

    /// Rows 0…7: 0 held by a root; 1 held only through an interior pointer from 0; 2 held by 1's
    /// start pointer (so possible too); 3 leads 4 and 5 (4 → 5); 6 ↔ 7 is a leaked cycle.
    func testClustersCyclesAndInteriorChains() {
        let graph = LeakGraph(successors: [
            [(1, true)], [(2, false)], [], [(4, false)], [(5, true)], [], [(7, false)], [(6, false)],
        ], roots: [(0, false)])
        let table = Self.table(rows: 8)
        let result = LeakClassifier.classify(table: table, graph: graph)
        XCTAssertEqual(result.kinds, [.reachable, .possible, .possible, .direct, .indirect, .indirect, .direct, .indirect])
        XCTAssertEqual(result.leaders, [-1, -1, -1, 3, 3, 3, 6, 6])
    }

    /// A leaked block pointing into a leaked cycle leads it: the cycle's blocks are indirect.
    func testABlockHoldingACycleLeadsIt() {
        let graph = LeakGraph(successors: [[(1, false)], [(0, false)], [(1, true)]], roots: [])
        let result = LeakClassifier.classify(table: Self.table(rows: 3), graph: graph)
        XCTAssertEqual(result.kinds, [.indirect, .indirect, .direct])
        XCTAssertEqual(result.leaders, [2, 2, 2])
    }

    /// Root rows (the allocator's own blocks) are reachable and keep what they hold; free rows
    /// are never leaks, whatever points to them.
    func testRootRowsAndFreeRows() {
        let graph = LeakGraph(successors: [[(1, false)], [], [(3, false)], []], roots: [])
        var builder = AllocationTableBuilder()
        for row in 0..<4 {
            builder.append(address: Address(0x1000 + UInt64(row) * 0x100), size: 0x40, state: row == 3 ? .free : .unknown)
        }
        var rootRows = BitArray(repeating: false, count: 4)
        rootRows[0] = true
        let result = LeakClassifier.classify(table: builder.build().table, graph: graph, rootRows: rootRows)
        XCTAssertEqual(result.kinds, [.reachable, .reachable, .direct, .free])
    }

    /// glibc's usable range ends 8 bytes into the next chunk, so a stale fd/bk link to the next
    /// chunk's header points inside the block before it: with the header size given, no edge.
    func testLinksToTheNextRowsHeaderAreNoEdges() {
        var builder = AllocationTableBuilder()
        builder.append(address: Address(0x1000), size: 0x48, state: .unknown)
        builder.append(address: Address(0x1050), size: 0x48, state: .unknown)
        let table = builder.build().table
        let memory = WordMemory()
        memory.map(words: [UInt64](repeating: 0, count: 0x100 / 8), at: 0x1000)
        let roots = MarkRoots(words: [0x1040, 0x1050])
        let plain = LeakGraph.build(table: table, memory: memory, roots: roots)
        XCTAssertEqual(LeakClassifier.classify(table: table, graph: plain).kinds, [.possible, .reachable])
        let glibc = LeakGraph.build(table: table, memory: memory, roots: roots, headerBytes: 16)
        XCTAssertEqual(LeakClassifier.classify(table: table, graph: glibc).kinds, [.direct, .reachable])
    }

    /// The header after the last chunk of a heap is the top chunk's, which no table row holds but
    /// `main_arena.top` points at: that root word is no interior pointer into the last block.
    func testARootPointingAtTheHeaderAfterTheLastRowIsNoEdge() {
        var builder = AllocationTableBuilder()
        builder.append(address: Address(0x1000), size: 0x48, state: .unknown)
        let table = builder.build().table
        let memory = WordMemory()
        memory.map(words: [UInt64](repeating: 0, count: 0x100 / 8), at: 0x1000)
        let roots = MarkRoots(words: [0x1040])
        XCTAssertEqual(LeakClassifier.classify(table: table, graph: LeakGraph.build(table: table, memory: memory, roots: roots)).kinds,
                       [.possible])
        let glibc = LeakGraph.build(table: table, memory: memory, roots: roots, headerBytes: 16)
        XCTAssertEqual(LeakClassifier.classify(table: table, graph: glibc).kinds, [.direct])
    }

    private static func table(rows: Int) -> AllocationTable {
        var builder = AllocationTableBuilder()
        for row in 0..<rows { builder.append(address: Address(0x1000 + UInt64(row) * 0x100), size: 0x40, state: .unknown) }
        return builder.build().table
    }
}

/// Leak categories the slow, obvious way, sharing no code with the classifier: edges by a
/// linear scan of every row, reachability by fixed points, and "who reaches whom" among the
/// leaked rows as a full matrix.
private struct LeakOracle {
    var kinds: [String]
    var leaders: [Int]

    init(heap: SyntheticHeap) {
        let table = heap.table
        let oracle = ReachabilityOracle(table: table, memory: heap.memory)
        func pointers(from start: UInt64, to end: UInt64) -> [(row: Int, interior: Bool)] {
            stride(from: (start + 7) / 8 * 8, to: end / 8 * 8, by: 8).compactMap { address in
                guard let value = heap.memory.word(at: address), let row = oracle.row(containing: value) else { return nil }
                return (row, value != table.addresses[row])
            }
        }
        let edges = (0..<table.count).map { row in
            table.states[row] == .free ? [] : pointers(from: table.addresses[row], to: table.addresses[row] + table.sizes[row])
        }
        var rootPointers = heap.roots.words.compactMap { value in
            oracle.row(containing: value).map { (row: $0, interior: value != table.addresses[$0]) }
        }
        for root in heap.roots.ranges { rootPointers += pointers(from: root.range.start.rawValue, to: root.range.end.rawValue) }
        let anyEdges = edges.map { $0.map(\.row) }
        let startEdges = edges.map { $0.filter { !$0.interior }.map(\.row) }
        let byStart = ReachabilityOracle.reachable(rowCount: table.count, roots: rootPointers.filter { !$0.interior }.map(\.row),
                                                   edges: startEdges)
        let byAny = ReachabilityOracle.reachable(rowCount: table.count, roots: rootPointers.map(\.row), edges: anyEdges)
        let leaked = (0..<table.count).filter { table.states[$0] != .free && !byAny[$0] }
        // reaches[a][b]: a chain of leaked rows leads from a to b (a reaches itself).
        var reaches = [Int: Set<Int>]()
        for row in leaked {
            var seen: Set<Int> = [row]
            var queue = [row]
            while let current = queue.popLast() {
                for target in anyEdges[current] where !byAny[target] && seen.insert(target).inserted { queue.append(target) }
            }
            reaches[row] = seen
        }
        // Direct: nothing outside its own cycle reaches it, and it is the lowest of that cycle.
        let direct = leaked.filter { row in
            leaked.allSatisfy { other in
                other == row || !reaches[other]!.contains(row) || (reaches[row]!.contains(other) && other > row)
            }
        }
        let kinds: [String] = (0..<table.count).map { row in
            if table.states[row] == .free { return "free" }
            if byStart[row] { return "reachable" }
            if byAny[row] { return "possible" }
            return direct.contains(row) ? "direct" : "indirect"
        }
        self.kinds = kinds
        leaders = (0..<table.count).map { row in
            guard kinds[row] == "direct" || kinds[row] == "indirect" else { return -1 }
            return direct.first { reaches[$0]!.contains(row) }!
        }
    }
}
