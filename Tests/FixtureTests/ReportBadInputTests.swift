import Foundation
import XCTest

/// `report` on bad input: what is not a core writes no page; an unwritable destination is a
/// usage error before the core is read; a truncated core gives a page that says it is partial.
final class ReportBadInputTests: XCTestCase {
    private var scratch: String!

    override func setUpWithError() throws { scratch = try Fixtures.scratchDirectory(for: self) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: scratch) }

    func testNotACoreWritesNoPage() throws {
        let notCore = scratch + "/not-a-core"
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: notCore))
        let result = try Shell.coreinspect(["report", notCore, "-o", scratch + "/report.html"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/report.html"))
    }

    func testAnUnwritableDestinationIsAUsageError() throws {
        let result = try Shell.coreinspect(["report", scratch + "/never-read.core", "-o", scratch + "/no/such/dir/report.html"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("--output"), result.stderr)
    }

    /// The C kernel core cut inside its last segment: the notes precede the cut, so every thread
    /// is on the page, and the page says the core is truncated.
    func testATruncatedCoreGivesAPartialPageWithEveryThread() throws {
        let (core, exe, truth) = try Fixtures.cKernel()
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: core)[.size] as? Int)
        let cut = scratch + "/cut.core"
        try Data(contentsOf: URL(fileURLWithPath: core)).prefix(size - 3 * 4096 - 100).write(to: URL(fileURLWithPath: cut))
        let page = scratch + "/report.html"
        let result = try Shell.coreinspect(["report", cut, "--exe", exe, "-o", page])
        XCTAssertEqual(result.status, 1, result.stderr)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertTrue(html.contains("<ul id=\"warnings\"><li class=\"bad\">") && html.contains("truncated: segment at"), "the warning on the page")
        for thread in truth.threads {
            XCTAssertTrue(html.contains(">Thread \(thread.tid) ") || html.contains(">Thread \(thread.tid)<"), "thread \(thread.tid) missing")
        }
    }
}
