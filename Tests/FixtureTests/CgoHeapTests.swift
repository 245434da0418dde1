import Analysis
import CoreFile
import Foundation
import GlibcMalloc
import ProcessImage
import XCTest

/// One go-cgo dump: a Go program whose C half ran the c-heap scenario on four C threads and
/// asked C for blocks only Go holds (TestCores/README.md, "go-cgo"). truth.json is the C
/// manifest (c-heap's shape) with the Go half's truth under "go".
struct GoCgoFixture {
    static let releases = ["go1.26.6", "go1.22.10"]

    struct GoHalf: Decodable {
        struct MemStats: Decodable { var HeapObjects: UInt64; var HeapAlloc: UInt64 }
        struct TypeCount: Decodable { var type: String; var count: UInt64 }
        var goVersion: String
        var memstats: MemStats
        var types: [TypeCount]
    }

    private struct GoProbe: Decodable { var go: GoHalf }

    let release: String
    let directory: String
    let truth: CHeapTruth
    let go: GoHalf
    let leaks: CHeapLeakTruth

    init(release: String) throws {
        self.release = release
        directory = Fixtures.testCores + "/go-cgo/\(release)"
        guard FileManager.default.fileExists(atPath: directory + "/core.xz") else {
            throw XCTSkip("go-cgo \(release) fixture is not committed")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/truth.json"))
        truth = try JSONDecoder().decode(CHeapTruth.self, from: data)
        go = try JSONDecoder().decode(GoProbe.self, from: data).go
        leaks = try JSONDecoder().decode(CHeapLeakTruth.self, from: data)
    }

    func core() throws -> String { try Fixtures.decompressed(directory + "/core.xz") }
    /// Only the newest release keeps a stripped twin (TestCores/ stays small).
    var hasStrippedTwin: Bool { FileManager.default.fileExists(atPath: directory + "/go-cgo.stripped.xz") }
    func executable(stripped: Bool) throws -> String {
        try Fixtures.decompressed(directory + (stripped ? "/go-cgo.stripped.xz" : "/go-cgo.xz"))
    }

    /// C blocks that only Go holds: a live Go object's field, or a parked goroutine's local.
    func goHeld() throws -> [CHeapTruth.Allocation] {
        struct Rooted: Decodable { struct Allocation: Decodable { var root: String? }; var allocations: [Allocation] }
        let roots = try JSONDecoder().decode(Rooted.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/truth.json")))
        return zip(truth.allocations, roots.allocations).compactMap { allocation, rooted in
            guard let root = rooted.root, root.hasPrefix("go heap") || root == "goroutine stack" else { return nil }
            return allocation
        }
    }
}

/// `heap` and `leaks` on a cgo program: the Go heap exact against its MemStats, the C heap
/// exact against its mallinfo2 and manifest, each reported on its own; the C heap's leaks with
/// the Go heap as roots.
final class CgoHeapTests: XCTestCase {
    private struct HeapDocument: Decodable {
        struct Group: Decodable { var type: String; var count: UInt64 }
        struct Totals: Decodable { var objects: UInt64; var bytes: UInt64 }
        struct Glibc: Decodable { var glibcVersion: String; var mallinfo: [String: UInt64] }
        struct Result: Decodable { var types: [Group]; var totals: Totals; var glibc: Glibc? }
        var result: Result
    }

    private struct LeaksDocument: Decodable {
        struct Allocation: Decodable { var address: String; var kind: String; var leader: String? }
        struct Result: Decodable { var heap: String; var allocations: [Allocation]; var overBudget: Bool }
        var result: Result
    }

    func testHeapGivesTheGoHeapExactlyAndTheCHeapBesideIt() throws {
        for release in GoCgoFixture.releases {
            let fixture = try GoCgoFixture(release: release)
            for stripped in fixture.hasStrippedTwin ? [false, true] : [false] {
                let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(stripped: stripped),
                                                    "--top", "100000", "--json"])
                XCTAssertEqual(result.status, 0, "\(release) stripped \(stripped): \(result.stderr)")
                let document = try JSONDecoder().decode(HeapDocument.self, from: Data(result.stdout.utf8))
                XCTAssertEqual(document.result.totals.objects, fixture.go.memstats.HeapObjects, "\(release) stripped \(stripped)")
                XCTAssertEqual(document.result.totals.bytes, fixture.go.memstats.HeapAlloc, "\(release) stripped \(stripped)")
                let glibc = try XCTUnwrap(document.result.glibc, "\(release): the C heap is reported too")
                XCTAssertEqual(glibc.glibcVersion, fixture.truth.glibc)
                XCTAssertEqual(glibc.mallinfo, fixture.truth.mallinfo2, "\(release) stripped \(stripped): mallinfo2 field by field")
                guard !stripped else { continue }
                // With DWARF the program's own types are rows, each with the program's live count.
                let shown = Dictionary(document.result.types.map { ($0.type, $0.count) }, uniquingKeysWith: +)
                XCTAssertFalse(fixture.go.types.isEmpty)
                for counted in fixture.go.types {
                    XCTAssertEqual(shown[counted.type] ?? 0, counted.count, "\(release): live \(counted.type)")
                }
            }
        }
    }

    func testHeapTextHasOneSectionPerHeap() throws {
        let fixture = try GoCgoFixture(release: GoCgoFixture.releases[0])
        let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(stripped: false), "--top", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let go = try XCTUnwrap(result.stdout.range(of: "Go \(fixture.go.goVersion) heap by type"), result.stdout)
        let glibc = try XCTUnwrap(result.stdout.range(of: "glibc \(fixture.truth.glibc) heap: chunks in use"), result.stdout)
        XCTAssertLessThan(go.lowerBound, glibc.lowerBound)
        XCTAssertTrue(result.stdout.contains("= MemStats HeapObjects \(fixture.go.memstats.HeapObjects), HeapAlloc \(fixture.go.memstats.HeapAlloc) exactly"))
    }

    /// `result.glibc` is the C heap's result as `heap` prints it for a C program: the same keys,
    /// and the Go result's own keys unchanged beside it.
    func testTheGlibcKeyHoldsWhatHeapPrintsForACProgram() throws {
        func resultKeys(_ arguments: [String]) throws -> (top: Set<String>, glibc: Set<String>) {
            let result = try Shell.coreinspect(["heap"] + arguments + ["--json"])
            XCTAssertLessThanOrEqual(result.status, 1, "\(arguments): \(result.stderr)")
            let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let object = try XCTUnwrap(document["result"] as? [String: Any])
            return (Set(object.keys), Set((object["glibc"] as? [String: Any])?.keys.map { $0 } ?? []))
        }
        let fixture = try GoCgoFixture(release: GoCgoFixture.releases[0])
        let cgo = try resultKeys([try fixture.core(), "--exe", try fixture.executable(stripped: false)])
        let cHeap = try CHeapFixture(release: "2.36")
        let c = try resultKeys([try Fixtures.decompressed(cHeap.directory + "/core.xz"), "--exe", cHeap.directory + "/c-heap"])
        let goHeap = try XCTUnwrap(Fixtures.all().first { $0.name.hasPrefix("go-heap") && $0.dump == "gcore" })
        let go = try resultKeys([try goHeap.core(), "--exe", try goHeap.executable(named: "go-heap")])
        XCTAssertEqual(cgo.glibc, c.top)
        XCTAssertEqual(cgo.top, go.top.union(["glibc"]))
        XCTAssertTrue(go.glibc.isEmpty, "a Go program without cgo has no glibc key")
    }

    private static let places: [String: GlibcChunkPlace] = [
        "tcache": .tcache, "fastbin": .fastbin, "unsorted": .unsorted, "smallbin": .smallBin, "largebin": .largeBin,
    ]

    /// The walker in a Go process: every block of the manifest in its class and free structure,
    /// in more than one arena.
    func testEveryCAllocationIsInItsClassAndFreeStructure() throws {
        for release in GoCgoFixture.releases { try checkEveryCAllocation(try GoCgoFixture(release: release)) }
    }

    private func checkEveryCAllocation(_ fixture: GoCgoFixture) throws {
        let search = FileSearch(executable: try fixture.executable(stripped: fixture.hasStrippedTwin))
        let heap = try GlibcHeap.read(process: try ProcessImage(corePath: try fixture.core(), search: search), symbols: nil)
        XCTAssertEqual(heap.warnings, [], fixture.release)
        XCTAssertEqual(Set(fixture.truth.allocations.compactMap(\.arena)).count, 6, "\(fixture.release): main, four C threads' arenas, mmapped")
        var checked = 0
        for allocation in fixture.truth.allocations where allocation.free != "top" {
            guard let row = heap.table.row(containing: Address(allocation.addressValue)),
                  heap.table.addresses[row] == allocation.addressValue else {
                XCTFail("\(fixture.release): no chunk at \(allocation.address) (\(allocation.class))")
                continue
            }
            XCTAssertEqual(heap.table.sizes[row], allocation.usable, allocation.address)
            if let free = allocation.free {
                XCTAssertEqual(heap.word(of: row).place, Self.places[free], "\(allocation.address) freed into \(free)")
            } else {
                XCTAssertEqual(heap.table.states[row], .unknown, "\(allocation.address) \(allocation.class) is in use")
                XCTAssertFalse(heap.isLibcOwned(row), allocation.address)
            }
            if let type = allocation.type { XCTAssertEqual(heap.types.name(of: heap.table.typeIDs[row]), type) }
            checked += 1
        }
        XCTAssertEqual(checked, fixture.truth.allocations.filter { $0.free != "top" }.count, fixture.release)
    }

    func testLeaksAreExactlyTheManifestsWithTheGoHeapAsRoots() throws {
        for release in GoCgoFixture.releases { try checkLeaks(try GoCgoFixture(release: release)) }
    }

    private func checkLeaks(_ fixture: GoCgoFixture) throws {
        for stripped in fixture.hasStrippedTwin ? [false, true] : [false] {
            let result = try Shell.coreinspect(["leaks", try fixture.core(), "--exe", try fixture.executable(stripped: stripped), "--json"])
            XCTAssertEqual(result.status, 7, "\(fixture.release) stripped \(stripped): \(result.stderr)")
            let document = try JSONDecoder().decode(LeaksDocument.self, from: Data(result.stdout.utf8))
            XCTAssertEqual(document.result.heap, "glibc \(fixture.truth.glibc) (cgo)")
            let leaked = fixture.leaks.allocations.filter { ["direct", "indirect", "possible"].contains($0.class) }
            XCTAssertEqual(Set(leaked.map(\.class)), ["direct", "indirect", "possible"])
            XCTAssertEqual(Set(document.result.allocations.map(\.address)), Set(leaked.map(\.address)), "\(fixture.release) stripped \(stripped)")
            let reported = Dictionary(uniqueKeysWithValues: document.result.allocations.map { ($0.address, $0) })
            for allocation in leaked {
                let expected = allocation.cycle != nil && allocation.address == allocation.leader ? "direct" : allocation.class
                XCTAssertEqual(reported[allocation.address]?.kind, expected, allocation.address)
                if allocation.class == "indirect" { XCTAssertEqual(reported[allocation.address]?.leader, allocation.leader) }
            }
            for held in try fixture.goHeld() { XCTAssertNil(reported[held.address], "\(held.address) is held from Go") }
        }
    }

    /// What keeps the Go-held blocks in the previous test is the Go heap: the native roots alone
    /// (C globals, thread stacks, TLS, module data) reach none of them.
    func testTheNativeRootsAloneWouldLeakWhatGoHolds() throws {
        let fixture = try GoCgoFixture(release: GoCgoFixture.releases[0])
        let process = try ProcessImage(corePath: try fixture.core(), search: FileSearch(executable: try fixture.executable(stripped: true)))
        let heap = try GlibcHeap.read(process: process, symbols: nil)
        let check = NativeLeakCheck(table: heap.table, process: process, allocatorOwned: heap.isLibcOwned,
                                    headerBytes: GlibcHeap.chunkHeaderBytes)
        let held = try fixture.goHeld()
        // main.go: nRefs blocks and one child each, nHandles, nStackBlocks.
        XCTAssertEqual(held.count, 40 + 40 + 30 + 5)
        for allocation in held {
            let row = try XCTUnwrap(heap.table.row(containing: Address(allocation.addressValue)))
            XCTAssertTrue(check.classification.kinds[row].isLeak, "\(allocation.address) would leak without Go's roots")
        }
    }
}
