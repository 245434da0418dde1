import Foundation
import XCTest

/// Tools/ci-example, the workflow of docs/ci.md: build TestCores/ci-leak, run it, gcore it and
/// gate on the core. The leaky build must fail its gate (exit 9) and the fixed build pass.
final class CIExampleTests: XCTestCase {
    private func ciExample(_ build: String) throws -> Shell.Result {
        for tool in ["gcc", "gcore"] where try Shell.run("/bin/sh", ["-c", "command -v \(tool)"]).status != 0 {
            throw XCTSkip("\(tool) is not installed (Tools/setup installs it)")
        }
        return try Shell.run("/usr/bin/env", ["COREINSPECT=" + (try Shell.coreinspectPath()),
                                              Fixtures.packageRoot + "/Tools/ci-example", build])
    }

    func testTheLeakyBuildFailsItsGate() throws {
        let result = try ciExample("leaky")
        XCTAssertEqual(result.status, 9, result.stderr)
        let failed = result.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        XCTAssertEqual(failed.count, 1, result.stdout)
        XCTAssertTrue(failed.first?.hasPrefix("FAIL leaked.bytes > 0: leaked.bytes = ") == true, result.stdout)
        XCTAssertTrue(result.stdout.contains("ok   heap.bytes > 64MiB"), result.stdout)
    }

    func testTheFixedBuildPasses() throws {
        let result = try ciExample("fixed")
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("ok   leaked.bytes > 0: leaked.bytes = 0\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("all 2 rules passed\n"), result.stdout)
    }

    /// docs/ci.md's workflows must gate with the rules the script runs, which this class tests.
    func testTheDocumentedWorkflowsUseTheScriptsRules() throws {
        func rules(in line: Substring) -> [String] {
            line.components(separatedBy: "--fail-on '").dropFirst().compactMap { $0.split(separator: "'").first.map(String.init) }
        }
        let script = try String(contentsOfFile: Fixtures.packageRoot + "/Tools/ci-example", encoding: .utf8)
        // The script spreads its check over lines joined by backslashes.
        let scriptCheck = script.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n")
            .filter { $0.contains("\"$coreinspect\" check") }
        XCTAssertEqual(scriptCheck.count, 1)
        let expected = rules(in: try XCTUnwrap(scriptCheck.first))
        XCTAssertEqual(expected, ["leaked.bytes > 0", "heap.bytes > 64MiB"])
        let docs = try String(contentsOfFile: Fixtures.packageRoot + "/docs/ci.md", encoding: .utf8)
        let documented = docs.split(separator: "\n").filter { $0.contains("coreinspect check core ") }
        XCTAssertGreaterThanOrEqual(documented.count, 3)
        for line in documented { XCTAssertEqual(rules(in: line), expected, String(line)) }
        XCTAssertTrue(script.contains("gcc -g -O1 \"${flags[@]}\" -o \"$dir/service\" \"$SOURCE\""))
        XCTAssertEqual(docs.components(separatedBy: "gcc -g -O1 -o service TestCores/ci-leak/main.c").count - 1, 3)
    }
}
