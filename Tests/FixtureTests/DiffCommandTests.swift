import Foundation
import XCTest

/// `coreinspect diff` on the go-grow and c-grow fixtures: one process dumped
/// twice, whose own truth (or manifest) at each dump gives the exact growth.
final class DiffCommandTests: XCTestCase {
    struct GoTruth: Decodable {
        struct TypeCount: Decodable { var type: String; var count: Int64; var bytes: Int64 }
        struct Group: Decodable { var function: String; var state: String; var count: Int }
        struct Heap: Decodable { var HeapObjects: Int64; var HeapAlloc: Int64 }
        var exe: String
        var memProfileRate: Int64
        var types: [TypeCount]
        var groups: [Group]
        var heap: Heap
        var memProfile: [MemoryProfileTests.Truth.Record]
    }

    struct Manifest: Decodable {
        struct Block: Decodable { var address: String; var usable: UInt64; var type: String; var kind: String }
        var exe: String
        var blocks: [Block]
    }

    struct Document: Decodable {
        struct Row: Decodable { var type: String; var count: Int64; var bytes: Int64; var oldCount: Int64; var newCount: Int64 }
        struct Site: Decodable { var function: String; var inUseObjects: Int64; var inUseBytes: Int64; var allocObjects: Int64; var allocBytes: Int64 }
        struct Group: Decodable {
            struct Location: Decodable { var function: String }
            var state: String
            var userLocation: Location?
            var oldCount: Int
            var newCount: Int
        }
        struct Goroutines: Decodable { var groups: [Group] }
        struct Sites: Decodable { var sites: [Site]; var totals: Site }
        struct Allocation: Decodable, Hashable { var address: String; var size: UInt64; var kind: String }
        struct Leaks: Decodable { var allocations: [Allocation] }
        struct Result: Decodable {
            var totals: Row
            var allocated: Row?
            var types: [Row]
            var otherTypes: Int
            var goroutines: Goroutines?
            var sites: Sites?
            var leaks: Leaks?
        }
        var command: String
        var result: Result
    }

    static let goDirectory = Fixtures.testCores + "/go-grow/go1.26.6"
    static let cDirectory = Fixtures.testCores + "/c-grow/glibc-2.36"

    /// The JSON of `diff OLD NEW --json` with every row (a --top past any list), checked against docs/schema/results/diff.schema.json.
    private func diff(_ directory: String, exe: String, extra: [String] = []) throws -> Document.Result {
        let old = try Fixture(directory: directory, dump: "old").core(), new = try Fixture(directory: directory, dump: "new").core()
        let result = try Shell.coreinspect(["diff", old, new, "--exe", exe, "--json", "--top", "100000"] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
        try Self.validate(result.stdout)
        let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(document.command, "diff")
        XCTAssertEqual(document.result.otherTypes, 0)
        return document.result
    }

    static func validate(_ json: String) throws {
        let scratch = NSTemporaryDirectory() + "coreinspect-diff-\(getpid())-\(UUID().uuidString).json"
        try json.write(toFile: scratch, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // The python3 on PATH, as Tools/validate-json runs: Tools/setup gives it jsonschema.
        let check = try Shell.run("/usr/bin/env", ["python3", "-c", """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[2]))
            jsonschema.Draft202012Validator.check_schema(schema)
            jsonschema.validate(json.load(open(sys.argv[1]))["result"], schema, cls=jsonschema.Draft202012Validator)
            """, scratch, Fixtures.packageRoot + "/docs/schema/results/diff.schema.json"])
        XCTAssertEqual(check.status, 0, "diff.schema.json: \(check.stderr)")
    }

    private func goTruths() throws -> (old: GoTruth, new: GoTruth, exe: String) {
        let old = try Fixture(directory: Self.goDirectory, dump: "old").truth(GoTruth.self)
        let new = try Fixture(directory: Self.goDirectory, dump: "new").truth(GoTruth.self)
        return (old, new, try Fixture(directory: Self.goDirectory, dump: "new").executable(named: new.exe))
    }

    func testGoGrowthPerTypeGoroutineGroupAndSiteEqualsTheTruth() throws {
        let (old, new, exe) = try goTruths()
        let result = try diff(Self.goDirectory, exe: exe)
        let rows = Dictionary(result.types.map { ($0.type, $0) }, uniquingKeysWith: { first, _ in first })
        // Every type the program counts, in either core: exactly its growth (a backing array replaced by a longer one shrinks to 0).
        var expected: [String: (count: Int64, bytes: Int64)] = [:]
        for type in old.types { expected[type.type, default: (0, 0)].count -= type.count; expected[type.type, default: (0, 0)].bytes -= type.bytes }
        for type in new.types { expected[type.type, default: (0, 0)].count += type.count; expected[type.type, default: (0, 0)].bytes += type.bytes }
        XCTAssertGreaterThanOrEqual(expected.count, 7)
        for (type, growth) in expected {
            XCTAssertEqual(rows[type].map { [$0.count, $0.bytes] }, [growth.count, growth.bytes], type)
        }
        // Every object allocated, live and garbage: the program's own ReadMemStats after its GCs.
        let allocated = try XCTUnwrap(result.allocated)
        XCTAssertEqual([allocated.oldCount, allocated.newCount], [old.heap.HeapObjects, new.heap.HeapObjects])
        XCTAssertEqual(allocated.bytes, new.heap.HeapAlloc - old.heap.HeapAlloc)

        // The leaked goroutines, by group, as the runtime's own runtime.Stack counted them.
        let groups = try XCTUnwrap(result.goroutines).groups
        for group in new.groups {
            let before = old.groups.first { $0.function == group.function && $0.state == group.state }?.count ?? 0
            let matching = groups.filter { $0.userLocation?.function == group.function && $0.state == group.state }
            XCTAssertEqual(matching.count, 1, "\(group.function) [\(group.state)]")
            XCTAssertEqual(matching.first.map { [$0.oldCount, $0.newCount] }, [before, group.count], "\(group.function)")
        }

        // Sites: rate 1, so the values are the MemProfile records' own; the totals are NEW's minus OLD's.
        XCTAssertEqual(new.memProfileRate, 1)
        let sites = try XCTUnwrap(result.sites)
        func inUse(_ truth: GoTruth) -> (objects: Int64, bytes: Int64, allocObjects: Int64) {
            truth.memProfile.reduce((0, 0, 0)) { ($0.0 + $1.allocObjects - $1.freeObjects, $0.1 + $1.allocBytes - $1.freeBytes, $0.2 + $1.allocObjects) }
        }
        let (oldUse, newUse) = (inUse(old), inUse(new))
        XCTAssertEqual([sites.totals.inUseObjects, sites.totals.inUseBytes, sites.totals.allocObjects],
                       [newUse.objects - oldUse.objects, newUse.bytes - oldUse.bytes, newUse.allocObjects - oldUse.allocObjects])
        // Each program type is allocated at one site of its own, and nothing it allocated there was freed.
        for (function, type) in [("main.newItem", "main.Item"), ("main.newRecord", "main.Record"), ("main.newBuffer", "[6000]uint8")] {
            let site = try XCTUnwrap(sites.sites.first { $0.function == function }, function)
            XCTAssertEqual([site.inUseObjects, site.inUseBytes, site.allocObjects], [expected[type]?.count, expected[type]?.bytes, expected[type]?.count], function)
        }
    }

    func testGlibcGrowthAndNewLeaksEqualTheManifests() throws {
        let old = try Fixture(directory: Self.cDirectory, dump: "old").truthFile(Manifest.self, suffix: "manifest.json")
        let new = try Fixture(directory: Self.cDirectory, dump: "new").truthFile(Manifest.self, suffix: "manifest.json")
        let result = try diff(Self.cDirectory, exe: Self.cDirectory + "/" + new.exe)
        // Only the program allocates between the dumps: each of its types grows by what it added.
        func tallies(_ manifest: Manifest) -> [String: (count: Int64, bytes: Int64)] {
            manifest.blocks.reduce(into: [:]) { $0[$1.type, default: (0, 0)].count += 1; $0[$1.type, default: (0, 0)].bytes += Int64($1.usable) }
        }
        let (before, after) = (tallies(old), tallies(new))
        XCTAssertGreaterThanOrEqual(after.count, 5)
        for (type, tally) in after {
            let row = result.types.first { $0.type == type }
            XCTAssertEqual(row.map { [$0.count, $0.bytes] }, [tally.count - (before[type]?.count ?? 0), tally.bytes - (before[type]?.bytes ?? 0)], type)
        }
        // New leaks: leaked in NEW, not in OLD, by address and size, each of the kind the program made it.
        func leaked(_ manifest: Manifest) -> Set<Document.Allocation> {
            Set(manifest.blocks.filter { $0.kind != "reachable" }.map { Document.Allocation(address: $0.address, size: $0.usable, kind: $0.kind) })
        }
        let expected = leaked(new).subtracting(leaked(old))
        XCTAssertGreaterThanOrEqual(expected.count, 100)
        XCTAssertEqual(Set(try XCTUnwrap(result.leaks).allocations), expected)
    }

    func testCoresOfDifferentExecutablesExitTen() throws {
        let goCore = try Fixture(directory: Self.goDirectory, dump: "old").core()
        let cCore = try Fixture(directory: Self.cDirectory, dump: "new").core()
        let result = try Shell.coreinspect(["diff", goCore, cCore])
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertEqual(result.stdout, "")
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("different executables"), result.stderr)
    }
}

extension DiffCommandTests {
    /// The text names each grown type and leaked goroutine group with its truth's growth.
    func testTextShowsTheGrowthOfEachTypeAndGroup() throws {
        let (old, new, exe) = try goTruths()
        let cores = try ["old", "new"].map { try Fixture(directory: Self.goDirectory, dump: $0).core() }
        let result = try Shell.coreinspect(["diff", cores[0], cores[1], "--exe", exe, "--top", "100"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        for type in new.types {
            let before = old.types.first { $0.type == type.type }?.count ?? 0
            let row = lines.first { $0.hasSuffix("  " + type.type) }
            XCTAssertEqual(row?.split(separator: " ").filter { !$0.isEmpty }.dropFirst(2).prefix(3).map(String.init),
                           ["+\(type.count - before)", String(before), String(type.count)].map { $0 == "+0" ? "0" : $0 }, type.type)
        }
        for group in new.groups {
            let before = old.groups.first { $0.function == group.function }?.count ?? 0
            XCTAssertTrue(lines.contains { $0.contains("(\(before) → \(group.count)) [\(group.state)] in \(group.function) ") }, group.function)
        }
    }

    func testAnUnreadableCoreFailsAsInEveryCommand() throws {
        let core = try Fixture(directory: Self.cDirectory, dump: "old").core()
        for (old, new) in [(Fixtures.packageRoot + "/README.md", core), (core, Fixtures.packageRoot + "/no-such-core")] {
            let result = try Shell.coreinspect(["diff", old, new])
            XCTAssertEqual(result.status, 2, result.stderr)
            XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        }
    }
}

extension Fixture {
    /// `<dump>.<suffix>` beside the core: c-grow's manifests, which the native thread tests must not pick up as truth.
    func truthFile<Truth: Decodable>(_ type: Truth.Type, suffix: String) throws -> Truth {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: directory + "/\(dump).\(suffix)")))
    }
}
