import Foundation
import XCTest

/// `coreinspect heap` through the built binary against the go-heap program's truth: totals
/// equal its ReadMemStats exactly, and its dropped garbage shows as garbage rows.
final class HeapCommandTests: XCTestCase {
    private struct Truth: Decodable {
        struct MemStats: Decodable { var HeapObjects: UInt64; var HeapAlloc: UInt64 }
        struct Garbage: Decodable { var count: UInt64; var bytes: UInt64; var slot: UInt64 }
        struct TypeCount: Decodable { var type: String; var count: UInt64 }
        var exe: String
        var memstats: MemStats
        var garbage: Garbage
        var types: [TypeCount]
    }

    private struct Document: Decodable {
        struct Group: Decodable { var type: String; var count: UInt64; var bytes: UInt64; var garbageCount: UInt64; var garbageBytes: UInt64 }
        struct Totals: Decodable { var objects: UInt64; var bytes: UInt64; var liveObjects: UInt64; var liveBytes: UInt64 }
        struct Result: Decodable { var types: [Group]; var totals: Totals; var groupBy: String }
        var command: String
        var result: Result
    }

    /// One core per release and flavour, to keep the suite short: DWARF gcore and stripped kernel cores.
    private func fixtures() throws -> [Fixture] {
        let all = Fixtures.all().filter { $0.name.hasPrefix("go-heap") && ($0.dump == "gcore" || $0.dump == "kernel-stripped") }
        XCTAssertGreaterThanOrEqual(all.count, 7)
        return all
    }

    private static let tolerance: UInt64 = 8

    func testJSONTotalsEqualMemStatsAndGarbageIsShown() throws {
        for fixture in try fixtures() {
            let truth = try fixture.truth(Truth.self)
            let exe = try fixture.executable(named: truth.exe)
            let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", exe, "--top", "500",
                                                "--group-by", "size-class", "--json"])
            XCTAssertEqual(result.status, 0, "\(fixture): \(result.stderr)")
            let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
            let totals = document.result.totals
            XCTAssertEqual(document.command, "heap")
            XCTAssertEqual(totals.objects, truth.memstats.HeapObjects, "\(fixture)")
            XCTAssertEqual(totals.bytes, truth.memstats.HeapAlloc, "\(fixture)")
            XCTAssertEqual(document.result.types.reduce(0) { $0 + $1.count + $1.garbageCount }, totals.objects, "\(fixture): all groups shown")
            XCTAssertEqual(document.result.types.reduce(0) { $0 + $1.count }, totals.liveObjects, "\(fixture)")
            XCTAssertEqual(document.result.types.reduce(0) { $0 + $1.bytes }, totals.liveBytes, "\(fixture)")
            // The dropped garbage sits in its slot's size class, less what stale stack words keep.
            let garbage = document.result.types.reduce(0) { $0 + $1.garbageCount }
            XCTAssertTrue(garbage + Self.tolerance >= truth.garbage.count && garbage <= truth.garbage.count + Self.tolerance,
                          "\(fixture): \(garbage) garbage objects, the program dropped \(truth.garbage.count)")
            let heaviest = try XCTUnwrap(document.result.types.max { $0.garbageBytes < $1.garbageBytes })
            XCTAssertGreaterThanOrEqual(heaviest.garbageCount + Self.tolerance, truth.garbage.count, "\(fixture)")
            XCTAssertEqual(heaviest.garbageBytes, heaviest.garbageCount * truth.garbage.slot, "\(fixture)")
        }
    }

    func testTextShowsRowsAndTheReconciledTotals() throws {
        let fixture = try XCTUnwrap(try fixtures().first { $0.dump == "kernel-stripped" })
        let truth = try fixture.truth(Truth.self)
        let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(named: truth.exe),
                                            "--top", "5", "--by", "count"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("  ") && !$0.contains("live bytes") && !$0.contains("…") && !$0.contains("=") }.count, 5,
                       result.stdout)
        XCTAssertTrue(result.stdout.contains("= MemStats HeapObjects \(truth.memstats.HeapObjects), HeapAlloc \(truth.memstats.HeapAlloc) exactly"),
                      result.stdout)
        XCTAssertTrue(result.stdout.contains("Total \(truth.memstats.HeapObjects) objects"), result.stdout)
    }

    /// Types the truth counts that are never one row each: GoHeapTypingTests says why.
    private static let notRows: Set = ["main.Tiny", "main.Node"]

    /// With DWARF every other type the program counts is typed, and the command shows exactly
    /// the program's live count for it (typing and marking together, through the binary).
    func testLiveCountPerTypeEqualsTheProgramsOwnOnDWARFBuilds() throws {
        for fixture in try fixtures() where fixture.dump == "gcore" {
            let truth = try fixture.truth(Truth.self)
            let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(named: truth.exe),
                                                "--top", "100000", "--json"])
            XCTAssertEqual(result.status, 0, "\(fixture): \(result.stderr)")
            let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
            let shown = Dictionary(document.result.types.map { ($0.type, $0.count) }, uniquingKeysWith: +)
            var compared = 0
            for counted in truth.types where !Self.notRows.contains(counted.type) {
                XCTAssertEqual(shown[counted.type] ?? 0, counted.count, "\(fixture): live \(counted.type)")
                compared += 1
            }
            XCTAssertGreaterThan(compared, 10, "\(fixture)")
        }
    }

    func testGroupByPackageNamesAtLeastTheUntypedGroup() throws {
        let fixture = try XCTUnwrap(try fixtures().first)
        let truth = try fixture.truth(Truth.self)
        let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(named: truth.exe),
                                            "--group-by", "package", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(document.result.groupBy, "package")
        XCTAssertEqual(document.result.types.reduce(0) { $0 + $1.count + $1.garbageCount }, truth.memstats.HeapObjects)
    }
}
