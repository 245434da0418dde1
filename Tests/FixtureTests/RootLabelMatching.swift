import Analysis
import CoreFile
import GoRuntime
import Foundation
import XCTest

/// The go-heap truth's roots (`retained`, `objects`), and how to find the labels that stand
/// for them in a marked core.
struct GoHeapRootTruth: Decodable {
    struct Retained: Decodable { var root: String; var objects: Int; var bytes: UInt64 }
    struct Object: Decodable {
        var what: String
        var type: String
        var address: String
        var root: String
        var rootKind: String
        var goroutine: Int64?
    }
    var retained: [Retained]
    var objects: [Object]
    var stripped: Bool?

    static func address(_ text: String) -> Address { Address(UInt64(text.dropFirst(2), radix: 16) ?? 0) }
}

/// Finds a truth root's labels: by name with DWARF; in a stripped core, by the addresses of
/// the root words, which lie inside the variable as the same release's DWARF binary places
/// it, moved by as much as its section moved (stripping removes symbols and DWARF, which can
/// shift the sections by a few bytes, as on 1.22, but keeps their order and contents).
struct RootLabelMatcher {
    let graph: ObjectGraph
    /// Run-time extents of the globals, from the DWARF twin for a stripped core.
    let variables: [String: AddressRange]
    let stripped: Bool

    init(fixture: Fixture, graph: ObjectGraph, go: GoProcess) throws {
        self.graph = graph
        let twin: GoProcess
        if go.globals.dwarf == nil {
            stripped = true
            let dump = fixture.dump.replacingOccurrences(of: "-stripped", with: "")
            twin = try Fixture(directory: fixture.directory, dump: dump).opened().go
        } else {
            stripped = false
            twin = go
        }
        var variables: [String: AddressRange] = [:]
        let sections = [\GoSymbolTable.ModuleData.data, \GoSymbolTable.ModuleData.bss].compactMap { section -> (AddressRange, Int64)? in
            guard let from = twin.symbols.moduleData?[keyPath: section], let to = go.symbols.moduleData?[keyPath: section]
            else { return nil }
            return (from, Int64(bitPattern: to.start.rawValue &- from.start.rawValue))
        }
        if let dwarf = twin.globals.dwarf {
            for variable in dwarf.typedVariables() {
                guard let size = dwarf.variableSize(variable.name) else { continue }
                let start = Address(variable.address &+ twin.globals.bias)
                let shift = sections.first { $0.0.contains(start) }?.1 ?? 0
                variables[variable.name] = AddressRange(start: Address(UInt64(bitPattern: Int64(bitPattern: start.rawValue) &+ shift)),
                                                        size: size)
            }
        }
        self.variables = variables
    }

    /// The labels of a global (or pool) variable, or of a goroutine's frames of `function`.
    func labels(root: String, goroutine: Int64? = nil) -> [Int] {
        if let goroutine {
            return graph.rootLabels.indices.filter {
                graph.rootLabels[$0].kind == .goroutine && graph.rootLabels[$0].name == "goroutine \(goroutine) \(root)"
            }
        }
        if !stripped { return graph.rootLabels.indices.filter { graph.rootLabels[$0].name == root } }
        guard let extent = variables[root] else { return [] }
        return graph.rootLabels.indices.filter { label in
            graph.labelEdgeSources[graph.labelEdgeOffsets[label]..<graph.labelEdgeOffsets[label + 1]]
                .contains { extent.contains(Address($0)) }
        }
    }

    /// The goroutine of the truth's `main.stackHolder`: its id, which the truth gives only
    /// for objects.
    static func goroutine(of root: String, in truth: GoHeapRootTruth) -> Int64? {
        truth.objects.first { $0.root == root && $0.rootKind == "goroutine" }?.goroutine
    }
}

/// Every go-heap core marked once per test run, for the tests of labels, dominators and
/// retained sizes (marking all 21 is the slow part).
final class MarkedGoHeaps: @unchecked Sendable {
    struct Marked {
        var fixture: Fixture
        var truth: GoHeapRootTruth
        var go: GoProcess
        var heap: GoHeap
        var marking: GoHeapMarking
    }

    static let shared = MarkedGoHeaps()
    private let lock = NSLock()
    private var cached: [Marked]?

    func all() throws -> [Marked] {
        try lock.withLock {
            if let cached { return cached }
            let fixtures = Fixtures.all().filter { $0.name.hasPrefix("go-heap") }
            XCTAssertGreaterThanOrEqual(fixtures.count, 21, "go-heap fixtures missing")
            let marked = try fixtures.map { fixture -> Marked in
                let opened = try fixture.opened()
                let go = try opened.go
                var heap = try GoHeap.read(process: opened.process, go: go)
                let catalog = try? GoTypeCatalog(process: go, memory: opened.process.memory, types: heap.typeTable)
                if let catalog { _ = GoHeapTyping.assignTypes(to: &heap, catalog: catalog, process: opened.process, go: go) }
                return Marked(fixture: fixture, truth: try fixture.truth(GoHeapRootTruth.self), go: go, heap: heap,
                              marking: heap.marked(process: opened.process, go: go, catalog: catalog))
            }
            cached = marked
            return marked
        }
    }
}
