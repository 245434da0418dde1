import Foundation
import XCTest

/// `diff --profile`, `diff --profile-types` and `leaks --profile`, read back
/// with `go tool pprof -raw` (Debian's golang-1.19, installed by Tools/setup).
final class DiffProfileTests: XCTestCase {
    /// The sums of each value column over the samples `go tool pprof -raw` prints.
    static func pprofSums(_ arguments: [String], columns: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [Int64] {
        let raw = try Shell.run(HeapProfileCommandTests.goTool, ["tool", "pprof", "-raw"] + arguments)
        XCTAssertEqual(raw.status, 0, "go tool pprof -raw \(arguments): \(raw.stderr)", file: file, line: line)
        // A sample line is "v1 v2 …: location ids"; its labels (bytes:[32], pprof::base:[true]) follow on lines of their own.
        let samples = raw.stdout.split(separator: "\n").drop { !$0.hasPrefix("Samples:") }.dropFirst(2)
            .prefix { !$0.hasPrefix("Locations") }
            .compactMap { line -> [Int64]? in
                let values = line.split(separator: ":", maxSplits: 1)[0].split(separator: " ")
                let numbers = values.compactMap { Int64($0) }
                return numbers.isEmpty || numbers.count != values.count ? nil : numbers
            }
        XCTAssertTrue(samples.allSatisfy { $0.count == columns }, "\(columns) values per sample: \(raw.stdout)", file: file, line: line)
        return (0..<columns).map { column in samples.reduce(0) { $0 + ($1.count > column ? $1[column] : 0) } }
    }

    func testGoProfileIsNewMinusOldAndAgreesWithPprofDiffBase() throws {
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let directory = DiffCommandTests.goDirectory
        let old = Fixture(directory: directory, dump: "old"), new = Fixture(directory: directory, dump: "new")
        let oldTruth = try old.truth(DiffCommandTests.GoTruth.self), newTruth = try new.truth(DiffCommandTests.GoTruth.self)
        let exe = try new.executable(named: newTruth.exe)
        let result = try Shell.coreinspect(["diff", try old.core(), try new.core(), "--exe", exe,
                                            "--profile", scratch + "/diff.pb.gz", "--profile-types", scratch + "/types.pb.gz", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        try DiffCommandTests.validate(result.stdout)

        // alloc_objects, alloc_space, inuse_objects, inuse_space of every record (rate 1: unscaled).
        func totals(_ truth: DiffCommandTests.GoTruth) -> [Int64] {
            truth.memProfile.reduce([0, 0, 0, 0]) { sums, record in
                [sums[0] + record.allocObjects, sums[1] + record.allocBytes,
                 sums[2] + record.allocObjects - record.freeObjects, sums[3] + record.allocBytes - record.freeBytes]
            }
        }
        let expected = zip(totals(newTruth), totals(oldTruth)).map { $0 - $1 }
        XCTAssertEqual(try Self.pprofSums([scratch + "/diff.pb.gz"], columns: 4), expected, "diff --profile")

        // Each core's heap --profile, subtracted by pprof itself, gives the same.
        for (fixture, name) in [(old, "old"), (new, "new")] {
            let written = try Shell.coreinspect(["heap", try fixture.core(), "--exe", exe, "--profile", scratch + "/\(name).pb.gz"])
            XCTAssertEqual(written.status, 0, written.stderr)
        }
        XCTAssertEqual(try Self.pprofSums(["-diff_base", scratch + "/old.pb.gz", scratch + "/new.pb.gz"], columns: 4), expected,
                       "pprof -diff_base of heap --profile")

        // The per-type growth profile sums to the live heap's growth.
        struct Totals: Decodable {
            struct Result: Decodable { struct Row: Decodable { var count: Int64; var bytes: Int64 }; var totals: Row }
            var result: Result
        }
        let live = try JSONDecoder().decode(Totals.self, from: Data(result.stdout.utf8)).result.totals
        XCTAssertEqual(try Self.pprofSums([scratch + "/types.pb.gz"], columns: 2), [live.count, live.bytes], "diff --profile-types")
    }

    func testLeaksProfileHoldsEveryLeakedAllocation() throws {
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fixture = Fixture(directory: DiffCommandTests.cDirectory, dump: "new")
        let manifest = try fixture.truthFile(DiffCommandTests.Manifest.self, suffix: "manifest.json")
        let path = scratch + "/leaks.pb.gz"
        let result = try Shell.coreinspect(["leaks", try fixture.core(), "--exe", fixture.directory + "/" + manifest.exe, "--profile", path])
        XCTAssertEqual(result.status, 7, "leaks found: \(result.stderr)")
        let leaked = manifest.blocks.filter { $0.kind != "reachable" }
        XCTAssertEqual(try Self.pprofSums([path], columns: 2), [Int64(leaked.count), leaked.reduce(0) { $0 + Int64($1.usable) }])
        // Stacks run kind → type → size: `pprof -traces` prints them leaf first.
        let traces = try Shell.run(HeapProfileCommandTests.goTool, ["tool", "pprof", "-traces", path])
        XCTAssertTrue(traces.stdout.contains("72 B\n             Polygon\n             direct"), traces.stdout)
    }

    func testDiffProfileOfGlibcCoresHoldsTheNewLeaks() throws {
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let directory = DiffCommandTests.cDirectory
        let old = Fixture(directory: directory, dump: "old"), new = Fixture(directory: directory, dump: "new")
        let manifests = try [old, new].map { try $0.truthFile(DiffCommandTests.Manifest.self, suffix: "manifest.json") }
        let path = scratch + "/new-leaks.pb.gz"
        let result = try Shell.coreinspect(["diff", try old.core(), try new.core(), "--exe", directory + "/" + manifests[1].exe, "--profile", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let before = Set(manifests[0].blocks.filter { $0.kind != "reachable" }.map(\.address))
        let fresh = manifests[1].blocks.filter { $0.kind != "reachable" && !before.contains($0.address) }
        XCTAssertEqual(try Self.pprofSums([path], columns: 2), [Int64(fresh.count), fresh.reduce(0) { $0 + Int64($1.usable) }])
    }
}
