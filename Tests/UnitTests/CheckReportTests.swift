import Analysis
@testable import Reports
import XCTest

/// `check`'s verdicts over measurements made by hand: each comparison, growth against a
/// baseline in bytes and in percent, and the lines a CI log shows.
final class CheckReportTests: XCTestCase {
    private func leaks(direct: UInt64, indirect: UInt64, possible: UInt64) -> GateMeasurements {
        var totals = LeaksReport.Totals()
        totals.direct = LeaksReport.Tally(count: 1, bytes: direct)
        totals.indirect = LeaksReport.Tally(count: 2, bytes: indirect)
        totals.possible = LeaksReport.Tally(count: 3, bytes: possible)
        var measurements = GateMeasurements(program: .glibc)
        measurements.addLeaks(totals)
        measurements.addThreads(count: 4)
        return measurements
    }

    private func report(_ rules: [String], _ core: GateMeasurements, baseline: GateMeasurements? = nil) throws -> CheckReport {
        try CheckReport(rules: rules.map { try GateRule(parsing: $0) }, core: core, baseline: baseline,
                        baselinePath: baseline == nil ? nil : "old.core")
    }

    func testARuleFailsWhenItsComparisonHolds() throws {
        let core = leaks(direct: 4096, indirect: 100, possible: 4)
        XCTAssertEqual(core["leaked.bytes"], .integer(4200))
        XCTAssertEqual(core["leaked.count"], .integer(6))
        let cases: [(String, Bool)] = [
            ("leaked.bytes > 0", true), ("leaked.bytes > 4200", false), ("leaked.bytes >= 4200", true),
            ("leaked.bytes < 4200", false), ("leaked.bytes <= 4200", true), ("leaked.bytes == 4200", true),
            ("leaked.bytes != 4200", false), ("leaked.direct.bytes > 4KiB", false), ("leaked.direct.bytes > 4KB", true),
            ("threads != 4", false), ("leaked.possible.count == 3", true),
        ]
        let checked = try report(cases.map(\.0), core)
        XCTAssertEqual(checked.rules.map(\.failed), cases.map(\.1))
        XCTAssertEqual(checked.failedRules, cases.filter(\.1).count)
        XCTAssertFalse(checked.passed)
        XCTAssertTrue(try report(["leaked.bytes > 1MB"], core).passed)
    }

    func testGrowthIsTheCoreMinusTheBaseline() throws {
        let old = leaks(direct: 1000, indirect: 0, possible: 0), new = leaks(direct: 1500, indirect: 0, possible: 0)
        let checked = try report(["growth.leaked.bytes > 400", "growth.leaked.bytes > 50%", "growth.leaked.bytes >= 50%",
                                  "growth.threads != 0"], new, baseline: old)
        XCTAssertEqual(checked.rules[0].value, .integer(500))
        XCTAssertEqual(checked.rules[0].coreValue, .integer(1500))
        XCTAssertEqual(checked.rules[0].baselineValue, .integer(1000))
        XCTAssertEqual(checked.rules.map(\.failed), [true, false, true, false])
        XCTAssertEqual(checked.rules[1].thresholdPercent, 50)
        XCTAssertNil(checked.rules[1].threshold)
        // Shrinking is negative growth; any growth from 0 exceeds every percentage.
        XCTAssertEqual(try report(["growth.leaked.bytes < 0"], old, baseline: new).rules.map(\.failed), [true])
        let fromZero = leaks(direct: 0, indirect: 0, possible: 0)
        XCTAssertEqual(try report(["growth.leaked.bytes > 1000%", "growth.leaked.possible.bytes > 0%"], old, baseline: fromZero)
            .rules.map(\.failed), [true, false])
    }

    func testFailedRulesPrintOneLineEach() throws {
        let checked = try report(["leaked.bytes > 0", "threads > 10"], leaks(direct: 4096, indirect: 0, possible: 0))
        XCTAssertEqual(CheckReport.line(checked.rules[0]), "FAIL leaked.bytes > 0: leaked.bytes = 4096 (4.0 KiB)")
        XCTAssertEqual(CheckReport.line(checked.rules[1]), "ok   threads > 10: threads = 4")
        XCTAssertEqual(checked.text(style: TextStyle(colored: false)).split(separator: "\n").last, "1 of 2 rules failed")
        let grown = try report(["growth.leaked.bytes > 0"], leaks(direct: 3072, indirect: 0, possible: 0),
                               baseline: leaks(direct: 1024, indirect: 0, possible: 0))
        XCTAssertEqual(CheckReport.line(grown.rules[0]), "FAIL growth.leaked.bytes > 0: growth.leaked.bytes = 2048 (2.0 KiB; 1024 → 3072, +200.0%)")
    }

    func testAMetricNotMeasuredIsAnError() {
        XCTAssertThrowsError(try report(["goroutines > 1"], leaks(direct: 0, indirect: 0, possible: 0)))
    }
}
