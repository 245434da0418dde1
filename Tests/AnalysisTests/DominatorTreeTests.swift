import Analysis
import XCTest

final class DominatorTreeTests: XCTestCase {
    private func assertAgreesWithOracle(_ graph: LabeledGraph, _ context: String, file: StaticString = #filePath,
                                        line: UInt = #line) {
        let tree = DominatorTree(graph: graph.objectGraph, sizes: graph.sizes)
        let expected = graph.immediateDominators()
        for row in 0..<graph.rowCount {
            XCTAssertEqual(tree.dominator(of: row), expected[row], "\(context): row \(row)", file: file, line: line)
            let lost = expected[row] == .unreachable ? [] : graph.lost(removedRow: row)
            XCTAssertEqual(tree.retainedObjects[row], UInt32(lost.count), "\(context): row \(row)", file: file, line: line)
            XCTAssertEqual(tree.retainedBytes[row], lost.reduce(0) { $0 + graph.sizes[$1] }, "\(context): row \(row)",
                           file: file, line: line)
        }
        for label in graph.labelTargets.indices {
            let lost = graph.lost(removedLabel: label)
            XCTAssertEqual(tree.labelRetainedObjects[label], lost.count, "\(context): label \(label)", file: file, line: line)
            XCTAssertEqual(tree.labelRetainedBytes[label], lost.reduce(0) { $0 + graph.sizes[$1] },
                           "\(context): label \(label)", file: file, line: line)
            for row in lost { XCTAssertEqual(tree.dominatingLabels[row], Int32(label), "\(context): row \(row)", file: file, line: line) }
        }
        XCTAssertEqual(tree.groupNames, graph.groupNames, context, file: file, line: line)
        for (index, group) in graph.groupNames.enumerated() {
            let lost = graph.lost(removedGroup: group)
            XCTAssertEqual(tree.groupRetainedObjects[index], lost.count, "\(context): group \(group)", file: file, line: line)
            XCTAssertEqual(tree.groupRetainedBytes[index], lost.reduce(0) { $0 + graph.sizes[$1] },
                           "\(context): group \(group)", file: file, line: line)
            for row in lost { XCTAssertEqual(tree.dominatingGroups[row], Int32(index), "\(context): row \(row)", file: file, line: line) }
        }
    }

    func testRandomGraphsAgreeWithRemovingEachNodeAndMarkingAgain() {
        var seen = Set<String>()
        for seed in 1...120 as ClosedRange<UInt64> {
            let rows = Int(seed % 40) + 1
            let graph = LabeledGraph.random(seed: seed, rows: rows, labels: Int(seed % 5), edgesPerRow: [0.7, 1.2, 2][Int(seed % 3)])
            assertAgreesWithOracle(graph, "seed \(seed)")
            for dominator in graph.immediateDominators() { seen.insert(String("\(dominator)".prefix(4))) }
        }
        // The graphs must exercise every kind of answer, or agreeing proves little.
        XCTAssertEqual(seen, ["row(", "labe", "grou", "virt", "unre"])
    }

    func testAChainIsRetainedWholeByItsHead() {
        let graph = LabeledGraph(successors: [[1], [2], [3], []], labelTargets: [[0]], unlabeled: [], sizes: [8, 16, 24, 32])
        let tree = DominatorTree(graph: graph.objectGraph, sizes: graph.sizes)
        XCTAssertEqual(tree.immediateDominators, [4, 0, 1, 2])
        XCTAssertEqual(tree.retainedBytes, [80, 72, 56, 32])
        XCTAssertEqual(tree.labelRetainedBytes, [80])
        assertAgreesWithOracle(graph, "chain")
    }

    func testADiamondsJoinIsDominatedByItsTopOnly() {
        // 0 → 1, 0 → 2, 1 → 3, 2 → 3: 3's only dominator below the label is 0.
        let graph = LabeledGraph(successors: [[1, 2], [3], [3], []], labelTargets: [[0]], unlabeled: [], sizes: [8, 8, 8, 8])
        let tree = DominatorTree(graph: graph.objectGraph, sizes: graph.sizes)
        XCTAssertEqual(tree.dominator(of: 3), .row(0))
        XCTAssertEqual(tree.retainedObjects, [4, 1, 1, 1])
        assertAgreesWithOracle(graph, "diamond")
    }

    func testACycleAndSelfLoopsAreRetainedByTheirEntry() {
        let graph = LabeledGraph(successors: [[1, 0], [2], [0, 2]], labelTargets: [[1]], unlabeled: [], sizes: [8, 8, 8])
        let tree = DominatorTree(graph: graph.objectGraph, sizes: graph.sizes)
        XCTAssertEqual(tree.dominator(of: 1), .label(0))
        XCTAssertEqual(tree.dominator(of: 2), .row(1))
        XCTAssertEqual(tree.dominator(of: 0), .row(2))
        XCTAssertEqual(tree.retainedObjects[1], 3)
        assertAgreesWithOracle(graph, "cycle")
    }

    func testARowTwoLabelsShareIsRetainedByNeither() {
        let graph = LabeledGraph(successors: [[1], [], []], labelTargets: [[0], [0, 2]], unlabeled: [], sizes: [8, 16, 32])
        let tree = DominatorTree(graph: graph.objectGraph, sizes: graph.sizes)
        XCTAssertEqual(tree.dominator(of: 0), .virtualRoot)
        XCTAssertEqual(tree.dominatingLabels, [-1, -1, 1])
        XCTAssertEqual(tree.labelRetainedBytes, [0, 32])
        assertAgreesWithOracle(graph, "shared")
    }

    func testUnreachableRowsRetainNothingAndUnlabeledRootsHangFromTheVirtualRoot() {
        let graph = LabeledGraph(successors: [[1], [], [0], []], labelTargets: [[1]], unlabeled: [0], sizes: [8, 8, 8, 8])
        let tree = DominatorTree(graph: graph.objectGraph, sizes: graph.sizes)
        XCTAssertEqual(tree.dominator(of: 0), .virtualRoot)
        XCTAssertEqual(tree.dominator(of: 1), .virtualRoot)
        XCTAssertEqual(tree.dominator(of: 2), .unreachable)
        XCTAssertEqual(tree.dominator(of: 3), .unreachable)
        XCTAssertEqual(tree.retainedBytes[2], 0)
        assertAgreesWithOracle(graph, "unreachable")
    }

    func testWhatTwoFramesOfAGoroutineShareIsRetainedByTheGoroutine() {
        // Frames 0 and 1 of one goroutine both hold row 0 (a live pointer and a stale copy).
        let graph = LabeledGraph(successors: [[1], [], []], labelTargets: [[0], [0, 2], [2]], unlabeled: [],
                                 sizes: [8, 16, 32], groups: ["goroutine 7", "goroutine 7", ""])
        let tree = DominatorTree(graph: graph.objectGraph, sizes: graph.sizes)
        XCTAssertEqual(tree.dominator(of: 0), .group(0))
        XCTAssertEqual(tree.dominator(of: 2), .virtualRoot)
        XCTAssertEqual(tree.groupRetainedBytes, [24])
        XCTAssertEqual(tree.labelRetainedBytes, [0, 0, 0])
        XCTAssertEqual(tree.dominatingGroups, [0, 0, -1])
        assertAgreesWithOracle(graph, "goroutine")
    }

    func testAnEmptyGraphHasAnEmptyTree() {
        let tree = DominatorTree(graph: ObjectGraph(successors: []), sizes: [])
        XCTAssertEqual(tree.immediateDominators, [])
        XCTAssertEqual(tree.labelRetainedBytes, [])
    }
}
