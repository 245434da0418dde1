import Analysis
import Foundation
import CoreFile
import GoRuntime
import XCTest

/// Retained sizes from the dominator tree against the go-heap program's own accounting of
/// what its roots hold exclusively, on every release, DWARF and stripped; and against
/// brute force (take the root away, mark again, measure the loss).
///
/// A goroutine root is the goroutine as a whole (its label group): its stack is scanned
/// conservatively, and from Go 1.22 a dead slot of `runtime.chanrecv`'s frame still holds a
/// copy of `main.stackHolder`'s list head, so neither frame alone retains the list.
final class GoRetainedTests: XCTestCase {
    private struct Measured {
        var labels: [Int]
        var objects: Int
        var bytes: UInt64
    }

    /// The truth root's labels and what the tree says they retain: the goroutine's group, or
    /// the global's label (a stripped core may split a global into one label per word).
    private func measure(_ root: String, in marked: MarkedGoHeaps.Marked, tree: DominatorTree) throws -> Measured {
        let graph = marked.marking.graph
        let matcher = try RootLabelMatcher(fixture: marked.fixture, graph: graph, go: marked.go)
        let goroutine = RootLabelMatcher.goroutine(of: root, in: marked.truth)
        if let goroutine, let group = tree.groupNames.firstIndex(of: "goroutine \(goroutine)") {
            let labels = tree.labelGroups.indices.filter { tree.labelGroups[$0] == Int32(group) }
            return Measured(labels: labels, objects: tree.groupRetainedObjects[group], bytes: tree.groupRetainedBytes[group])
        }
        let labels = matcher.labels(root: root, goroutine: goroutine)
        return Measured(labels: labels, objects: labels.reduce(0) { $0 + tree.labelRetainedObjects[$1] },
                        bytes: labels.reduce(0) { $0 + tree.labelRetainedBytes[$1] })
    }

    func testTruthRootsRetainWhatTheProgramCounted() throws {
        for marked in try MarkedGoHeaps.shared.all() {
            let tree = DominatorTree(graph: marked.marking.graph, sizes: marked.marking.table.sizes)
            for root in marked.truth.retained {
                let measured = try measure(root.root, in: marked, tree: tree)
                XCTAssertFalse(measured.labels.isEmpty, "\(marked.fixture): no label for \(root.root)")
                XCTAssertEqual(measured.objects, root.objects, "\(marked.fixture): \(root.root) objects")
                XCTAssertEqual(measured.bytes, root.bytes, "\(marked.fixture): \(root.root) bytes")
            }
        }
    }

    /// On one small core per release family, the tree's answer for each truth root equals
    /// marking again without that root's labels.
    func testRetainedSizesEqualMarkingAgainWithoutTheRoot() throws {
        let small = try MarkedGoHeaps.shared.all().filter { ["go1.21.13", "go1.26.6"].contains($0.fixture.name.split(separator: "/").last) }
        XCTAssertEqual(small.count, 6, "fixtures missing: gcore and kernel cores, DWARF and stripped")
        for marked in small {
            let graph = marked.marking.graph
            let sizes = marked.marking.table.sizes
            let tree = DominatorTree(graph: graph, sizes: sizes)
            let before = graph.reachableRows()
            for root in marked.truth.retained {
                let measured = try measure(root.root, in: marked, tree: tree)
                let removed = Set(measured.labels)
                let starts = graph.rootLabels.indices.filter { !removed.contains($0) }.flatMap { graph.rootEdges(ofLabel: $0) }
                let after = graph.reachableRows(from: (starts + graph.unlabeledRootTargets).map { Int($0) })
                let lost = (0..<graph.rowCount).filter { before[$0] && !after[$0] }
                XCTAssertEqual(measured.objects, lost.count, "\(marked.fixture): \(root.root)")
                XCTAssertEqual(measured.bytes, lost.reduce(0) { $0 + sizes[$1] }, "\(marked.fixture): \(root.root)")
            }
        }
    }

    /// Each object the truth names is dominated by its root's label or group, or, shared
    /// between roots, by the virtual root (then its root still reaches it: GoRootLabelTests).
    func testTruthObjectsHangBelowTheirRootOrAreShared() throws {
        for marked in try MarkedGoHeaps.shared.all() {
            let graph = marked.marking.graph
            let tree = DominatorTree(graph: graph, sizes: marked.marking.table.sizes)
            let matcher = try RootLabelMatcher(fixture: marked.fixture, graph: graph, go: marked.go)
            for object in marked.truth.objects {
                guard let row = marked.marking.table.row(containing: GoHeapRootTruth.address(object.address)) else {
                    XCTFail("\(marked.fixture): \(object.what) is not an object")
                    continue
                }
                let labels = matcher.labels(root: object.root, goroutine: object.goroutine)
                let label = Int(tree.dominatingLabels[row])
                let group = Int(tree.dominatingGroups[row])
                let groupOfRoot = object.goroutine.flatMap { tree.groupNames.firstIndex(of: "goroutine \($0)") }
                XCTAssertTrue(labels.contains(label) || (group >= 0 && group == groupOfRoot)
                              || (label < 0 && group < 0 && tree.dominator(of: row) != .unreachable),
                              "\(marked.fixture): \(object.what) dominated by \(tree.dominator(of: row)), not \(object.root)")
            }
        }
    }

    /// A binary linked with symbols but without DWARF (`-w` alone; here the DWARF binary
    /// through `objcopy --strip-debug`) names its globals by ELF symbol, and they retain the same.
    func testGlobalsOfABinaryWithoutDWARFAreNamedByTheirSymbols() throws {
        let fixture = Fixture(directory: Fixtures.testCores + "/go-heap/go1.26.6", dump: "gcore")
        struct Executable: Decodable { var exe: String }
        let original = try fixture.executable(named: try fixture.truth(Executable.self).exe)
        let directory = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let executable = directory + "/go-heap"
        let strip = try Shell.run("/usr/bin/objcopy", ["--strip-debug", original, executable])
        XCTAssertEqual(strip.status, 0, strip.stderr)
        let opened = try OpenedFixtures.shared.open(fixture, core: try fixture.core(), executable: executable)
        let go = try opened.go
        XCTAssertNil(go.globals.dwarf, "objcopy left DWARF behind")
        let heap = try GoHeap.read(process: opened.process, go: go)
        let catalog = try? GoTypeCatalog(process: go, memory: opened.process.memory, types: heap.typeTable)
        let marking = heap.marked(process: opened.process, go: go, catalog: catalog)
        let tree = DominatorTree(graph: marking.graph, sizes: marking.table.sizes)
        let truth = try fixture.truth(GoHeapRootTruth.self)
        for root in truth.retained where RootLabelMatcher.goroutine(of: root.root, in: truth) == nil {
            let labels = marking.graph.rootLabels.indices.filter { marking.graph.rootLabels[$0].name == root.root }
            XCTAssertEqual(labels.count, 1, "\(root.root)")
            XCTAssertEqual(labels.map { tree.labelRetainedObjects[$0] }, [root.objects], "\(root.root)")
            XCTAssertEqual(labels.map { tree.labelRetainedBytes[$0] }, [root.bytes], "\(root.root)")
        }
    }
}
