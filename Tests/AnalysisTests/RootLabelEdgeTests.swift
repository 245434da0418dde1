import Analysis
import CoreFile
import XCTest

/// The labeled root edges of the object graph: each root word that points into a row is an
/// edge of its range's (or word's) label, with the word's address; unlabeled roots stay apart.
final class RootLabelEdgeTests: XCTestCase {
    func testEveryRootWordIsAnEdgeOfItsLabelWithItsAddress() {
        let heap = SyntheticHeap(rows: 300, seed: 91, stackWords: 96, rootWords: 0)
        let oracle = ReachabilityOracle(table: heap.table, memory: heap.memory)
        var roots = MarkRoots()
        let low = roots.addLabel(RootLabel(kind: .goroutine, name: "frame 0", group: "goroutine 1"))
        let high = roots.addLabel(RootLabel(kind: .goroutine, name: "frame 1", group: "goroutine 1"))
        let register = roots.addLabel(RootLabel(kind: .thread, name: "thread 7"))
        let stack = SyntheticHeap.stackBase
        roots.ranges = [MarkRoots.Range(AddressRange(start: Address(stack), size: 32 * 8), label: low),
                        MarkRoots.Range(AddressRange(start: Address(stack + 32 * 8), size: 32 * 8), label: high),
                        MarkRoots.Range(AddressRange(start: Address(stack + 64 * 8), size: 32 * 8))]
        let held = heap.table.addresses[heap.table.states.firstIndex { $0 != .free }!]
        roots.words = [0x10]
        roots.appendWord(held + 1, label: register)
        let graph = ObjectGraph.build(table: heap.table, memory: heap.memory, pointers: ConservativePointers(), roots: roots)

        XCTAssertEqual(graph.rootLabels.map(\.name), ["frame 0", "frame 1", "thread 7"])
        for (label, range) in [(low, 0..<32), (high, 32..<64)] {
            var expectedTargets: [UInt32] = []
            var expectedSources: [UInt64] = []
            for word in range {
                let address = stack + UInt64(word) * 8
                let value = (try? heap.memory.readUInt64(at: Address(address))) ?? 0
                if let row = oracle.row(containing: value) {
                    expectedTargets.append(UInt32(row))
                    expectedSources.append(address)
                }
            }
            let edges = graph.labelEdgeOffsets[Int(label)]..<graph.labelEdgeOffsets[Int(label) + 1]
            XCTAssertFalse(expectedTargets.isEmpty, "the stack must point somewhere")
            XCTAssertEqual(Array(graph.labelEdgeTargets[edges]), expectedTargets, "label \(label)")
            XCTAssertEqual(Array(graph.labelEdgeSources[edges]), expectedSources, "label \(label)")
        }
        let registerEdges = graph.labelEdgeOffsets[Int(register)]..<graph.labelEdgeOffsets[Int(register) + 1]
        XCTAssertEqual(Array(graph.labelEdgeTargets[registerEdges]), [UInt32(heap.table.row(containing: Address(held))!)])
        XCTAssertEqual(Array(graph.labelEdgeSources[registerEdges]), [0], "a register has no address")
        let unlabeled = (64..<96).compactMap { word -> UInt32? in
            let value = (try? heap.memory.readUInt64(at: Address(stack + UInt64(word) * 8))) ?? 0
            return oracle.row(containing: value).map(UInt32.init)
        }
        XCTAssertEqual(graph.unlabeledRootTargets, Array(Set(unlabeled)).sorted())
        XCTAssertEqual(graph.rootTargets, Array(Set(unlabeled + graph.labelEdgeTargets)).sorted())
    }
}
