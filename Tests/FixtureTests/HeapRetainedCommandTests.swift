import Foundation
import XCTest

/// `coreinspect heap --retained` through the built binary against the go-heap program's
/// own accounting: each global the truth lists as held exclusively is a root row retaining
/// exactly its objects and bytes, and the goroutine holding the Node list retains the list.
final class HeapRetainedCommandTests: XCTestCase {
    private struct Document: Decodable {
        struct TypeShare: Decodable { var type: String; var objects: Int; var bytes: UInt64 }
        struct Root: Decodable {
            var kind: String
            var name: String
            var retainedObjects: Int
            var retainedBytes: UInt64
            var types: [TypeShare]
        }
        struct Totals: Decodable {
            var liveObjects: Int
            var liveBytes: UInt64
            var retainedObjects: Int
            var retainedBytes: UInt64
            var sharedObjects: Int
            var sharedBytes: UInt64
        }
        struct Result: Decodable { var roots: [Root]; var totals: Totals; var otherRoots: Int }
        var command: String
        var result: Result
    }

    private struct Truth: Decodable {
        struct Count: Decodable { var HeapObjects: Int }
        var exe: String
        var memstats: Count
    }

    func testJSONRowsMatchTheProgramsAccounting() throws {
        let fixtures = Fixtures.all().filter { $0.name.hasPrefix("go-heap") && $0.dump == "gcore" }
        XCTAssertGreaterThanOrEqual(fixtures.count, 7)
        for fixture in fixtures {
            let truth = try fixture.truth(GoHeapRootTruth.self)
            let files = try fixture.truth(Truth.self)
            let exe = try fixture.executable(named: files.exe)
            let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", exe, "--retained", "--top", "1000", "--json"])
            XCTAssertEqual(result.status, 0, "\(fixture): \(result.stderr)")
            let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
            XCTAssertEqual(document.command, "heap")
            XCTAssertEqual(document.result.otherRoots, 0, "\(fixture): --top 1000 shows every root")
            let roots = document.result.roots
            for expected in truth.retained {
                let name = RootLabelMatcher.goroutine(of: expected.root, in: truth).map { "goroutine \($0)" } ?? expected.root
                let row = roots.first { $0.name == name }
                XCTAssertEqual(row?.retainedObjects, expected.objects, "\(fixture): \(expected.root)")
                XCTAssertEqual(row?.retainedBytes, expected.bytes, "\(fixture): \(expected.root)")
                XCTAssertLessThanOrEqual(row?.types.reduce(0) { $0 + $1.bytes } ?? 0, expected.bytes, "\(fixture)")
            }
            let totals = document.result.totals
            XCTAssertEqual(roots.reduce(0) { $0 + $1.retainedObjects }, totals.retainedObjects, "\(fixture): rows add up")
            XCTAssertEqual(roots.reduce(0) { $0 + $1.retainedBytes }, totals.retainedBytes, "\(fixture): rows add up")
            XCTAssertEqual(totals.retainedObjects + totals.sharedObjects, totals.liveObjects, "\(fixture)")
            XCTAssertLessThanOrEqual(totals.liveObjects, files.memstats.HeapObjects, "\(fixture)")
        }
    }

    func testTextListsRootsLargestFirst() throws {
        let fixture = try XCTUnwrap(Fixtures.all().first { $0.name == "go-heap/go1.24.11" && $0.dump == "kernel-stripped" })
        let exe = try fixture.executable(named: try fixture.truth(Truth.self).exe)
        let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", exe, "--retained", "--top", "5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("Go go1.24.11 heap retained by root") ?? false, result.stdout)
        // Root rows start with their retained size; a goroutine's frame lines under it start blank.
        let rows = lines.dropFirst(2).prefix { !$0.hasPrefix("  …") && !$0.hasPrefix("Total") }
            .filter { $0.dropFirst(2).first?.isNumber ?? false }
        XCTAssertEqual(rows.count, 5, result.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  … and ") }, result.stdout)
        XCTAssertTrue(lines.last?.hasPrefix("Total ") ?? false, result.stdout)
    }
}
