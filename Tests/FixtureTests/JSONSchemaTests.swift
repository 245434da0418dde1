import Foundation
import XCTest

/// Every command's --json output, in every result shape, validated against docs/schema with a
/// real JSON Schema validator (Tools/validate-json: Python's jsonschema); and the schema itself
/// held to its version: no field of `docs/schema/fields-<version>.txt` may disappear.
final class JSONSchemaTests: XCTestCase {
    static let schemaDirectory = Fixtures.packageRoot + "/docs/schema"
    static let validator = Fixtures.packageRoot + "/Tools/validate-json"

    func testEveryInvocationsOutputValidatesAgainstTheSchema() throws {
        let runs = try JSONRuns.shared.all()
        for run in runs {
            XCTAssertTrue(run.invocation.statuses.contains(run.result.status),
                          "\(run.invocation.name): status \(run.result.status): \(run.result.stderr)")
        }
        let validation = try Shell.run(Self.validator, runs.map(\.path))
        XCTAssertEqual(validation.status, 0, "Tools/validate-json:\n\(validation.stdout)\(validation.stderr)")
    }

    /// Shapes other helpers print, built from real outputs as COMMON.md's contract describes
    /// them: a cgo program's Go heap carries the C heap's result under "glibc", and a run cut
    /// short by --timeout says "incomplete": true (never false).
    func testTheContractedAdditionsValidate() throws {
        let runs = try JSONRuns.shared.all()
        func document(_ name: String) throws -> [String: Any] {
            let run = try XCTUnwrap(runs.first { $0.invocation.name == name })
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.result.stdout.utf8)) as? [String: Any])
        }
        var cgo = try document("heap-go")
        var result = try XCTUnwrap(cgo["result"] as? [String: Any])
        result["glibc"] = try document("heap-glibc")["result"]
        cgo["result"] = result
        var incomplete = try document("goroutines")
        incomplete["incomplete"] = true
        var notFalse = incomplete
        notFalse["incomplete"] = false
        var mislabelled = try document("heap-glibc")
        mislabelled["command"] = "leaks"

        let directory = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var paths: [String] = []
        for (name, value) in [("cgo", cgo), ("incomplete", incomplete), ("not-false", notFalse), ("mislabelled", mislabelled)] {
            let path = directory + "/\(name).json"
            try JSONSerialization.data(withJSONObject: value).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let accepted = try Shell.run(Self.validator, Array(paths[0...1]))
        XCTAssertEqual(accepted.status, 0, accepted.stdout + accepted.stderr)
        let rejected = try Shell.run(Self.validator, Array(paths[2...3]))
        XCTAssertEqual(rejected.status, 1)
        XCTAssertTrue(rejected.stdout.contains("not-false.json: $.incomplete:"), rejected.stdout)
        XCTAssertTrue(rejected.stdout.contains("mislabelled.json: $.result"), rejected.stdout)
    }

    /// The envelope lists the commands it dispatches on; each needs a run above, or its result
    /// schema would go unchecked.
    func testEveryCommandOfTheSchemaHasAnInvocation() throws {
        struct Envelope: Decodable {
            struct Properties: Decodable {
                struct Command: Decodable { var `enum`: [String] }
                var command: Command
            }
            var properties: Properties
        }
        let envelope = try JSONDecoder().decode(Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: Self.schemaDirectory + "/coreinspect.schema.json")))
        let covered = Set(try JSONInvocations.all().map(\.command))
        XCTAssertEqual(Set(envelope.properties.command.enum).subtracting(covered), [], "commands without a JSONInvocation")
        for command in envelope.properties.command.enum {
            XCTAssertTrue(FileManager.default.fileExists(atPath: Self.schemaDirectory + "/results/\(command).schema.json"), command)
        }
    }

    /// A field is never silently renamed or removed: every path recorded for this schema version
    /// is still in the schema. (A new version records its own list.)
    func testTheSchemaKeepsEveryFieldOfItsVersion() throws {
        let version = try Self.schemaVersion()
        XCTAssertEqual(version, "coreinspect/2", "ReportDocument.schemaVersion and the envelope's schema const differ")
        let recorded = try Self.recordedFields(version: version)
        XCTAssertGreaterThan(recorded.count, 400)
        let listed = try Self.listedFields(schemaDirectory: Self.schemaDirectory)
        XCTAssertEqual(recorded.subtracting(listed).sorted(), [],
                       "fields of \(version) missing from the schema: renaming or removing a field needs a new version")
    }

    /// The guard above and the validator both catch a rename: in a copy of the schema where
    /// threads' `tookSignal` is called `signalled`, the recorded field is missing and a real
    /// threads document no longer validates.
    func testARenamedFieldIsCaught() throws {
        let copy = try Fixtures.scratchDirectory(for: self) + "/schema"
        defer { try? FileManager.default.removeItem(atPath: (copy as NSString).deletingLastPathComponent) }
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: Self.schemaDirectory, toPath: copy)
        let threads = copy + "/results/threads.schema.json"
        let original = try String(contentsOfFile: threads, encoding: .utf8)
        let renamed = original.replacingOccurrences(of: "\"tookSignal\"", with: "\"signalled\"")
        XCTAssertNotEqual(renamed, original)
        try renamed.write(toFile: threads, atomically: true, encoding: .utf8)

        let missing = try Self.recordedFields(version: Self.schemaVersion()).subtracting(Self.listedFields(schemaDirectory: copy))
        XCTAssertEqual(missing, ["result(threads).threads[].tookSignal"])

        let run = try XCTUnwrap(try JSONRuns.shared.all().first { $0.invocation.name == "threads-c" })
        let validation = try Shell.run(Self.validator, ["--schema-dir", copy, run.path])
        XCTAssertEqual(validation.status, 1)
        XCTAssertTrue(validation.stdout.contains("'tookSignal' was unexpected"), validation.stdout)
    }

    static func schemaVersion() throws -> String {
        struct Envelope: Decodable {
            struct Properties: Decodable {
                struct Schema: Decodable { var const: String }
                var schema: Schema
            }
            var properties: Properties
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: schemaDirectory + "/coreinspect.schema.json"))
        return try JSONDecoder().decode(Envelope.self, from: data).properties.schema.const
    }

    static func recordedFields(version: String) throws -> Set<String> {
        let path = schemaDirectory + "/fields-\(version.replacingOccurrences(of: "/", with: "-")).txt"
        return Set(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init))
    }

    static func listedFields(schemaDirectory: String) throws -> Set<String> {
        let listing = try Shell.run(validator, ["--list-fields", "--schema-dir", schemaDirectory])
        guard listing.status == 0 else { throw FixtureError("validate-json --list-fields: \(listing.stderr)") }
        return Set(listing.stdout.split(separator: "\n").map(String.init))
    }
}
