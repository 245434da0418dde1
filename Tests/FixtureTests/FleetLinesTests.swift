import Foundation
import XCTest

/// Tools/fleet-lines on the go-many cores (Go 1.19 and 1.23 builds of one program), and the
/// query docs/fleet.md ships, run on those lines in SQLite.
final class FleetLinesTests: XCTestCase {
    struct Line: Decodable {
        var record: String
        var core: String
        var executable: String
        var build_id: String?
        var signature: String?
        var state: String?
        var location: String?
        var count: Int
        var bytes: UInt64?
    }

    /// The core's lines, from the documents `info`, `goroutines --group` and `heap` print for it.
    private func lines(release: String, coreID: String, directory: String) throws -> (text: String, lines: [Line], truth: GoTruth, total: Int) {
        let fixture = Fixture(directory: Fixtures.testCores + "/go-many/" + release, dump: "gcore")
        let truth = try fixture.truth(GoTruth.self)
        let arguments = [try fixture.core(), "--exe", try fixture.executable(named: truth.exe), "--json"]
        var documents: [String] = []
        for (name, command) in [("info", ["info"]), ("goroutines", ["goroutines", "--group"]), ("heap", ["heap", "--top", "100000"])] {
            let result = try Shell.coreinspect(command + arguments)
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
            let path = directory + "/\(coreID).\(name).json"
            try result.stdout.write(toFile: path, atomically: true, encoding: .utf8)
            documents.append(path)
        }
        let goroutines = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: documents[1]))) as? [String: Any]
        let total = try XCTUnwrap((goroutines?["result"] as? [String: Any])?["total"] as? Int)
        let result = try Shell.run(Fixtures.packageRoot + "/Tools/fleet-lines", ["--core-id", coreID] + documents)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        return (result.stdout, lines, truth, total)
    }

    func testLinesCarryEveryGroupAndTypeAndTheQueryRanksTheProgramsGroups() throws {
        let directory = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var all = ""
        var signatures: [[String: String]] = []
        for (release, coreID) in [("go1.19.8", "a"), ("go1.23.4", "b")] {
            let (text, lines, truth, total) = try lines(release: release, coreID: coreID, directory: directory)
            all += text
            XCTAssertTrue(lines.allSatisfy { $0.core == coreID && $0.executable == truth.exe && $0.build_id?.isEmpty == false })
            let groups = lines.filter { $0.record == "goroutines" }
            XCTAssertEqual(groups.reduce(0) { $0 + $1.count }, total, release)
            for group in truth.groups ?? [] {
                XCTAssertEqual(groups.filter { $0.location == group.function && $0.state == group.state }.map(\.count), [group.count],
                               "\(release) \(group.function)")
            }
            XCTAssertEqual(Set(groups.compactMap(\.signature)).count, groups.count, "one signature per group")
            signatures.append(Dictionary(uniqueKeysWithValues: groups.filter { $0.location?.hasPrefix("main.") == true }
                .map { ($0.location ?? "", $0.signature ?? "") }))
            // Every heap type: their bytes add up to what the program's MemStats said.
            let memstats = try fixture(release).truth(MemStatsTruth.self).memstats
            XCTAssertEqual(Double(lines.filter { $0.record == "heap" }.reduce(0) { $0 + ($1.bytes ?? 0) }), memstats["HeapAlloc"], release)
        }
        // The same program built by two Go releases: its groups keep their signatures.
        XCTAssertEqual(signatures[0], signatures[1])
        XCTAssertEqual(signatures[0].count, 5)

        let rows = try runDocumentedQuery(on: all, directory: directory)
        XCTAssertEqual(rows, try documentedResult())
        XCTAssertEqual(rows.first?[1], "main.manyRecv")
    }

    private func fixture(_ release: String) -> Fixture { Fixture(directory: Fixtures.testCores + "/go-many/" + release, dump: "gcore") }

    private struct MemStatsTruth: Decodable { var memstats: [String: Double] }

    private var fleetDoc: String {
        get throws { try String(contentsOfFile: Fixtures.packageRoot + "/docs/fleet.md", encoding: .utf8) }
    }

    /// The docs' query on the goroutine lines loaded into SQLite (Python's sqlite3), rows as text.
    private func runDocumentedQuery(on lines: String, directory: String) throws -> [[String]] {
        let section = try XCTUnwrap(try fleetDoc.components(separatedBy: "## The top goroutine-leak signatures").dropFirst().first)
        let query = try XCTUnwrap(section.components(separatedBy: "```sql\n").dropFirst().first?.components(separatedBy: "```").first)
        let linesPath = directory + "/lines.jsonl", queryPath = directory + "/query.sql"
        try lines.write(toFile: linesPath, atomically: true, encoding: .utf8)
        try query.write(toFile: queryPath, atomically: true, encoding: .utf8)
        let script = """
        import json, sqlite3, sys
        columns = ["core", "executable", "build_id", "go_version", "signature", "state", "location", "created_by", "count"]
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE goroutine_groups (" + ", ".join(columns) + ")")
        for line in open(sys.argv[1]):
            row = json.loads(line)
            if row["record"] == "goroutines":
                db.execute("INSERT INTO goroutine_groups VALUES (" + ", ".join("?" * len(columns)) + ")", [row.get(c) for c in columns])
        for row in db.execute(open(sys.argv[2]).read()):
            print("\\t".join(str(value) for value in row))
        """
        let result = try Shell.run("/usr/bin/python3", ["-c", script, linesPath, queryPath])
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
    }

    /// The table docs/fleet.md shows under the query.
    private func documentedResult() throws -> [[String]] {
        let section = try XCTUnwrap(try fleetDoc.components(separatedBy: "On the go-many cores").dropFirst().first)
        return section.split(separator: "\n").drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }.dropFirst(2).map { row in
            row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }
}
