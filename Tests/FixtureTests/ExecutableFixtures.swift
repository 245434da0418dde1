import Foundation
import XCTest

/// The fixture executables `info EXE` and `symbolize` are checked on: C and
/// C++ with and without DWARF, and every Go release's go-heap, stripped and not.
enum ExecutableFixtures {
    static var native: [String] {
        ["c-threads/c-threads", "c-threads/c-threads.nodebug", "cxx-threads/cxx-threads"].map { Fixtures.testCores + "/" + $0 }
    }

    /// (release directory name such as "go1.26.6", unstripped, stripped), decompressed into .build/test-cores.
    /// go1.19.8 has no stripped build.
    static func goHeap() throws -> [(release: String, plain: String, stripped: String?)] {
        let directory = Fixtures.testCores + "/go-heap"
        let releases = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("go1.") }.sorted()
        return try releases.map { release in
            let fixture = Fixture(directory: directory + "/" + release, dump: "gcore")
            let hasStripped = FileManager.default.fileExists(atPath: fixture.directory + "/go-heap-stripped.xz")
            return (release, try fixture.executable(named: "go-heap"), hasStripped ? try fixture.executable(named: "go-heap-stripped") : nil)
        }
    }

    /// A Go toolchain that reads binaries of `release` ("go1.26.6"): its own, else the newest installed.
    static func goTool(for release: String) throws -> String {
        let version = String(release.dropFirst(2))
        let own = "/opt/coreinspect-go/\(version)/bin/go"
        if FileManager.default.isExecutableFile(atPath: own) { return own }
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/opt/coreinspect-go")) ?? []
        guard let newest = installed.max(by: { $0.compare($1, options: .numeric) == .orderedAscending }) else {
            throw FixtureError("no Go toolchain in /opt/coreinspect-go (run Tools/setup)")
        }
        return "/opt/coreinspect-go/\(newest)/bin/go"
    }

    /// Checks `json`'s result against docs/schema/results/NAME with Python's jsonschema.
    static func validate(_ json: String, resultSchema name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let schema = Fixtures.packageRoot + "/docs/schema/results/" + name
        let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        result = json.loads(sys.argv[2])["result"]
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(result)]
        print("\\n".join(errors[:5]))
        sys.exit(1 if errors else 0)
        """
        // python3 from PATH: where Tools/setup (or pip) put jsonschema.
        let result = try Shell.run("/usr/bin/env", ["python3", "-c", script, schema, json])
        XCTAssertEqual(result.status, 0, "\(name): \(result.stdout) \(result.stderr)", file: file, line: line)
    }
}
