import Foundation
import XCTest

/// `coreinspect memstats` through the built binary: Go's field names under
/// `result.memstats`, the collector apart, and the documented failure for a program that is not Go.
final class MemStatsCommandTests: XCTestCase {
    /// A stripped go-heap core: the command must find its globals without DWARF.
    private func strippedHeapFixture() throws -> Fixture {
        try XCTUnwrap(MemStatsTests.fixturesWithMemStats().first { $0.name.hasPrefix("go-heap") && $0.dump == "gcore-stripped" })
    }

    func testJSONUsesGoFieldNamesAndTheProgramsValues() throws {
        let fixture = try strippedHeapFixture()
        let truth = try MemStatsTests.truthMemStats(fixture)
        let exe = try fixture.executable(named: try XCTUnwrap(MemStatsTests.truthObject(fixture)["exe"] as? String))
        let result = try Shell.coreinspect(["memstats", try fixture.core(), "--exe", exe, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(document["command"] as? String, "memstats")
        let body = try XCTUnwrap(document["result"] as? [String: Any])
        let memstats = try XCTUnwrap(body["memstats"] as? [String: Any])
        XCTAssertEqual(Set(memstats.keys), Set(truth.keys), "exactly runtime.MemStats' field names")
        for field in ["HeapAlloc", "HeapObjects", "Mallocs", "Frees", "NumGC", "NextGC", "LastGC", "PauseTotalNs"] {
            XCTAssertTrue(MemStatsTests.equal(memstats[field], truth[field]), "\(fixture) \(field)")
        }
        XCTAssertTrue(MemStatsTests.equal(memstats["BySize"], truth["BySize"]), "\(fixture) BySize")
        let runtime = try XCTUnwrap(body["runtime"] as? [String: Any])
        XCTAssertTrue(MemStatsTests.equal(runtime["NumGC"], truth["NumGC"]))
        XCTAssertTrue(MemStatsTests.equal(runtime["heapGoal"], truth["NextGC"]))
        // The newest pause ended at LastGC and lasted PauseNs[(NumGC-1) % 256], as the program read them.
        let numGC = try XCTUnwrap((truth["NumGC"] as? NSNumber)?.intValue)
        let pauses = try XCTUnwrap(runtime["lastPauses"] as? [[String: Any]])
        XCTAssertEqual(pauses.count, min(numGC, 10))
        if numGC > 0 {
            let truthPauses = try XCTUnwrap(truth["PauseNs"] as? [Any])
            XCTAssertTrue(MemStatsTests.equal(pauses[0]["end"], truth["LastGC"]))
            XCTAssertTrue(MemStatsTests.equal(pauses[0]["nanoseconds"], truthPauses[(numGC - 1) % truthPauses.count]))
        }
        XCTAssertNotNil(runtime["GOGC"] as? NSNumber)
        XCTAssertNotNil(runtime["GOMEMLIMIT"] as? NSNumber)
    }

    func testTextShowsHumanSizesBesideRawValues() throws {
        let fixture = try strippedHeapFixture()
        let truth = try MemStatsTests.truthMemStats(fixture)
        let exe = try fixture.executable(named: try XCTUnwrap(MemStatsTests.truthObject(fixture)["exe"] as? String))
        let result = try Shell.coreinspect(["memstats", try fixture.core(), "--exe", exe])
        XCTAssertEqual(result.status, 0, result.stderr)
        let heapAlloc = try XCTUnwrap((truth["HeapAlloc"] as? NSNumber)?.uint64Value)
        let line = try XCTUnwrap(result.stdout.split(separator: "\n").first { $0.contains("HeapAlloc") })
        XCTAssertTrue(line.hasSuffix(String(heapAlloc)), String(line))
        XCTAssertTrue(line.contains("iB") || line.contains(" B "), "a humanized size: \(line)")
        XCTAssertTrue(result.stdout.contains("GOGC"), result.stdout)
    }

    func testNotAGoProgramExitsWithTheGoRuntimeStatus() throws {
        let (core, exe, _) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["memstats", core, "--exe", exe])
        XCTAssertEqual(result.status, 4, result.stderr)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("not a Go program"), result.stderr)
        XCTAssertEqual(result.stdout, "")
    }
}
