import Foundation
import XCTest

/// `coreinspect report` through the built binary, rendered in headless chromium: the page
/// draws (a screenshot of the right size with many colours), logs nothing to the console,
/// fetches nothing, and its DOM holds the numbers the fixture programs recorded themselves.
final class ReportCommandTests: XCTestCase {
    private struct Document: Decodable {
        struct Section: Decodable { var id: String; var shown: Bool; var reason: String? }
        struct Result: Decodable { var path: String; var bytes: Int; var sections: [Section] }
        var command: String
        var result: Result
    }

    private struct Rendered {
        var html: String
        var dom: String
        var document: Document
    }

    private static let width = 1280, height = 2000

    /// Writes the report of `core`, checks its JSON against the schema, renders it, and checks the page.
    private func render(_ arguments: [String], in scratch: String, expectedStatus: Int32 = 0) throws -> Rendered {
        let chromium = try HeadlessChromium(scratch: scratch)
        let page = scratch + "/report.html"
        let run = try Shell.coreinspect(["report"] + arguments + ["-o", page, "--json"])
        XCTAssertEqual(run.status, expectedStatus, run.stderr)
        try Self.validateAgainstSchema(run.stdout)
        let document = try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8))
        XCTAssertEqual(document.command, "report")
        XCTAssertEqual(document.result.path, page)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertEqual(document.result.bytes, html.utf8.count)
        XCTAssertEqual(document.result.sections.map(\.id), ["summary", "heap-by-type", "heap-by-retention", "goroutines", "leaks", "threads"])
        Self.assertFetchesNothing(html)

        let png = scratch + "/report.png"
        let shot = try chromium.screenshot(page, to: png, width: Self.width, height: Self.height)
        XCTAssertEqual(shot.console, [], "console messages while rendering")
        let image = try PNGImage(path: png)
        XCTAssertEqual([image.width, image.height], [Self.width, Self.height])
        // A blank or unstyled page has a handful of colours; treemaps and the icicle graph have dozens.
        XCTAssertGreaterThan(Set(image.pixels).count, 40, "distinct colours in the screenshot")
        let background = Dictionary(image.pixels.map { ($0, 1) }, uniquingKeysWith: +).max { $0.value < $1.value }!
        XCTAssertLessThan(Double(background.value) / Double(image.pixels.count), 0.9, "the page is mostly one colour")
        let (dom, rendering) = try chromium.dumpDOM(page)
        XCTAssertEqual(rendering.console, [], "console messages while building the DOM")
        XCTAssertTrue(dom.contains("content=\"default-src 'none'; style-src 'unsafe-inline'"), "the Content-Security-Policy")
        return Rendered(html: html, dom: dom, document: document)
    }

    /// The result against docs/schema/results/report.schema.json, with Python's jsonschema (draft 2020-12).
    private static func validateAgainstSchema(_ json: String) throws {
        let schema = Fixtures.packageRoot + "/docs/schema/results/report.schema.json"
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(json.loads(sys.stdin.read())["result"])]
            print("\\n".join(errors)); sys.exit(1 if errors else 0)
            """
        let process = Process()
        // The python3 on PATH: the one Tools/setup gave jsonschema.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, schema]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(json.utf8))
        try input.fileHandleForWriting.close()
        let message = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "report.schema.json: \(message)")
    }

    /// No external reference of any kind: links are anchors in the page, nothing has a src,
    /// and styles import nothing (the CSP meta, checked in the DOM, forbids fetches anyway).
    private static func assertFetchesNothing(_ html: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(html.contains(" src="), "an element with a src", file: file, line: line)
        XCTAssertFalse(html.contains("url("), "a CSS url()", file: file, line: line)
        XCTAssertFalse(html.contains("@import"), "a CSS @import", file: file, line: line)
        for match in html.matches(of: /href="([^"]*)"/) {
            XCTAssertTrue(match.output.1.hasPrefix("#"), "href \(match.output.1)", file: file, line: line)
        }
    }

    /// The text of the element with this id in the rendered DOM.
    private func text(of id: String, in dom: String) -> String? {
        guard let range = dom.range(of: "id=\"\(id)\">") else { return nil }
        return String(dom[range.upperBound...].prefix { $0 != "<" })
    }

    func testGoReportShowsTheHeapTotalsMemStatsAndEveryGoroutine() throws {
        struct Truth: Decodable {
            struct MemStats: Decodable { var HeapObjects: UInt64; var HeapAlloc: UInt64 }
            /// What a global retains, as the program measured it.
            struct Retained: Decodable { var root: String; var objects: Int; var bytes: UInt64 }
            var exe: String
            var memstats: MemStats
            var retained: [Retained]
        }
        let fixture = Fixture(directory: Fixtures.testCores + "/go-heap/go1.26.6", dump: "kernel")
        let truth = try fixture.truth(Truth.self)
        let traceback = RuntimeTraceback(try String(contentsOfFile: fixture.directory + "/kernel.traceback.txt", encoding: .utf8))
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let rendered = try render([try fixture.core(), "--exe", try fixture.executable(named: truth.exe)], in: scratch)

        XCTAssertEqual(rendered.document.result.sections.filter { !$0.shown }.map(\.id), ["leaks"])
        XCTAssertEqual(text(of: "heap-objects", in: rendered.dom), String(truth.memstats.HeapObjects))
        XCTAssertEqual(text(of: "memstats-heap-objects", in: rendered.dom), String(truth.memstats.HeapObjects))
        XCTAssertTrue(text(of: "heap-bytes", in: rendered.dom)?.hasSuffix("(\(truth.memstats.HeapAlloc) B)") == true,
                      text(of: "heap-bytes", in: rendered.dom) ?? "no heap-bytes")
        XCTAssertTrue(text(of: "memstats-heap-alloc", in: rendered.dom)?.hasSuffix("(\(truth.memstats.HeapAlloc) B)") == true)
        XCTAssertEqual(text(of: "goroutine-count", in: rendered.dom), String(traceback.goroutines.count))
        XCTAssertEqual(text(of: "go-version", in: rendered.dom)?.hasPrefix("go1.26.6"), true)
        XCTAssertGreaterThan(rendered.dom.components(separatedBy: "<svg class=\"treemap\"").count - 1, 0, "the heap treemap")
        XCTAssertGreaterThan(rendered.dom.components(separatedBy: "<svg class=\"flame\"").count - 1, 0, "the retention icicle")
        // The icicle's root boxes retain what the program measured. Boxes under 1.5 of the 1200 units are
        // left out: a share of HeapAlloc (live and garbage) of at least 2 units is one of live bytes too.
        let drawn = truth.retained.filter { $0.root.hasPrefix("main.") && Double($0.bytes) / Double(truth.memstats.HeapAlloc) * 1200 >= 2 }
        XCTAssertGreaterThanOrEqual(drawn.count, 3)
        for root in drawn {
            let box = try Regex("<title>global \(NSRegularExpression.escapedPattern(for: root.root)): [^(<]*\\(\(root.bytes) B\\) retained in \(root.objects) objects")
            XCTAssertTrue(rendered.dom.contains(box), "the icicle's box for \(root.root)")
        }
    }

    func testCReportShowsMallinfoAndEveryLeakKindWithoutGoroutines() throws {
        let fixture = try CHeapFixture(release: "2.36")
        let leaks = try JSONDecoder().decode(CHeapLeakTruth.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/truth.json")))
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let core = try Fixtures.decompressed(fixture.directory + "/core.xz")
        let rendered = try render([core, "--exe", fixture.directory + "/c-heap", "--debug-dir", fixture.directory], in: scratch)

        let hidden = rendered.document.result.sections.filter { !$0.shown }
        XCTAssertEqual(hidden.map(\.id), ["heap-by-retention", "goroutines"])
        XCTAssertTrue(rendered.dom.contains("not a Go program"), "the goroutines section says why it is empty")
        for field in ["uordblks", "fordblks", "hblkhd", "arena"] {
            XCTAssertEqual(text(of: "mallinfo-" + field, in: rendered.dom), fixture.truth.mallinfo2[field].map(String.init), field)
        }
        XCTAssertEqual(text(of: "glibc-version", in: rendered.dom)?.hasPrefix(fixture.truth.glibc), true)
        // A leaked cycle has one direct leak, its leader; the rest of it is indirect (as Memcheck names them).
        func kind(_ allocation: CHeapLeakTruth.Allocation) -> String {
            allocation.cycle != nil && allocation.address == allocation.leader ? "direct" : allocation.class
        }
        // The two decodings of truth.json list the same allocations in the same order.
        let usable = fixture.truth.allocations.map(\.usable)
        XCTAssertEqual(usable.count, leaks.allocations.count)
        for leakKind in ["direct", "indirect", "possible"] {
            let rows = leaks.allocations.indices.filter { kind(leaks.allocations[$0]) == leakKind }
            let bytes = rows.reduce(0) { $0 + usable[$1] }
            let shown = text(of: "leaks-" + leakKind, in: rendered.dom) ?? "missing"
            XCTAssertTrue(shown.hasPrefix("\(rows.count) allocations") && shown.hasSuffix("(\(bytes) B)"),
                          "\(leakKind): \(shown), expected \(rows.count) allocations of \(bytes) usable bytes")
        }
        XCTAssertGreaterThan(leaks.allocations.filter { kind($0) == "direct" }.count, 0)
    }

    /// Without the directory of the library the program dlopen'd, the run is partial (status 1):
    /// the page is written all the same and lists the same warnings as the JSON.
    func testAPartialRunListsItsWarningsOnThePage() throws {
        struct Envelope: Decodable {
            struct Warning: Decodable { var message: String; var count: Int }
            var warnings: [Warning]
        }
        let fixture = try CHeapFixture(release: "2.36")
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let page = scratch + "/report.html"
        let run = try Shell.coreinspect(["report", try Fixtures.decompressed(fixture.directory + "/core.xz"), "--exe",
                                         fixture.directory + "/c-heap", "-o", page, "--json"])
        XCTAssertEqual(run.status, 1, run.stderr)
        let warnings = try JSONDecoder().decode(Envelope.self, from: Data(run.stdout.utf8)).warnings
        XCTAssertTrue(warnings.contains { $0.message.contains("libc-heap-dtls.so: not found") }, "\(warnings)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let listed = html.matches(of: /<li class="bad">([^<]*)<\/li>/).map { String($0.output.1) }
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
        }
        XCTAssertEqual(listed, warnings.map { escaped($0.count > 1 ? "\($0.message) (\($0.count) times)" : $0.message) })
    }
}
