import Analysis
import GlibcMalloc
import GoRuntime
@testable import Reports
import XCTest

/// `check --fail-on` rules: the grammar, units, comparisons and every way a rule can be wrong.
final class GateRuleTests: XCTestCase {
    private func rule(_ text: String) throws -> GateRule { try GateRule(parsing: text) }

    private func problem(_ text: String) -> String {
        do {
            _ = try GateRule(parsing: text)
            XCTFail("'\(text)' parsed")
            return ""
        } catch {
            XCTAssertEqual(error.rule, text.trimmingCharacters(in: .whitespaces))
            XCTAssertTrue(error.description.hasPrefix("rule '\(error.rule)': "), error.description)
            return error.problem
        }
    }

    func testARuleIsMetricOperatorValueWithOrWithoutSpaces() throws {
        let spaced = try rule("  leaked.bytes > 0 ")
        XCTAssertEqual(spaced.text, "leaked.bytes > 0")
        XCTAssertEqual(spaced.metric, "leaked.bytes")
        XCTAssertEqual(spaced.comparison, .greater)
        XCTAssertEqual(spaced.threshold, .number(.integer(0)))
        let tight = try rule("goroutines>=5000")
        XCTAssertEqual([tight.metric, tight.comparison.rawValue], ["goroutines", ">="])
        XCTAssertEqual(tight.threshold, .number(.integer(5000)))
        for comparison in GateRule.Comparison.allCases {
            XCTAssertEqual(try rule("threads \(comparison.rawValue) 3").comparison, comparison)
        }
        XCTAssertFalse(try rule("heap.bytes > 1").isGrowth)
        XCTAssertTrue(try rule("growth.heap.bytes > 1").isGrowth)
    }

    func testUnitsScaleByteThresholds() throws {
        let expected: [(String, Int64)] = [
            ("0B", 0), ("1KB", 1000), ("50MB", 50_000_000), ("2GB", 2_000_000_000), ("1TB", 1_000_000_000_000),
            ("1KiB", 1024), ("512 KiB", 524_288), ("3MiB", 3 << 20), ("1GiB", 1 << 30), ("2TiB", 2 << 40),
            ("1.5GB", 1_500_000_000), ("0.5KiB", 512), ("-10MB", -10_000_000), ("+7", 7),
        ]
        for (value, bytes) in expected {
            XCTAssertEqual(try rule("growth.heap.bytes > \(value)").threshold, .number(.integer(bytes)), value)
        }
        XCTAssertEqual(try rule("growth.heap.bytes > 20%").threshold, .percent(20))
        XCTAssertEqual(try rule("growth.goroutines>12.5%").threshold, .percent(12.5))
        XCTAssertEqual(try rule("memstats.GCCPUFraction > 0.25").threshold, .number(.real(0.25)))
    }

    func testMalformedRulesSayWhatIsWrong() {
        XCTAssertTrue(problem("heap.bytes 5").contains("expected METRIC OP VALUE"))
        XCTAssertTrue(problem("heap.bytes => 5").contains("'=>' is no operator"))
        XCTAssertTrue(problem("heap.bytes <> 5").contains("no operator"))
        XCTAssertTrue(problem("> 5").contains("no metric"))
        XCTAssertTrue(problem("heap bytes > 5").contains("no metric name"))
        XCTAssertTrue(problem("heap.bytes >").contains("no value"))
        XCTAssertTrue(problem("heap.bytes > lots").contains("no number"))
        XCTAssertTrue(problem("heap.bytes > 1.2.3").contains("no number"))
        XCTAssertTrue(problem("heap.bytes > --1").contains("no number"))
        XCTAssertTrue(problem("heap.bytes > 5XB").contains("unknown unit 'XB'"))
        XCTAssertTrue(problem("heap.bytes > 5mb").contains("unknown unit 'mb'"))
        XCTAssertTrue(problem("goroutines > 5MB").contains("this metric is in count"))
        XCTAssertTrue(problem("heap.bytes > 1.5").contains("not a whole number"))
        XCTAssertTrue(problem("heap.bytes > 20%").contains("only growth.* metrics"))
        XCTAssertTrue(problem("heap.bytes > 99999999999999TiB").contains("too large"))
    }

    func testAnUnknownMetricListsTheKnownOnes() {
        let message = problem("heap.byte > 0")
        XCTAssertTrue(message.contains("unknown metric 'heap.byte'"), message)
        for name in ["heap.bytes", "leaked.bytes", "goroutines", "threads", "memstats.HeapAlloc", "mallinfo.uordblks"] {
            XCTAssertTrue(message.contains(name), name)
        }
        XCTAssertTrue(problem("growth.nothing > 0").contains("unknown metric 'growth.nothing'"))
    }

    func testIntegersCompareExactlyPastDoublePrecision() {
        let big = Int64(1) << 53
        XCTAssertGreaterThan(GateNumber.integer(big + 1), .integer(big))
        XCTAssertNotEqual(GateNumber.integer(big + 1), .integer(big))
        XCTAssertEqual(GateNumber.integer(3), .real(3))
        XCTAssertLessThan(GateNumber.integer(0), .real(0.5))
        XCTAssertEqual(GateNumber.integer(5).minus(.integer(8)), .integer(-3))
        XCTAssertEqual(GateNumber.integer(.max).minus(.integer(-1)).doubleValue, Double(Int64.max) + 1)
    }

    /// Each pipeline's results fill exactly the metrics the catalog gives that pipeline.
    func testEveryPipelineFillsItsCatalogMetrics() {
        func names(_ source: GateMetric.Source, _ program: GateMetric.Program) -> Set<String> {
            Set(GateMetrics.all.filter { $0.sources[program] == source }.map(\.name))
        }
        var go = GateMeasurements(program: .go)
        go.addThreads(count: 2)
        XCTAssertEqual(Set(go.values.keys), names(.threads, .go))
        go = GateMeasurements(program: .go)
        go.addGoroutines(all: 10, user: 7)
        XCTAssertEqual(Set(go.values.keys), names(.goroutines, .go))
        go = GateMeasurements(program: .go)
        go.add(memstats: GoMemStats())
        XCTAssertEqual(Set(go.values.keys), names(.memstats, .go))
        go = GateMeasurements(program: .go)
        go.addGoHeap(StateTallies(), marked: false)
        XCTAssertEqual(Set(go.values.keys), names(.goHeapWalk, .go))
        go.addGoHeap(StateTallies(), marked: true)
        XCTAssertEqual(Set(go.values.keys), names(.goHeapWalk, .go).union(names(.goHeapMarked, .go)))
        var c = GateMeasurements(program: .glibc)
        c.addGlibcHeap(inUse: GlibcTally(), mallinfo: GlibcMallinfo2())
        XCTAssertEqual(Set(c.values.keys), names(.glibcHeap, .glibc))
        c = GateMeasurements(program: .glibc)
        c.addLeaks(LeaksReport.Totals())
        XCTAssertEqual(Set(c.values.keys), names(.glibcLeaks, .glibc))
    }
}
