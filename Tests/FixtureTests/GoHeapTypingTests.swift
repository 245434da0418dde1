import Analysis
import CoreFile
import GoRuntime
import XCTest

/// Heap typing against the go-heap program's own per-type counts of live objects (it counts
/// only its own types; garbage is main.Garbage only), on every release, DWARF and stripped,
/// gcore and kernel cores.
final class GoHeapTypingTests: XCTestCase {
    private struct Truth: Decodable {
        struct TypeCount: Decodable { var type: String; var count: Int }
        struct StringData: Decodable { var count: Int }
        struct Container: Decodable { var root: String; var len: Int }
        var go_version: String
        var stripped: Bool
        var types: [TypeCount]
        var stringData: StringData
        var containers: [Container]
    }

    /// Types the truth counts per object that are never one row each, on any build.
    private static let notRows = [
        "main.Tiny": "1000 4-byte objects share 250 16-byte tiny-allocator blocks; a block is one row, typed by none of them",
        "main.Node": "held only by main.stackHolder's stack: typing starts from globals and heap objects, stacks are not typed",
    ]

    /// On stripped builds from Go 1.22: objects that no typed object reaches. Stripped binaries
    /// have no typed globals, and these are held by globals only (directly or through a
    /// backing array of at most 512 B, which has no malloc header), or have no pointers (no
    /// header, no largeType) and are held by such globals.
    private static let strippedUnreachable = [
        "main.Blob", "main.PoolItem", "[5000]uint8", "[300]main.Entry", "[1024]runtime.MemProfileRecord", "[1204224]uint8",
        "main.Resource", "main.Handle", "[4]main.Entry", "[50]*[4]main.Entry", "[4]*main.Arena", "[3]*main.Blob", "[16][]uint8",
    ]

    /// The sessions only main.sessionCh holds: its hchan and its 512-byte buffer carry no type,
    /// and the channel is a global, so a stripped build types none of them (nor their Entry).
    private static let channelOnlyTypes: Set = ["main.Session", "main.Entry"]

    private func typed(_ fixture: Fixture) throws -> (GoHeap, GoHeapTypingSummary, GoTypeCatalog) {
        let opened = try fixture.opened()
        let go = try opened.go
        var heap = try GoHeap.read(process: opened.process, go: go)
        let catalog = try GoTypeCatalog(process: go, memory: opened.process.memory)
        let summary = GoHeapTyping.assignTypes(to: &heap, catalog: catalog, process: opened.process, go: go)
        return (heap, summary, catalog)
    }

    func testPerTypeCountsEqualTheProgramsOwn() throws {
        let fixtures = Fixtures.all().filter { $0.name.hasPrefix("go-heap") }
        XCTAssertGreaterThanOrEqual(fixtures.count, 21, "go-heap fixtures missing")
        for fixture in fixtures {
            let truth = try fixture.truth(Truth.self)
            let release = try XCTUnwrap(GoRelease(truth.go_version))
            let (heap, summary, catalog) = try typed(fixture)
            var counts: [String: Int] = [:]
            for row in 0..<heap.table.count { counts[heap.typeTable.name(of: heap.table.typeIDs[row]), default: 0] += 1 }
            let fraction = Double(summary.typedObjects) / Double(heap.table.count)
            print("\(fixture): typed \(summary.typedObjects) of \(heap.table.count) objects (\(String(format: "%.1f", fraction * 100))%)")
            XCTAssertEqual(summary.typedObjects + summary.untypedObjects, heap.table.count, "\(fixture)")
            XCTAssertEqual(heap.typeTable.names, catalog.types.names, "\(fixture): the heap names rows with the catalog's ids")
            XCTAssertEqual(summary.warnings, [], "\(fixture)")
            // No program object is reached as two unrelated types, no global of the program lacks a
            // descriptor, and no allocation was in flight at dump time: a note here is news.
            XCTAssertEqual(summary.notes.map(\.message), [], "\(fixture)")

            let channelSessions = try XCTUnwrap(truth.containers.first { $0.root == "main.sessionCh" }).len
            for type in truth.types {
                let got = counts[type.type] ?? 0
                let expected: Int
                if Self.notRows[type.type] != nil {
                    expected = 0
                } else if !truth.stripped {
                    expected = type.count
                } else if !release.hasMallocHeaders {
                    // Before 1.22 no object records its type, and the interface words of data and
                    // bss hold static values only: nothing of the program's is reached.
                    expected = 0
                } else if Self.strippedUnreachable.contains(type.type) {
                    expected = 0
                } else if Self.channelOnlyTypes.contains(type.type) {
                    expected = type.count - channelSessions
                } else {
                    expected = type.count
                }
                XCTAssertEqual(got, expected, "\(fixture): \(type.type) (truth \(type.count))")
            }
            if !truth.stripped {
                // The runtime's own strings (arguments, environment, package state) count too.
                XCTAssertGreaterThanOrEqual(counts["string data"] ?? 0, truth.stringData.count, "\(fixture)")
                XCTAssertGreaterThan(fraction, 0.75, "\(fixture): measured 80-82% on every release")
            } else if release.hasMallocHeaders {
                XCTAssertGreaterThan(fraction, 0.75, "\(fixture): measured 76-78% on every release from 1.22")
            }
        }
    }

    /// Rows no type reached keep the walk's own names, never "[unknown]".
    func testUntypedRowsKeepTheirSizeClassNames() throws {
        let fixture = try XCTUnwrap(Fixtures.all().first { $0.name.hasPrefix("go-heap") && $0.dump.contains("stripped") })
        let (heap, summary, _) = try typed(fixture)
        var untyped = 0
        for row in 0..<heap.table.count {
            let name = heap.typeTable.name(of: heap.table.typeIDs[row])
            XCTAssertNotEqual(name, "[unknown]")
            if heap.typeTable.kind(of: heap.table.typeIDs[row]) != .runtimeType {
                XCTAssertTrue(name.hasPrefix("[size class ") || name.hasSuffix(" bytes]"), name)
                untyped += 1
            }
        }
        XCTAssertEqual(untyped, summary.untypedObjects, "\(fixture)")
    }
}
