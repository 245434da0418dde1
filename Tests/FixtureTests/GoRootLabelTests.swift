import Analysis
import CoreFile
import GoRuntime
import XCTest

/// The labels marking gives the roots, against the go-heap program's own truth: every root
/// word has one, the globals and the goroutine the truth names have theirs, and every object
/// the truth lists is reachable from the label of its root.
final class GoRootLabelTests: XCTestCase {
    private func markedFixtures() throws -> [(Fixture, GoHeapRootTruth, GoProcess, GoHeapMarking)] {
        try MarkedGoHeaps.shared.all().map { ($0.fixture, $0.truth, $0.go, $0.marking) }
    }

    func testEveryRootWordHasALabel() throws {
        for (fixture, _, _, marking) in try markedFixtures() {
            let graph = marking.graph
            XCTAssertEqual(graph.unlabeledRootTargets, [], "\(fixture)")
            XCTAssertEqual(graph.labelEdgeOffsets.count, graph.rootLabels.count + 1, "\(fixture)")
            XCTAssertEqual(graph.labelEdgeSources.count, graph.labelEdgeTargets.count, "\(fixture)")
            XCTAssertEqual(Set(graph.labelEdgeTargets), Set(graph.rootTargets), "\(fixture)")
            let kinds = Set(graph.rootLabels.map(\.kind))
            for kind in [RootKind.global, .goroutine, .thread, .finalizer] {
                XCTAssertTrue(kinds.contains(kind), "\(fixture): no \(kind) label")
            }
        }
    }

    func testTruthRootsHaveLabelsOfTheirKind() throws {
        for (fixture, truth, go, marking) in try markedFixtures() {
            let matcher = try RootLabelMatcher(fixture: fixture, graph: marking.graph, go: go)
            for object in truth.objects {
                let labels = matcher.labels(root: object.root, goroutine: object.goroutine)
                XCTAssertFalse(labels.isEmpty, "\(fixture): no label for \(object.root)")
                guard !matcher.stripped || object.goroutine != nil else { continue }
                let kind = RootKind(rawValue: object.rootKind)
                for label in labels { XCTAssertEqual(marking.graph.rootLabels[label].kind, kind, "\(fixture): \(object.root)") }
            }
        }
    }

    func testTruthObjectsAreReachableFromTheirRootsLabels() throws {
        for (fixture, truth, go, marking) in try markedFixtures() {
            let graph = marking.graph
            let matcher = try RootLabelMatcher(fixture: fixture, graph: graph, go: go)
            for object in truth.objects {
                let labels = matcher.labels(root: object.root, goroutine: object.goroutine)
                let starts = labels.flatMap { graph.rootEdges(ofLabel: $0).map { Int($0) } }
                let reachable = graph.reachableRows(from: starts)
                guard let row = marking.table.row(containing: GoHeapRootTruth.address(object.address)) else {
                    XCTFail("\(fixture): \(object.what) is not an object")
                    continue
                }
                XCTAssertTrue(reachable[row], "\(fixture): \(object.what) not reachable from \(object.root)'s labels \(labels)")
            }
        }
    }
}
