import Foundation
import XCTest

/// `coreinspect why` through the built binary on one go-heap core: text and JSON for an object
/// the truth names with its root, garbage, and the exit statuses of addresses it cannot use.
final class WhyCommandTests: XCTestCase {
    private struct Truth: Decodable {
        struct Object: Decodable { var what: String; var type: String; var address: String; var root: String; var rootKind: String }
        var exe: String
        var objects: [Object]
        var garbageAddresses: [String]
    }

    private struct Document: Decodable {
        struct Object: Decodable { var address: String; var size: UInt64; var type: String; var state: String }
        struct Root: Decodable { var kind: String; var name: String }
        struct Step: Decodable { var from: String; var to: String; var type: String; var via: String; var address: String? }
        struct Dominator: Decodable { var kind: String; var object: Object? }
        struct Result: Decodable {
            var address: String
            var object: Object
            var state: String
            var root: Root?
            var steps: [Step]
            var dominator: Dominator?
            var predecessors: [Object]
        }
        var command: String
        var result: Result
    }

    private func fixture() throws -> (Fixture, Truth, core: String, exe: String) {
        let fixture = try XCTUnwrap(Fixtures.all().first { $0.name == "go-heap/go1.26.6" && $0.dump == "gcore" })
        let truth = try fixture.truth(Truth.self)
        return (fixture, truth, try fixture.core(), try fixture.executable(named: truth.exe))
    }

    private func why(_ address: String, json: Bool) throws -> (Shell.Result, Document?) {
        let (_, _, core, exe) = try fixture()
        let result = try Shell.coreinspect(["why", core, address, "--exe", exe] + (json ? ["--json"] : []))
        guard json, result.status == 0 else { return (result, nil) }
        return (result, try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8)))
    }

    func testJSONPathLeadsFromTheTruthsRootToTheObject() throws {
        let (_, truth, _, _) = try fixture()
        let object = try XCTUnwrap(truth.objects.first { $0.what == "sessions[0]" })
        // An interior address: any byte of the object names it.
        let interior = "0x" + String((UInt64(object.address.dropFirst(2), radix: 16) ?? 0) + 8, radix: 16)
        let (result, document) = try why(interior, json: true)
        XCTAssertEqual(result.status, 0, result.stderr)
        let answer = try XCTUnwrap(document?.result)
        XCTAssertEqual(document?.command, "why")
        XCTAssertEqual(answer.state, "live")
        XCTAssertEqual(answer.object.type, object.type)
        XCTAssertEqual(answer.object.address, object.address)
        XCTAssertEqual(answer.root?.kind, object.rootKind)
        XCTAssertEqual(answer.root?.name, object.root)
        XCTAssertEqual(answer.steps.first?.from, object.root)
        XCTAssertEqual(answer.steps.last?.to, object.address)
        XCTAssertEqual(answer.steps.last?.type, object.type)
        for (step, next) in zip(answer.steps, answer.steps.dropFirst()) { XCTAssertEqual(next.from, step.to) }
        XCTAssertNotNil(answer.dominator)
    }

    /// The truth's `retained` says main.quads alone holds its backing array and the arrays it
    /// points to: each array is dominated by the backing array, the step before it.
    func testAnObjectOneRootHoldsAloneIsDominatedByTheStepBeforeIt() throws {
        let (fixture, truth, _, _) = try fixture()
        struct Retained: Decodable { struct Root: Decodable { var root: String }; var retained: [Root] }
        XCTAssertTrue(try fixture.truth(Retained.self).retained.contains { $0.root == "main.quads" })
        let object = try XCTUnwrap(truth.objects.first { $0.what == "quads[0]" })
        let (result, document) = try why(object.address, json: true)
        XCTAssertEqual(result.status, 0, result.stderr)
        let answer = try XCTUnwrap(document?.result)
        XCTAssertEqual(answer.root?.name, object.root)
        XCTAssertGreaterThanOrEqual(answer.steps.count, 2)
        let dominator = try XCTUnwrap(answer.dominator)
        XCTAssertEqual(dominator.kind, "object")
        XCTAssertEqual(dominator.object?.address, answer.steps.dropLast().last?.to)
        XCTAssertEqual(dominator.object?.type, answer.steps.dropLast().last?.type)
    }

    func testTextPrintsOneStepALine() throws {
        let (_, truth, _, _) = try fixture()
        let object = try XCTUnwrap(truth.objects.first { $0.what == "sessions[0]" })
        let (json, document) = try why(object.address, json: true)
        XCTAssertEqual(json.status, 0, json.stderr)
        let steps = try XCTUnwrap(document?.result.steps)
        let (result, _) = try why(object.address, json: false)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertTrue(lines.first?.contains("is inside \(object.type) at \(object.address)") ?? false, result.stdout)
        XCTAssertTrue(lines.contains { $0.contains("root: global \(object.root)") }, result.stdout)
        let stepLines = lines.filter { $0.contains(" → ") }
        XCTAssertEqual(stepLines.count, steps.count, result.stdout)
        for (line, step) in zip(stepLines, steps) { XCTAssertTrue(line.hasSuffix("\(step.type) at \(step.to)"), "\(line)") }
        XCTAssertTrue(lines.contains { $0.hasPrefix("Immediate dominator: ") }, result.stdout)
    }

    func testGarbageIsUnreachable() throws {
        let (_, truth, _, _) = try fixture()
        var answered = 0
        // Each run reads the whole heap: a few addresses, as WhyTests checks them all.
        for address in truth.garbageAddresses.prefix(4) {
            let (result, document) = try why(address, json: true)
            XCTAssertEqual(result.status, 0, result.stderr)
            guard let answer = document?.result, answer.state == "garbage" else { continue }
            XCTAssertNil(answer.root)
            XCTAssertEqual(answer.steps.count, 0)
            answered += 1
        }
        XCTAssertGreaterThan(answered, 0, "stale stack words keep at most a few of the dropped garbage alive")
    }

    /// 6 for an address no object holds (on a C program's glibc heap too), 64 for one that is no number.
    func testAddressesOutsideTheHeapExitWithTheirOwnStatus() throws {
        let (outside, _) = try why("0x10", json: false)
        XCTAssertEqual(outside.status, 6, outside.stderr)
        XCTAssertEqual(outside.stderr.split(separator: "\n").count, 1, outside.stderr)
        XCTAssertTrue(outside.stderr.contains("0x10 is in no allocated heap object"), outside.stderr)
        XCTAssertEqual(outside.stdout, "")
        let (malformed, _) = try why("0xnothex", json: false)
        XCTAssertEqual(malformed.status, 64, malformed.stderr)
        let native = try Fixtures.cKernel()
        let notGo = try Shell.coreinspect(["why", native.core, "0x1000", "--exe", native.exe])
        XCTAssertEqual(notGo.status, 6, notGo.stderr)
        XCTAssertTrue(notGo.stderr.contains("0x1000 is in no malloc chunk"), notGo.stderr)
    }
}
