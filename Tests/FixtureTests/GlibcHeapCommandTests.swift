import Foundation
import XCTest

/// `coreinspect heap` on the C/C++ fixture, run as a user would, checked against its truth.
final class GlibcHeapCommandTests: XCTestCase {
    private struct Document: Decodable {
        struct Warning: Decodable { var message: String }
        struct Result: Decodable {
            struct Group: Decodable { var type: String; var kind: String; var count: Int }
            struct Reconciliation: Decodable { var holds: Bool }
            var glibcVersion: String
            var layoutSource: String
            var arenaSource: String
            var groups: [Group]
            var mallinfo: [String: UInt64]
            var reconciliation: Reconciliation
        }
        var command: String
        var warnings: [Warning]
        var result: Result
    }

    /// With libc's debug info and without it, `--json` gives mallinfo2 exactly, reconciles, and
    /// lists the C++ classes first with the counts the program recorded.
    func testJSONMallinfoAndClassesMatchTheProgram() throws {
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let core = try Fixtures.decompressed(fixture.directory + "/core.xz")
            // The fixture's own directory holds the library it dlopen'd.
            let base = ["heap", core, "--exe", fixture.directory + "/c-heap", "--debug-dir", fixture.directory, "--json", "--top", "50"]
            for withDebugInfo in [true, false] {
                let arguments = base + (withDebugInfo ? ["--debug-dir", fixture.truth.glibc_files.debugdir] : [])
                let context = "glibc \(release)\(withDebugInfo ? "" : " without libc debug info")"
                let run = try Shell.coreinspect(arguments)
                XCTAssertEqual(run.status, 0, "\(context): \(run.stderr)")
                let document = try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8))
                XCTAssertEqual(document.command, "heap")
                XCTAssertEqual(document.warnings.map(\.message), [], context)
                let result = document.result
                XCTAssertEqual(result.glibcVersion, fixture.truth.glibc, context)
                XCTAssertEqual(result.mallinfo, fixture.truth.mallinfo2, context)
                XCTAssertTrue(result.reconciliation.holds, context)
                // /usr/lib/debug (the system's libc6-dbg, for 2.36) is always searched.
                let found = withDebugInfo || fixture.truth.glibc_files.debugdir == "/usr/lib/debug"
                XCTAssertEqual(result.arenaSource, found ? "symbols" : "structure", context)
                XCTAssertEqual(result.layoutSource, found ? "debug-info" : "release-table", context)
                var expected: [String: Int] = [:]
                for allocation in fixture.truth.allocations where allocation.free == nil {
                    if let type = allocation.type { expected[type, default: 0] += 1 }
                }
                let classes = result.groups.prefix { $0.kind == "class" }
                XCTAssertEqual(Dictionary(uniqueKeysWithValues: classes.map { ($0.type, $0.count) }), expected, context)
                XCTAssertFalse(result.groups.dropFirst(classes.count).contains { $0.kind == "class" }, "\(context): classes come first")
            }
        }
    }

    /// The C fixture's kernel core (no libc bytes in it: the banner is read from the file on
    /// disk): `heap` walks its glibc heap, and mallinfo2 is the program's own.
    func testHeapOfTheCKernelCoreMatchesItsMallinfo2() throws {
        struct Truth: Decodable { var mallinfo2: [String: UInt64] }
        let (core, exe, _) = try Fixtures.cKernel()
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.testCores + "/c-threads/kernel.truth.json")))
        let run = try Shell.coreinspect(["heap", core, "--exe", exe, "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let document = try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8))
        XCTAssertEqual(document.result.mallinfo, truth.mallinfo2)
        XCTAssertTrue(document.result.reconciliation.holds)
    }
}
