import Analysis
import BitCollections
import CoreFile
import XCTest

final class ObjectGraphTests: XCTestCase {
    func testEdgesAreEveryPointerWordInMemoryOrder() {
        for seed in 40...47 as ClosedRange<UInt64> {
            let heap = SyntheticHeap(rows: 180, seed: seed, oddSizes: true)
            let oracle = ReachabilityOracle(table: heap.table, memory: heap.memory)
            let edges = oracle.edges()
            for threads in [1, 2, 3] {
                let graph = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                              roots: heap.roots, threads: threads)
                XCTAssertEqual(graph.rowCount, heap.table.count)
                XCTAssertEqual(graph.edgeCount, edges.reduce(0) { $0 + $1.count })
                for row in 0..<heap.table.count {
                    XCTAssertEqual(graph.successors(of: row).map { Int($0) }, edges[row], "seed \(seed), row \(row)")
                }
                XCTAssertEqual(graph.rootTargets.map { Int($0) }, Array(Set(oracle.rootRows(heap.roots))).sorted())
                XCTAssertEqual(graph.unreadableChunks, 0)
            }
        }
    }

    func testRecordedFieldsSayWhichWordHoldsEachPointerAndWhereItPoints() throws {
        for seed in 80...83 as ClosedRange<UInt64> {
            let heap = SyntheticHeap(rows: 300, seed: seed, oddSizes: true)
            let oracle = ReachabilityOracle(table: heap.table, memory: heap.memory)
            let plain = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                          roots: heap.roots, threads: 2)
            let graph = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                          roots: heap.roots, threads: 2, recordingFields: true)
            XCTAssertFalse(plain.recordsFields)
            XCTAssertTrue(graph.recordsFields)
            XCTAssertEqual(graph.targets, plain.targets, "recording changes no edge")
            XCTAssertEqual(graph.edgeOffsets, plain.edgeOffsets)
            for row in 0..<heap.table.count {
                var previousWord: UInt32?
                for edge in graph.edgeOffsets[row]..<graph.edgeOffsets[row + 1] {
                    let word = graph.edgeWord(edge)
                    let value = try heap.memory.readUInt64(at: Address(heap.table.addresses[row] + UInt64(word) * 8))
                    let target = Int(graph.targets[edge])
                    XCTAssertEqual(oracle.row(containing: value), target, "seed \(seed), row \(row), word \(word)")
                    XCTAssertEqual(UInt64(graph.edgeTargetOffset(edge)), value - heap.table.addresses[target])
                    XCTAssertEqual(graph.edge(from: row, atWord: word), edge)
                    if let previousWord { XCTAssertLessThan(previousWord, word, "a row's edges lie in word order") }
                    previousWord = word
                }
                XCTAssertNil(graph.edge(from: row, atWord: UInt32(heap.table.sizes[row] / 8 + 1)), "no word past the row")
            }
        }
    }

    func testMarkingTheGraphEqualsMarkingTheHeap() {
        for seed in 50...57 as ClosedRange<UInt64> {
            let heap = SyntheticHeap(rows: 2000, seed: seed, stackWords: 500)
            let graph = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                          roots: heap.roots)
            let marked = Marker(table: heap.table, memory: heap.memory, pointers: ConservativePointers())
                .mark(from: heap.roots).marked
            XCTAssertEqual(graph.reachableRows(), marked, "seed \(seed)")
        }
    }

    func testHoldingARowBackDropsWhatOnlyItKeptAlive() {
        let heap = SyntheticHeap(rows: 200, seed: 61)
        let oracle = ReachabilityOracle(table: heap.table, memory: heap.memory)
        let edges = oracle.edges()
        let roots = oracle.rootRows(heap.roots)
        let graph = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                      roots: heap.roots)
        let reachable = ReachabilityOracle.reachable(rowCount: heap.table.count, roots: roots, edges: edges)
        var retainedSomething = false
        for held in (0..<heap.table.count).filter({ reachable[$0] }) {
            var heldBack = BitArray(repeating: false, count: heap.table.count)
            heldBack[held] = true
            let expected = ReachabilityOracle.reachable(rowCount: heap.table.count, roots: roots, edges: edges,
                                                        heldBack: [held])
            XCTAssertEqual(graph.reachableRows(heldBack: heldBack), BitArray(expected), "held back \(held)")
            retainedSomething = retainedSomething || expected.filter { $0 }.count + 1 < reachable.filter { $0 }.count
        }
        XCTAssertTrue(retainedSomething, "no row retains another: the heap does not test holding back")
    }

    func testReversingListsEachPointerAtItsTarget() {
        let heap = SyntheticHeap(rows: 300, seed: 71)
        let edges = ReachabilityOracle(table: heap.table, memory: heap.memory).edges()
        let reversed = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                         roots: heap.roots).reversed()
        var expected = [[Int]](repeating: [], count: heap.table.count)
        for (source, targets) in edges.enumerated() {
            for target in targets { expected[target].append(source) }
        }
        XCTAssertGreaterThan(expected.filter { $0.count > 1 }.count, 0, "no row has two predecessors")
        for row in 0..<heap.table.count {
            XCTAssertEqual(reversed.predecessors(of: row).map { Int($0) }, expected[row], "row \(row)")
        }
    }

    func testAnEmptyTableGivesAnEmptyGraph() {
        let memory = WordMemory()
        memory.map(words: [1, 2, 3], at: 0x1000)
        let graph = ObjectGraph.build(table: .empty, memory: memory, pointers: ConservativePointers(),
                                      roots: MarkRoots(ranges: [MarkRoots.Range(AddressRange(start: Address(0x1000), size: 24))]))
        XCTAssertEqual(graph.rowCount, 0)
        XCTAssertEqual(graph.edgeCount, 0)
        XCTAssertEqual(graph.edgeOffsets, [0])
        XCTAssertEqual(graph.reachableRows().count, 0)
        XCTAssertEqual(graph.reversed().edgeOffsets, [0])
    }
}
