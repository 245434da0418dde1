import Foundation
import XCTest

/// The core is untrusted: a command line that is markup must reach the page as text.
/// The C kernel core's NT_PRPSINFO psargs is rewritten to a script and an element, and
/// neither may appear in the report's HTML nor in the DOM chromium builds from it.
final class ReportEscapingTests: XCTestCase {
    private static let hostile = "<script>document.title='pwned'</script><b id=\"injected\">&amp;</b>"

    func testACommandLineOfMarkupIsShownAsText() throws {
        let (original, exe, _) = try Fixtures.cKernel()
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let core = scratch + "/hostile.core"
        XCTAssertEqual(try Shell.run("/bin/cp", ["--sparse=always", original, core]).status, 0)
        try Self.rewritePsargs(of: core, to: Self.hostile)

        let page = scratch + "/report.html"
        let run = try Shell.coreinspect(["report", core, "--exe", exe, "-o", page])
        XCTAssertEqual(run.status, 0, run.stderr)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertFalse(html.contains("<script"), "a script element in the page")
        XCTAssertFalse(html.contains("<b id"), "an element from the core in the page")
        XCTAssertTrue(html.contains("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&lt;b id=&quot;injected&quot;&gt;&amp;amp;&lt;/b&gt;"),
                      "the command line, escaped")

        let (dom, rendering) = try HeadlessChromium(scratch: scratch).dumpDOM(page)
        XCTAssertEqual(rendering.console, [])
        XCTAssertFalse(dom.contains("<b id=\"injected\""), "the browser built the core's element")
        XCTAssertFalse(dom.contains("<title>pwned"), "the core's script ran")
        // The browser shows the command line exactly as the core holds it.
        XCTAssertTrue(dom.contains("id=\"command-line\">&lt;script&gt;document.title='pwned'&lt;/script&gt;"), "the text in the DOM")
    }

    /// Writes `text` into NT_PRPSINFO's pr_psargs (80 bytes at offset 56 of its descriptor).
    private static func rewritePsargs(of path: String, to text: String) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        func read(_ offset: UInt64, _ count: Int) throws -> [UInt8] {
            try handle.seek(toOffset: offset)
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        }
        func little(_ bytes: [UInt8], _ at: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) }
        }
        let header = try read(0, 64)
        let (tableOffset, entrySize, entries) = (little(header, 0x20, 8), Int(little(header, 0x36, 2)), Int(little(header, 0x38, 2)))
        for index in 0..<entries {
            let entry = try read(tableOffset + UInt64(index * entrySize), entrySize)
            guard little(entry, 0, 4) == 4 else { continue }  // PT_NOTE
            let notes = try read(little(entry, 8, 8), Int(little(entry, 32, 8)))
            var at = 0
            while at + 12 <= notes.count {
                let (nameSize, descSize, type) = (Int(little(notes, at, 4)), Int(little(notes, at + 4, 4)), little(notes, at + 8, 4))
                let desc = at + 12 + ((nameSize + 3) & ~3)
                if type == 3, descSize >= 136 {  // NT_PRPSINFO
                    var psargs = Array(text.utf8.prefix(79))
                    psargs += [UInt8](repeating: 0, count: 80 - psargs.count)
                    try handle.seek(toOffset: little(entry, 8, 8) + UInt64(desc + 56))
                    try handle.write(contentsOf: psargs)
                    return
                }
                at = desc + ((descSize + 3) & ~3)
            }
        }
        throw FixtureError("\(path): no NT_PRPSINFO note")
    }
}
