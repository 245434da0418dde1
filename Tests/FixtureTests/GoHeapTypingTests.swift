import Analysis
import CoreFile
import GoRuntime
import XCTest

/// Heap typing against the go-heap program's own per-type counts of live objects.
final class GoHeapTypingTests: XCTestCase {
    private struct Truth: Decodable {
        struct TypeCount: Decodable { var type: String; var count: Int; var slot: Int; var bytes: Int }
        struct StringData: Decodable { var count: Int; var slot: Int }
        var go_version: String
        var types: [TypeCount]
        var stringData: StringData?
    }

    private func typed(_ fixture: Fixture) throws -> (GoHeap, GoHeapTypingSummary) {
        let opened = try fixture.opened()
        let go = try opened.go
        var heap = try GoHeap.read(process: opened.process, go: go)
        let catalog = try GoTypeCatalog(process: go, memory: opened.process.memory)
        let summary = GoHeapTyping.assignTypes(to: &heap, catalog: catalog, process: opened.process, go: go)
        return (heap, summary)
    }

    func testPerTypeCountsEqualTheProgramsOwn() throws {
        let fixtures = try Fixtures.all().filter { $0.name.hasPrefix("go-heap") }
        for fixture in fixtures {
            let truth = try fixture.truth(Truth.self)
            let (heap, summary) = try typed(fixture)
            var counts: [String: Int] = [:]
            for row in 0..<heap.table.count { counts[heap.typeTable.name(of: heap.table.typeIDs[row]), default: 0] += 1 }
            let fraction = Double(summary.typedObjects) / Double(heap.table.count)
            print("TYPING \(fixture) typed \(summary.typedObjects)/\(heap.table.count) = \(String(format: "%.3f", fraction)) \(summary.objects) globals \(summary.globalRoots) ifaces \(summary.interfaceRoots) notes \(summary.notes) warnings \(summary.warnings)")
            for type in truth.types {
                let got = counts[type.type] ?? 0
                print("  \(got == type.count ? "ok " : "BAD") \(type.type): \(got) truth \(type.count)")
            }
            if let strings = truth.stringData { print("  string data \(counts["string data"] ?? 0) truth \(strings.count)") }
        }
    }
}
