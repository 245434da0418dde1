import Analysis
import CoreFile
import GoRuntime
import XCTest

/// Live or garbage against the go-heap program's own truth, on every release, DWARF and
/// stripped, gcore and kernel cores.
///
/// The program drops 500 `main.Garbage` after its last GC, from a frame that has returned;
/// every object it names under `objects` is held by a root. Stacks are scanned
/// conservatively (every word from SP up), so a stale word left in a dead frame can keep a
/// garbage object alive: the tests allow `staleStackTolerance` of them and report how many.
final class GoHeapMarkTests: XCTestCase {
    private struct Truth: Decodable {
        struct Object: Decodable { var what: String; var type: String; var address: String }
        struct CountedType: Decodable { var type: String; var count: Int; var slot: UInt64 }
        struct Garbage: Decodable { var count: Int; var bytes: UInt64 }
        var objects: [Object]
        var types: [CountedType]
        var garbage: Garbage
        var garbageAddresses: [String]
    }

    /// Stale pointers to dropped garbage that conservative stack scanning may find.
    private static let staleStackTolerance = 8
    /// Unreachable objects that are not the program's `main.Garbage`: what the runtime itself
    /// allocated and dropped after the last GC (a timer, a profiling record). Bounded, as the
    /// program allocates nothing after measuring.
    private static let otherGarbageTolerance = 8

    private func markedFixtures() throws -> [(Fixture, Truth, GoHeapMarking)] {
        let fixtures = Fixtures.all().filter { $0.name.hasPrefix("go-heap") }
        XCTAssertGreaterThanOrEqual(fixtures.count, 21, "go-heap fixtures missing")
        return try fixtures.map { fixture in
            let opened = try fixture.opened()
            let go = try opened.go
            let heap = try GoHeap.read(process: opened.process, go: go)
            let catalog = try? GoTypeCatalog(process: go, memory: opened.process.memory, types: heap.typeTable)
            return (fixture, try fixture.truth(Truth.self), heap.marked(process: opened.process, go: go, catalog: catalog))
        }
    }

    private func address(_ text: String) -> Address { Address(UInt64(text.dropFirst(2), radix: 16) ?? 0) }

    func testRootedObjectsAreLiveAndDroppedGarbageIsGarbage() throws {
        for (fixture, truth, marking) in try markedFixtures() {
            let table = marking.table
            XCTAssertFalse(table.states.contains(.unknown), "\(fixture): unmarked rows")
            for object in truth.objects {
                let row = table.row(containing: address(object.address))
                XCTAssertNotNil(row, "\(fixture): \(object.what) at \(object.address) is not an object")
                if let row { XCTAssertEqual(table.states[row], .live, "\(fixture): \(object.what) (\(object.type))") }
            }
            var garbageRows = Set<Int>()
            var foundLive = 0
            for text in truth.garbageAddresses {
                guard let row = table.row(containing: address(text)) else { return XCTFail("\(fixture): garbage \(text) not allocated") }
                garbageRows.insert(row)
                if table.states[row] == .live { foundLive += 1 }
            }
            XCTAssertEqual(truth.garbageAddresses.count, truth.garbage.count, "\(fixture)")
            XCTAssertLessThanOrEqual(foundLive, Self.staleStackTolerance, "\(fixture): garbage found live")
            let otherGarbage = (0..<table.count).filter { table.states[$0] == .garbage && !garbageRows.contains($0) }
            XCTAssertLessThanOrEqual(otherGarbage.count, Self.otherGarbageTolerance,
                                     "\(fixture): unexpected garbage \(otherGarbage.prefix(5).map { table.address(of: $0).hex })")
            if foundLive > 0 || !otherGarbage.isEmpty {
                print("\(fixture): \(foundLive) dropped garbage found live (stale stack words); \(otherGarbage.count) other garbage")
            }
        }
    }

    /// Live + garbage = everything allocated, and no free or unmarked row is left.
    func testLiveAndGarbageAddUpToAllocated() throws {
        for (fixture, _, marking) in try markedFixtures() {
            let tallies = marking.table.tallies
            XCTAssertEqual(tallies.live.count + tallies.garbage.count, UInt64(marking.table.count), "\(fixture)")
            XCTAssertEqual(tallies.live.bytes + tallies.garbage.bytes, marking.table.sizes.reduce(0, +), "\(fixture)")
            XCTAssertEqual(tallies.unknown.count, 0, "\(fixture)")
            XCTAssertEqual(marking.warnings.map(\.message), [], "\(fixture)")
        }
    }

    /// Untyped rows still carry their slot size: the live rows of each slot size are at least
    /// the program's own live objects of that slot (runtime objects share the slots, so not
    /// equal). Tiny allocations share 16-byte blocks and types with slot 0 are not objects of
    /// their own: both are left to the totals.
    func testLiveRowsPerSlotCoverTheProgramsCounts() throws {
        for (fixture, truth, marking) in try markedFixtures() {
            var expected: [UInt64: Int] = [:]
            for counted in truth.types where counted.slot > 16 { expected[counted.slot, default: 0] += counted.count }
            var live: [UInt64: Int] = [:]
            for row in 0..<marking.table.count where marking.table.states[row] == .live { live[marking.table.sizes[row], default: 0] += 1 }
            for (slot, count) in expected {
                XCTAssertGreaterThanOrEqual(live[slot] ?? 0, count, "\(fixture): live objects in \(slot)-byte slots")
            }
        }
    }
}
