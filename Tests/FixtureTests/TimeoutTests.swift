import Foundation
import XCTest

/// `--timeout`: an expired budget gives a valid, partial document marked incomplete and exit
/// 11; a generous one changes nothing.
final class TimeoutTests: XCTestCase {
    private struct Envelope: Decodable {
        struct Warning: Decodable { var kind: String; var message: String }
        var command: String
        var incomplete: Bool?
        var warnings: [Warning]
    }

    private func goHeap() throws -> (core: String, exe: String) {
        let fixture = try Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore").opened()
        return (try fixture.fixture.core(), fixture.executable)
    }

    func testExpiredBudgetGivesAnIncompleteDocument() throws {
        let (core, exe) = try goHeap()
        for mode in [[], ["--retained"]] {
            let result = try Shell.coreinspect(["heap", core, "--exe", exe, "--timeout", "0", "--json"] + mode)
            XCTAssertEqual(result.status, 11, result.stderr)
            let document = try JSONDecoder().decode(Envelope.self, from: Data(result.stdout.utf8))
            XCTAssertEqual(document.command, "heap")
            XCTAssertEqual(document.incomplete, true)
            XCTAssertEqual(document.warnings.filter { $0.kind == "timeout" }.count, 1, "\(document.warnings)")
            XCTAssertTrue(result.stdout.contains("\"incomplete\" : true"), "encoded only when true")
        }
    }

    func testGenerousBudgetChangesNothing() throws {
        let (core, exe) = try goHeap()
        let plain = try Shell.coreinspect(["heap", core, "--exe", exe, "--json"])
        let budgeted = try Shell.coreinspect(["heap", core, "--exe", exe, "--json", "--timeout", "600"])
        XCTAssertEqual(budgeted.status, plain.status, budgeted.stderr)
        XCTAssertEqual(budgeted.stdout, plain.stdout)
        XCTAssertFalse(plain.stdout.contains("\"incomplete\""), "absent unless true")
    }

    func testNegativeBudgetIsAUsageError() throws {
        let (core, exe) = try goHeap()
        XCTAssertEqual(try Shell.coreinspect(["heap", core, "--exe", exe, "--timeout", "-1"]).status, 64)
    }
}
