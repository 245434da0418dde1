import Foundation
import XCTest

/// `coreinspect leaks` through the built binary: JSON against the c-heap manifest, the exit
/// status around the budget, `--kinds`, and what it says of a Go program.
final class LeaksCommandTests: XCTestCase {
    private struct Document: Decodable {
        struct Tally: Decodable { var count: Int; var bytes: UInt64 }
        struct Totals: Decodable { var direct: Tally; var indirect: Tally; var possible: Tally; var selected: Tally }
        struct Allocation: Decodable { var address: String; var size: UInt64; var kind: String; var leader: String? }
        struct Group: Decodable { var kind: String; var count: Int; var bytes: UInt64 }
        struct Result: Decodable {
            var totals: Totals
            var groups: [Group]
            var allocations: [Allocation]
            var overBudget: Bool
        }

        var command: String
        var result: Result
    }

    private func run(_ release: String, _ extra: [String]) throws -> (status: Int32, document: Document?, truth: CHeapLeakTruth, stderr: String) {
        let fixture = try CHeapFixture(release: release)
        let truth = try JSONDecoder().decode(CHeapLeakTruth.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/truth.json")))
        let core = try Fixtures.decompressed(fixture.directory + "/core.xz")
        let result = try Shell.coreinspect(["leaks", core, "--exe", fixture.directory + "/c-heap.stripped",
                                            "--debug-dir", fixture.directory, "--json"] + extra)
        let document = try? JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
        return (result.status, document, truth, result.stderr)
    }

    func testJSONListsEveryLeakOfTheManifestAndExitsSeven() throws {
        for release in CHeapFixture.releases {
            let (status, document, truth, stderr) = try run(release, [])
            XCTAssertEqual(status, 7, "\(release): \(stderr)")
            let result = try XCTUnwrap(document?.result, release)
            let leaked = truth.allocations.filter { ["direct", "indirect", "possible"].contains($0.class) }
            XCTAssertEqual(Set(result.allocations.map(\.address)), Set(leaked.map(\.address)), release)
            let reported = Dictionary(uniqueKeysWithValues: result.allocations.map { ($0.address, $0) })
            for allocation in leaked {
                let expected = allocation.cycle != nil && allocation.address == allocation.leader ? "direct" : allocation.class
                XCTAssertEqual(reported[allocation.address]?.kind, expected, "\(release) \(allocation.address)")
                if allocation.class == "indirect" {
                    XCTAssertEqual(reported[allocation.address]?.leader, allocation.leader, "\(release) \(allocation.address)")
                }
            }
            XCTAssertEqual(result.totals.selected.count, leaked.count, release)
            XCTAssertEqual(result.totals.selected.bytes, result.allocations.reduce(0) { $0 + $1.size }, release)
            XCTAssertEqual(result.groups.reduce(0) { $0 + $1.count }, leaked.count, release)
            XCTAssertTrue(result.overBudget)
        }
    }

    func testTheBudgetDecidesTheStatus() throws {
        let (_, document, _, _) = try run("2.36", [])
        let leakedBytes = try XCTUnwrap(document?.result.totals.selected.bytes)
        XCTAssertEqual(try run("2.36", ["--max-leaked-bytes", String(leakedBytes)]).status, 0)
        XCTAssertEqual(try run("2.36", ["--max-leaked-bytes", String(leakedBytes - 1)]).status, 7)
    }

    func testKindsSelectWhatIsListedAndCounted() throws {
        let (status, document, truth, stderr) = try run("2.41", ["--kinds", "possible"])
        XCTAssertEqual(status, 7, stderr)
        let result = try XCTUnwrap(document?.result)
        let possible = truth.allocations.filter { $0.class == "possible" }.map(\.address)
        XCTAssertFalse(possible.isEmpty)
        XCTAssertEqual(result.allocations.map(\.address).sorted(), possible.sorted())
        XCTAssertEqual(result.totals.selected.bytes, result.totals.possible.bytes)
        XCTAssertEqual(try run("2.41", ["--kinds", "direct,bogus"]).status, 64)
    }

    func testAGoProgramExitsEightAndPointsToHeap() throws {
        let fixture = try XCTUnwrap(Fixtures.all().first { $0.name.hasPrefix("go-heap") && $0.dump == "gcore" })
        let result = try Shell.coreinspect(["leaks", try fixture.core()])
        XCTAssertEqual(result.status, 8, result.stderr)
        XCTAssertTrue(result.stderr.contains("heap --retained"), result.stderr)
        XCTAssertTrue(result.stdout.isEmpty)
    }
}
