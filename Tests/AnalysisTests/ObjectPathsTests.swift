import Analysis
import XCTest

/// The breadth-first path search against an oracle that shares nothing with it: distances
/// from the roots by repeated relaxation over the edges a linear scan of the heap finds.
final class ObjectPathsTests: XCTestCase {
    /// Distance of every row from the nearest root edge (0 for a root's own target), and for
    /// each row the smallest root edge index among its shortest paths; nil where unreachable.
    private func oracle(rowCount: Int, rootEdges: [Int], edges: [[Int]]) -> [(distance: Int, rootEdge: Int)?] {
        var best = [(distance: Int, rootEdge: Int)?](repeating: nil, count: rowCount)
        for (index, row) in rootEdges.enumerated() where best[row] == nil { best[row] = (0, index) }
        var changed = true
        while changed {
            changed = false
            for row in 0..<rowCount {
                guard let here = best[row] else { continue }
                for target in edges[row] {
                    let offered = (distance: here.distance + 1, rootEdge: here.rootEdge)
                    if let known = best[target], (known.distance, known.rootEdge) <= (offered.distance, offered.rootEdge) { continue }
                    best[target] = offered
                    changed = true
                }
            }
        }
        return best
    }

    func testEveryPathIsShortestAndFollowsEdgesFromTheEarliestRoot() {
        var longest = 0
        for seed in 80...87 as ClosedRange<UInt64> {
            let heap = SyntheticHeap(rows: 400, seed: seed, stackWords: 12, rootWords: 2)
            let edges = ReachabilityOracle(table: heap.table, memory: heap.memory).edges()
            let graph = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                          roots: heap.roots)
            // Root edges in a scrambled order, with a repeat, so that the order (not the row) breaks ties.
            let rootEdges = graph.rootTargets.reversed() + graph.rootTargets.prefix(1)
            let expected = oracle(rowCount: graph.rowCount, rootEdges: rootEdges.map { Int($0) }, edges: edges)
            let paths = ObjectPaths(graph: graph, rootEdges: Array(rootEdges))
            XCTAssertTrue(expected.contains { $0 == nil }, "seed \(seed): everything reachable, unreachable rows untested")
            for row in 0..<graph.rowCount {
                guard let want = expected[row] else {
                    XCTAssertNil(paths.path(to: row), "seed \(seed) row \(row) is unreachable")
                    continue
                }
                guard let path = paths.path(to: row) else { return XCTFail("seed \(seed): no path to row \(row)") }
                XCTAssertEqual(path.rows.count, want.distance + 1, "seed \(seed) row \(row)")
                XCTAssertEqual(path.rootEdge, want.rootEdge, "seed \(seed) row \(row)")
                XCTAssertEqual(path.rows.first, rootEdges[path.rootEdge])
                XCTAssertEqual(path.rows.last, UInt32(row))
                for (from, to) in zip(path.rows, path.rows.dropFirst()) {
                    XCTAssertTrue(edges[Int(from)].contains(Int(to)), "seed \(seed): \(from) → \(to) is no edge")
                }
                longest = max(longest, path.rows.count)
            }
        }
        XCTAssertGreaterThan(longest, 3, "the heaps have no long paths to test")
    }

    func testStoppingAtATargetStillFindsAShortestPath() {
        let heap = SyntheticHeap(rows: 500, seed: 91, stackWords: 40, rootWords: 1)
        let edges = ReachabilityOracle(table: heap.table, memory: heap.memory).edges()
        let graph = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                      roots: heap.roots)
        let expected = oracle(rowCount: graph.rowCount, rootEdges: graph.rootTargets.map { Int($0) }, edges: edges)
        var checked = 0
        for row in 0..<graph.rowCount {
            let path = graph.shortestPath(to: row, from: graph.rootTargets)
            XCTAssertEqual(path?.rows.count, expected[row].map { $0.distance + 1 }, "row \(row)")
            XCTAssertEqual(path?.rootEdge, expected[row]?.rootEdge, "row \(row)")
            if path != nil { checked += 1 }
        }
        XCTAssertGreaterThan(checked, 10)
    }

    func testNoRootsReachNothing() {
        let heap = SyntheticHeap(rows: 50, seed: 93)
        let graph = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(),
                                      roots: heap.roots)
        let paths = ObjectPaths(graph: graph, rootEdges: [UInt32(graph.rowCount + 5)])
        XCTAssertFalse((0..<graph.rowCount).contains { paths.isReached($0) })
        XCTAssertNil(paths.path(to: -1))
    }
}
