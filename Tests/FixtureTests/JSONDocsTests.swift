import Foundation
import XCTest

/// docs/json.md's examples are the real output of the runs with a title in JSONInvocations:
/// Tools/make-json-docs renders them, and this test fails when the committed file differs.
/// `Tools/make-json-docs` runs this test with COREINSPECT_WRITE_JSON_DOCS=1 to rewrite the file.
final class JSONDocsTests: XCTestCase {
    private struct ManifestEntry: Encodable {
        var title: String
        var command: String
        var arguments: [String]
        var status: Int32
        var path: String
    }

    func testDocsJSONShowsWhatTheCommandsPrint() throws {
        let entries = try JSONRuns.shared.all().compactMap { run -> ManifestEntry? in
            guard let title = run.invocation.title else { return nil }
            return ManifestEntry(title: title, command: run.invocation.command, arguments: run.invocation.arguments,
                                 status: run.result.status, path: run.path)
        }
        XCTAssertGreaterThanOrEqual(entries.count, 9)
        let manifest = JSONInvocations.outputDirectory + "/manifest.json"
        try JSONEncoder().encode(entries).write(to: URL(fileURLWithPath: manifest))
        let write = ProcessInfo.processInfo.environment["COREINSPECT_WRITE_JSON_DOCS"] == "1"
        let rendering = try Shell.run(Fixtures.packageRoot + "/Tools/make-json-docs", ["--render", manifest, write ? "--write" : "--check"])
        XCTAssertEqual(rendering.status, 0, rendering.stdout + rendering.stderr)
    }
}
