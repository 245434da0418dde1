import Analysis
import CoreFile
import XCTest

final class RetainedRootsTests: XCTestCase {
    /// Rows 0–5 of sizes 8…256: global A holds 0 → 1; two frames of goroutine 1 both hold 2,
    /// the second also 3; globals D and E share 4; 5 is unreachable. Row 1's type id is large,
    /// so showing many roots takes several blocks of the slot × type array.
    private func fixture() -> (ObjectGraph, AllocationTable) {
        let types: [UInt32] = [1, 600_000, 2, 2, 3, 1]
        var builder = AllocationTableBuilder()
        for row in 0..<6 {
            builder.append(address: Address(0x1000 + UInt64(row) * 0x1000), size: 8 << UInt64(row), state: .live,
                           type: TypeID(rawValue: types[row]), allocatorWord: 0)
        }
        let labels = [RootLabel(kind: .global, name: "A"),
                      RootLabel(kind: .goroutine, name: "goroutine 1 f1", detail: "chan receive", group: "goroutine 1"),
                      RootLabel(kind: .goroutine, name: "goroutine 1 f2", detail: "chan receive", group: "goroutine 1"),
                      RootLabel(kind: .global, name: "D"), RootLabel(kind: .global, name: "E")]
        let graph = ObjectGraph(successors: [[1], [], [], [], [], [4]], rootLabels: labels,
                                labelTargets: [[0], [2], [2, 3], [4], [4]])
        return (graph, builder.build().table)
    }

    func testRootsAreGoroutinesAndLabelsLargestFirstWithTheirTypes() {
        let (graph, table) = fixture()
        let tree = DominatorTree(graph: graph, sizes: table.sizes)
        let summary = RetainedRoots(tree: tree, labels: graph.rootLabels, table: table, top: 10)
        XCTAssertEqual(summary.roots.map(\.name), ["goroutine 1", "A"])
        XCTAssertEqual(summary.roots.map(\.bytes), [96, 24])
        XCTAssertEqual(summary.roots.map(\.objects), [2, 2])
        XCTAssertEqual(summary.roots[0].kind, .goroutine)
        XCTAssertEqual(summary.roots[0].detail, "chan receive")
        XCTAssertEqual(summary.roots[0].parts.map(\.label.name), ["goroutine 1 f2"], "f1 retains nothing alone")
        XCTAssertEqual(summary.roots[0].parts.map(\.bytes), [64])
        XCTAssertEqual(summary.roots[0].types.map(\.type.rawValue), [2])
        XCTAssertEqual(summary.roots[0].types.map(\.bytes), [96])
        XCTAssertEqual(summary.roots[1].types.map(\.type.rawValue), [600_000, 1])
        XCTAssertEqual(summary.roots[1].types.map(\.objects), [1, 1])
        XCTAssertEqual(summary.emptyRoots, 2, "D and E share row 4")
        XCTAssertEqual(summary.omittedRoots, 0)
        XCTAssertEqual([summary.retainedObjects, summary.sharedObjects], [4, 1])
        XCTAssertEqual([summary.retainedBytes, summary.sharedBytes], [120, 128])
    }

    func testTopAndOrderByObjects() {
        let (graph, table) = fixture()
        let tree = DominatorTree(graph: graph, sizes: table.sizes)
        let first = RetainedRoots(tree: tree, labels: graph.rootLabels, table: table, top: 1)
        XCTAssertEqual(first.roots.map(\.name), ["goroutine 1"])
        XCTAssertEqual(first.omittedRoots, 1)
        // Equal objects (2 each): bytes break the tie.
        let byObjects = RetainedRoots(tree: tree, labels: graph.rootLabels, table: table, top: 5, order: .objects)
        XCTAssertEqual(byObjects.roots.map(\.name), ["goroutine 1", "A"])
        XCTAssertEqual(byObjects.roots.map { $0.types.count }, [1, 2])
    }
}
