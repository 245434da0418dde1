import Analysis
import CoreFile
@testable import Reports
import XCTest

/// `heap --profile-retained`'s stacks on a hand-made heap whose dominator tree is known.
final class RetainedProfileTests: XCTestCase {
    /// main.a → A(T1, 100 B) → B(T2, 10 B) → D(T3, 5 B), A → C(T2, 10 B); F(T3, 3 B) is held by
    /// both main.a and main.b; E(T1, 7 B) is garbage.
    private func heap() -> (DominatorTree, AllocationTable, [RootLabel], TypeTable) {
        var types = TypeTable()
        let t1 = types.intern("T1", size: 0, kind: .runtimeType), t2 = types.intern("T2", size: 0, kind: .runtimeType)
        let t3 = types.intern("T3", size: 0, kind: .runtimeType)
        var builder = AllocationTableBuilder()
        for (index, (type, size)) in [(t1, 100), (t2, 10), (t2, 10), (t3, 5), (t1, 7), (t3, 3)].enumerated() {
            builder.append(address: Address(0x1000 + UInt64(index) * 0x100), size: UInt64(size), state: .live, type: type)
        }
        let table = builder.build().table
        let labels = [RootLabel(kind: .global, name: "main.a"), RootLabel(kind: .global, name: "main.b")]
        let graph = ObjectGraph(successors: [[1, 2], [3], [], [], [], []], rootLabels: labels, labelTargets: [[0, 5], [5]])
        return (DominatorTree(graph: graph, sizes: table.sizes), table, labels, types)
    }

    /// Each sample as its frames from the root down, with its objects and bytes.
    private func samples(depth: Int) -> [String: [Int64]] {
        let (tree, table, labels, types) = heap()
        let profile = PprofRetainedProfile.build(tree: tree, table: table, labels: labels, types: types, maximumDepth: depth)
        let names = Dictionary(uniqueKeysWithValues: profile.function.map { ($0.id, profile.stringTable[Int($0.name)]) })
        return Dictionary(uniqueKeysWithValues: profile.sample.map { sample in
            (sample.locationID.reversed().map { names[$0]! }.joined(separator: " > "), sample.value)
        })
    }

    func testPathsRunFromTheRootThroughDominatingTypesAndMerge() {
        XCTAssertEqual(samples(depth: 32), [
            "global main.a > T1": [1, 100],
            "global main.a > T1 > T2": [2, 20],  // B and C: one path
            "global main.a > T1 > T2 > T3": [1, 5],
            "[reachable from several roots] > T3": [1, 3],
        ])
    }

    func testDepthCapCountsDeeperObjectsAtTheCap() {
        XCTAssertEqual(samples(depth: 2), [
            "global main.a > T1": [1, 100],
            "global main.a > T1 > T2": [3, 25],
            "[reachable from several roots] > T3": [1, 3],
        ])
    }
}
