import Analysis
import CoreFile
import GoRuntime
import ProcessImage
import XCTest

/// `why` against the go-heap program's truth, on every release, DWARF and stripped, gcore and
/// kernel cores: each object it names under `objects` has a path from the root it names, ending
/// at the object, with the object's type where the core types it; its dropped garbage has none.
final class WhyTests: XCTestCase {
    private struct Garbage: Decodable { var garbageAddresses: [String] }

    /// Types whose objects share a tiny-allocator block: a path leads to the block, which some
    /// other root may reach sooner than the one holding this object.
    private static let sharedBlockTypes: Set = ["main.Tiny"]

    /// Stale pointers to dropped garbage that conservative stack scanning may find (as in GoHeapMarkTests).
    private static let staleStackTolerance = 8

    private struct Opened {
        var truth: GoHeapRootTruth
        var garbageAddresses: [String]
        var finder: GoHeapPathFinder
        var labels: RootLabelMatcher
        var dominators: DominatorTree
        var threads: [ProcessThread]
    }

    private func open(_ fixture: Fixture) throws -> Opened {
        let opened = try fixture.opened()
        let go = try opened.go
        var heap = try GoHeap.read(process: opened.process, go: go)
        let catalog = try GoTypeCatalog(process: go, memory: opened.process.memory, types: heap.typeTable)
        _ = GoHeapTyping.assignTypes(to: &heap, catalog: catalog, process: opened.process, go: go)
        let marking = heap.marked(process: opened.process, go: go, catalog: catalog)
        let finder = GoHeapPathFinder(heap: heap, marking: marking, catalog: catalog, process: go, memory: opened.process.memory,
                                      threads: opened.process.threads)
        return Opened(truth: try fixture.truth(GoHeapRootTruth.self), garbageAddresses: try fixture.truth(Garbage.self).garbageAddresses,
                      finder: finder,
                      labels: try RootLabelMatcher(fixture: fixture, graph: marking.graph, go: go),
                      dominators: DominatorTree(graph: marking.graph, sizes: marking.table.sizes),
                      threads: opened.process.threads)
    }

    private func address(_ text: String) -> Address { Address(UInt64(text.dropFirst(2), radix: 16) ?? 0) }

    /// The path shown starts at the truth's root, or at another root that reaches the object in
    /// as few steps (a map key and a struct field can hold the same string): then the truth's
    /// root must reach it in exactly as many steps, which the search restricted to it shows.
    func testEveryRootedObjectHasAPathFromItsRoot() throws {
        let fixtures = Fixtures.all().filter { $0.name.hasPrefix("go-heap") }
        XCTAssertGreaterThanOrEqual(fixtures.count, 21, "go-heap fixtures missing")
        var typedChecked = 0, ties = 0, indexed = 0
        for fixture in fixtures {
            let opened = try open(fixture)
            let graph = opened.labels.graph
            for object in opened.truth.objects {
                let context = "\(fixture): \(object.what)"
                let expected = opened.labels.labels(root: object.root, goroutine: object.rootKind == "goroutine" ? object.goroutine : nil)
                XCTAssertFalse(expected.isEmpty, "\(context): no label for \(object.root)")
                guard let why = opened.finder.why(address(object.address), dominators: opened.dominators) else {
                    XCTFail("\(context): \(object.address) in no object")
                    continue
                }
                guard let path = why.path, let first = path.steps.first, let last = path.steps.last else {
                    XCTFail("\(context): no path (\(why.object.state))")
                    continue
                }
                XCTAssertEqual(last.to, why.object, context)
                checkChained(path, context)
                checkDominator(why, context)
                checkPredecessors(of: why, finder: opened.finder, context)
                if expected.map({ graph.rootLabels[$0] }).contains(path.root) {
                    // A stripped build's global is a word of its section: nothing says it is a sync.Pool.
                    if !opened.labels.stripped || object.rootKind == "goroutine" {
                        XCTAssertEqual(path.root.kind.rawValue, object.rootKind, context)
                    }
                    if !opened.labels.stripped, object.rootKind != "goroutine" {
                        XCTAssertTrue(first.via.hasPrefix(object.root), "\(context): first step \(first.via)")
                    }
                } else if Self.sharedBlockTypes.contains(object.type) {
                    // The row is the block, which other allocations (with roots of their own) share.
                    XCTAssertNotNil(opened.finder.path(toRow: why.object.row, fromLabels: expected), context)
                } else {
                    let fromTruth = opened.finder.path(toRow: why.object.row, fromLabels: expected)
                    XCTAssertEqual(fromTruth?.steps.count, path.steps.count,
                                   "\(context): shown from \(path.root.name), not from \(object.root), and not a tie")
                    XCTAssertEqual(fromTruth?.steps.last?.to, why.object, context)
                    ties += 1
                }
                if let index = Self.elementIndex(object.what), !Self.sharedBlockTypes.contains(object.type),
                   let fromTruth = opened.finder.path(toRow: why.object.row, fromLabels: expected), fromTruth.steps.count == 2,
                   !isUntyped(fromTruth.steps[0].to.type) {
                    // global → backing array → element: the step names the element's index (after a malloc header too).
                    XCTAssertEqual(fromTruth.steps[1].via, "[\(index)]", context)
                    indexed += 1
                }
                if let expectedType = typedName(object.type), !isUntyped(why.object.type) {
                    XCTAssertEqual(why.object.type, expectedType, context)
                    typedChecked += 1
                }
            }
            checkThreadRoots(opened, String(describing: fixture))
        }
        print("why: \(typedChecked) typed objects checked; \(ties) paths from another root as short as the truth's; "
              + "\(indexed) element indices named")
        XCTAssertGreaterThan(indexed, 50, "too few slice elements to check their index")
        XCTAssertGreaterThan(typedChecked, 100, "too few typed objects to check types")
    }

    /// Every path from the roots passes through a dominator, the one shown included: an
    /// object on it, or the root it starts from.
    private func checkDominator(_ why: GoHeapWhy, _ context: String) {
        guard let path = why.path, let dominator = why.dominator else { return XCTFail("\(context): no dominator") }
        switch dominator {
        case .object(let object):
            XCTAssertTrue(path.steps.dropLast().contains { $0.to == object }, "\(context): dominator \(object.address.hex) not on the path")
        case .root(let label):
            XCTAssertEqual(label, path.root, context)
        case .rootGroup(let group):
            XCTAssertEqual(group, path.root.group, context)
        case .roots:
            break
        }
        XCTAssertGreaterThanOrEqual(why.retainedBytes ?? 0, why.object.size, context)
        XCTAssertGreaterThanOrEqual(why.retainedObjects ?? 0, 1, context)
    }

    /// What `why` lists for garbage, on live objects (the program's garbage points to nothing):
    /// the object each path step leaves is among them, and each holds a word pointing into the
    /// object, read again from the core.
    private func checkPredecessors(of why: GoHeapWhy, finder: GoHeapPathFinder, _ context: String) {
        let sources = finder.sources(pointingTo: why.object.row)
        if let before = why.path?.steps.dropLast().last?.to {
            XCTAssertTrue(sources.contains(before.row), "\(context): \(before.address.hex) not among the predecessors")
        }
        for source in sources.prefix(50) {
            XCTAssertNotNil(finder.pointerWord(in: source, to: why.object.row), "\(context): predecessor row \(source)")
        }
    }

    /// A thread root's step names the register that holds the pointer (registers have no address).
    private func checkThreadRoots(_ opened: Opened, _ context: String) {
        let graph = opened.labels.graph
        var named = 0
        for label in graph.rootLabels.indices where graph.rootLabels[label].kind == .thread {
            guard let target = graph.rootEdges(ofLabel: label).first,
                  let step = opened.finder.path(toRow: Int(target), fromLabels: [label])?.steps.first else { continue }
            let registers = opened.threads.flatMap { thread in
                thread.registers.named.map { (via: "thread \(thread.tid) \($0.name)", value: $0.value) }
            }
            let value = registers.first { $0.via == step.via }?.value
            XCTAssertTrue(value.map { step.to.address.rawValue <= $0 && $0 < step.to.address.rawValue + step.to.size } ?? false,
                          "\(context): \(step.via) does not point into \(step.to.address.hex)")
            named += 1
        }
        XCTAssertGreaterThan(named, 0, "\(context): no thread root to name")
    }

    /// Each step leaves the object the previous one reached, through a word inside it.
    private func checkChained(_ path: GoHeapPath, _ context: String) {
        for (step, next) in zip(path.steps, path.steps.dropFirst()) {
            XCTAssertEqual(next.from, step.to, "\(context): steps do not chain")
            let inside = next.word.map { step.to.address.rawValue <= $0.rawValue && $0.rawValue < step.to.address.rawValue + step.to.size }
            XCTAssertEqual(inside, true, "\(context): a step's word is not in the object it leaves")
        }
    }

    func testDroppedGarbageIsUnreachableAndSaysWhatPointsToIt() throws {
        for fixture in Fixtures.all().filter({ $0.name.hasPrefix("go-heap") }) {
            let opened = try open(fixture)
            var foundLive = 0
            for text in opened.garbageAddresses {
                let why = try XCTUnwrap(opened.finder.why(address(text), dominators: opened.dominators),
                                        "\(fixture): garbage \(text) in no object")
                if why.path != nil {
                    foundLive += 1
                    continue
                }
                XCTAssertEqual(why.object.state, .garbage, "\(fixture): \(text)")
                XCTAssertNil(why.dominator, "\(fixture): garbage has no dominator")
                for predecessor in why.predecessors {
                    // Read again from the core, not from the graph the list came from.
                    XCTAssertNotNil(opened.finder.pointerWord(in: predecessor.row, to: why.object.row),
                                    "\(fixture): \(predecessor.address.hex) holds no pointer to \(text)")
                }
                XCTAssertFalse(why.predecessors.contains { $0.state == .live }, "\(fixture): a live object points to garbage")
            }
            XCTAssertLessThanOrEqual(foundLive, Self.staleStackTolerance, "\(fixture): garbage with a path")
        }
    }

    /// The name `why` gives the truth's type: string bytes are "string data"; a tiny object
    /// shares a 16-byte block with others, which is never typed as one of them.
    private func typedName(_ type: String) -> String? {
        switch type {
        case "string": return "string data"
        case "main.Tiny": return nil
        default: return type
        }
    }

    /// N of a truth object described as `name[N]` ("sessions[0]"), an element of a global slice.
    private static func elementIndex(_ what: String) -> Int? {
        guard what.hasSuffix("]"), let open = what.lastIndex(of: "["), !what.contains(" ") else { return nil }
        return Int(what[what.index(after: open)..<what.index(before: what.endIndex)])
    }

    private func isUntyped(_ name: String) -> Bool {
        name.hasPrefix("[size class ") || name.hasSuffix(" bytes]") || name.hasPrefix("[?]")
    }
}
