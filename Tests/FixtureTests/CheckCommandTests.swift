import Foundation
import Reports
import XCTest

/// `coreinspect check` through the built binary, against what the fixture programs recorded:
/// the c-heap manifest's leaks and mallinfo2, go-many's goroutine count and MemStats.
final class CheckCommandTests: XCTestCase {
    struct Document: Decodable {
        struct Verdict: Decodable { var rule: String; var value: Double; var failed: Bool }
        struct Result: Decodable {
            var program: String
            var passed: Bool
            var rules: [Verdict]
            var metrics: [String: Double]
        }

        var command: String
        var result: Result
    }

    static func decode(_ result: Shell.Result) throws -> Document {
        try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
    }

    private func cHeap(_ release: String) throws -> (arguments: [String], truth: CHeapTruth) {
        let fixture = try CHeapFixture(release: release)
        let core = try Fixtures.decompressed(fixture.directory + "/core.xz")
        return ([core, "--exe", fixture.directory + "/c-heap.stripped", "--debug-dir", fixture.directory], fixture.truth)
    }

    private func goMany(_ release: String) throws -> (arguments: [String], truth: GoManyTruth) {
        let fixture = Fixture(directory: Fixtures.testCores + "/go-many/" + release, dump: "gcore")
        let truth = try fixture.truth(GoManyTruth.self)
        return ([try fixture.core(), "--exe", try fixture.executable(named: truth.exe)], truth)
    }

    func testLeakedBytesAreTheManifestsLeakedTotal() throws {
        for release in CHeapFixture.releases {
            let (arguments, truth) = try cHeap(release)
            let leaked = truth.allocations.filter { ["direct", "indirect", "possible"].contains($0.class) }
            let total = leaked.reduce(0) { $0 + $1.usable }
            XCTAssertGreaterThan(total, 0)
            let failing = try Shell.coreinspect(["check"] + arguments + ["--fail-on", "leaked.bytes > 0", "--json"])
            XCTAssertEqual(failing.status, 9, "\(release): \(failing.stderr)")
            XCTAssertEqual(failing.stderr.split(separator: "\n").count, 1, failing.stderr)
            XCTAssertTrue(failing.stderr.hasPrefix("FAIL leaked.bytes > 0: leaked.bytes = \(total) ("), failing.stderr)
            let document = try Self.decode(failing)
            XCTAssertEqual(document.command, "check")
            XCTAssertEqual(document.result.program, "glibc")
            XCTAssertEqual(document.result.metrics["leaked.bytes"], Double(total), release)
            XCTAssertEqual(document.result.metrics["leaked.count"], Double(leaked.count), release)
            XCTAssertEqual(document.result.rules.map(\.failed), [true])

            // At the total the gate passes, and mallinfo.* are the program's own mallinfo2().
            let rules = ["leaked.bytes > \(total)", "leaked.bytes != \(total)B"] + truth.mallinfo2.map { "mallinfo.\($0.key) != \($0.value)" }
            let passing = try Shell.coreinspect(["check"] + arguments + rules.flatMap { ["--fail-on", $0] })
            XCTAssertEqual(passing.status, 0, "\(release): \(passing.stdout) \(passing.stderr)")
            XCTAssertEqual(passing.stdout.split(separator: "\n").filter { $0.hasPrefix("ok   ") }.count, rules.count, passing.stdout)
        }
    }

    func testGoroutinesAreWhatTheProgramCounted() throws {
        for release in ["go1.19.8", "go1.23.4"] {
            let (arguments, truth) = try goMany(release)
            let result = try Shell.coreinspect(["check"] + arguments + ["--fail-on", "goroutines > \(truth.user_goroutines)", "--json"])
            XCTAssertEqual(result.status, 0, "\(release): \(result.stderr)")
            let metrics = try Self.decode(result).result.metrics
            XCTAssertEqual(metrics["goroutines"], Double(truth.user_goroutines), release)
            // The runtime's own goroutines (GC workers, the scavenger, the finalizer goroutine) come on top.
            XCTAssertGreaterThan(metrics["goroutines.all"] ?? 0, Double(truth.user_goroutines), release)
            // Only the goroutine list was read: no heap walk, no MemStats.
            XCTAssertEqual(Set(metrics.keys), ["goroutines", "goroutines.all", "threads"], release)
            XCTAssertEqual(try Shell.coreinspect(["check"] + arguments + ["--fail-on", "goroutines >= \(truth.user_goroutines)"]).status, 9)
        }
    }

    func testGoHeapMetricsAreMemStats() throws {
        let (arguments, truth) = try goMany("go1.23.4")
        let result = try Shell.coreinspect(["check"] + arguments + ["--json", "--fail-on", "heap.live.bytes < 0",
                                                                    "--fail-on", "memstats.HeapAlloc < 0"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let metrics = try Self.decode(result).result.metrics
        XCTAssertEqual(metrics["heap.bytes"], truth.memstats["HeapAlloc"])
        XCTAssertEqual(metrics["heap.objects"], truth.memstats["HeapObjects"])
        XCTAssertEqual((metrics["heap.live.bytes"] ?? 0) + (metrics["heap.garbage.bytes"] ?? 0), truth.memstats["HeapAlloc"])
        for (name, value) in truth.memstats where name != "Lookups" {
            XCTAssertEqual(metrics["memstats.\(name)"], value, name)
        }
    }

    func testABaselineOfAnotherProgramIsRefused() throws {
        let (goArguments, _) = try goMany("go1.23.4")
        let (cArguments, _) = try cHeap("2.36")
        let result = try Shell.coreinspect(["check"] + goArguments + ["--baseline", cArguments[0], "--fail-on", "growth.heap.bytes > 0"])
        XCTAssertEqual(result.status, 10, result.stderr)
        XCTAssertTrue(result.stdout.isEmpty)
        XCTAssertTrue(result.stderr.contains("cores of different executables"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    }

    func testGrowthAgainstTheSameCoreIsZero() throws {
        let (arguments, _) = try cHeap("2.41")
        let result = try Shell.coreinspect(["check"] + arguments + ["--baseline", arguments[0], "--json",
                                                                    "--fail-on", "growth.leaked.bytes != 0", "--fail-on", "growth.heap.objects > 0%"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try Self.decode(result).result.rules.map(\.value), [0, 0])
    }

    func testAMetricTheProgramLacksIsAUsageError() throws {
        let (goArguments, _) = try goMany("go1.23.4")
        let go = try Shell.coreinspect(["check"] + goArguments + ["--fail-on", "leaked.bytes > 0"])
        XCTAssertEqual(go.status, 64)
        XCTAssertTrue(go.stderr.hasPrefix("coreinspect: check: rule 'leaked.bytes > 0': leaked.bytes is measured on"), go.stderr)
        let (cArguments, _) = try cHeap("2.36")
        XCTAssertEqual(try Shell.coreinspect(["check"] + cArguments + ["--fail-on", "goroutines > 0"]).status, 64)
        let unknown = try Shell.coreinspect(["check"] + cArguments + ["--fail-on", "leaks > 0"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertTrue(unknown.stderr.contains("unknown metric 'leaks'"), unknown.stderr)
        XCTAssertEqual(try Shell.coreinspect(["check"] + cArguments).status, 64)
        XCTAssertEqual(try Shell.coreinspect(["check"] + cArguments + ["--fail-on", "growth.heap.bytes > 0"]).status, 64)
    }

    /// A core too damaged to tell its program (here the first 100 KB of c-heap's): what `heap` and
    /// `goroutines` exit with, and `threads` still measured, with warnings.
    func testACoreOfNeitherGoNorGlibcExitsAsHeapAndGoroutinesDo() throws {
        let (arguments, _) = try cHeap("2.36")
        let directory = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cut = directory + "/cut.core"
        try FileHandle(forReadingFrom: URL(fileURLWithPath: arguments[0])).readData(ofLength: 100_000).write(to: URL(fileURLWithPath: cut))
        let heap = try Shell.coreinspect(["check", cut, "--fail-on", "leaked.bytes > 0"])
        XCTAssertEqual(heap.status, try Shell.coreinspect(["heap", cut]).status)
        XCTAssertEqual(heap.status, 5, heap.stderr)
        XCTAssertTrue(heap.stderr.contains("warning: \(cut): truncated"), heap.stderr)
        XCTAssertEqual(try Shell.coreinspect(["check", cut, "--fail-on", "goroutines > 0"]).status, 4)
        // As a baseline: its growth rules cannot be measured either.
        let baseline = try Shell.coreinspect(["check"] + arguments + ["--baseline", cut, "--fail-on", "growth.leaked.bytes > 0"])
        XCTAssertEqual(baseline.status, 5, baseline.stderr)
        XCTAssertTrue(baseline.stderr.contains("coreinspect: \(cut): rule 'growth.leaked.bytes > 0'"), baseline.stderr)
        let threads = try Shell.coreinspect(["check", cut, "--fail-on", "threads > 0"])
        XCTAssertEqual(threads.status, 1, threads.stderr)
        XCTAssertTrue(threads.stdout.hasPrefix("ok   threads > 0: threads = 0\n"), threads.stdout)
    }

    /// The README's "Gates in CI" names every metric `check` knows (a family's fields by name).
    func testTheReadmeListsEveryMetric() throws {
        let readme = try String(contentsOfFile: Fixtures.packageRoot + "/README.md", encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "## Gates in CI").dropFirst().first?.components(separatedBy: "\n## ").first)
        for metric in GateMetrics.all {
            if let family = ["memstats.", "mallinfo."].first(where: metric.name.hasPrefix) {
                XCTAssertTrue(section.contains("`\(family)NAME`"), family)
                XCTAssertTrue(section.contains(" " + metric.name.dropFirst(family.count) + " (")
                              || section.contains(" " + metric.name.dropFirst(family.count) + ","), metric.name)
            } else {
                XCTAssertTrue(section.contains("`\(metric.name)`"), metric.name)
            }
        }
    }

    /// The result of every shape (plain and growth rules, Go and C) against docs/schema/results/check.schema.json.
    func testJSONFollowsItsSchema() throws {
        let (goArguments, _) = try goMany("go1.23.4")
        let (cArguments, _) = try cHeap("2.43")
        let runs = [
            goArguments + ["--fail-on", "goroutines > 5000", "--fail-on", "memstats.GCCPUFraction > 0.5", "--fail-on", "heap.bytes > 1GiB"],
            cArguments + ["--fail-on", "leaked.bytes > 0", "--baseline", cArguments[0], "--fail-on", "growth.mallinfo.arena > 10%"],
        ]
        for arguments in runs {
            let result = try Shell.coreinspect(["check", "--json"] + arguments)
            XCTAssertTrue([0, 9].contains(result.status), result.stderr)
            try JSONSchemaCheck.validate(result: result.stdout, schema: Fixtures.packageRoot + "/docs/schema/results/check.schema.json")
        }
    }
}

/// The parts of go-many's truth.json the check tests compare.
struct GoManyTruth: Decodable {
    var exe: String
    var user_goroutines: Int
    var memstats: [String: Double]
}

/// Validates a document's `result` with Python's jsonschema (draft 2020-12), installed by Tools/setup.
enum JSONSchemaCheck {
    static func validate(result document: String, schema: String) throws {
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(sys.stdin.read())["result"]))
        for error in errors: print(list(error.absolute_path), error.message)
        sys.exit(1 if errors else 0)
        """
        let input = NSTemporaryDirectory() + "coreinspect-check-\(getpid()).json"
        try document.write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let result = try Shell.run("/bin/sh", ["-c", "python3 -c \"$1\" \"$2\" < \"$3\"", "sh", script, schema, input])
        XCTAssertEqual(result.status, 0, "schema violations:\n\(result.stdout)\(result.stderr)")
    }
}
