import Foundation
import XCTest

/// `info EXE` against eu-readelf (sections, build-id) and `go version -m`.
final class ExecutableInfoTests: XCTestCase {
    private struct Document: Decodable {
        struct Result: Decodable {
            struct Section: Decodable, Equatable {
                var index: Int
                var name: String
                var type: String
                var address: String
                var offset: UInt64
                var size: UInt64
                var flags: String
            }
            struct DebugInfo: Decodable {
                struct Link: Decodable { var file: String; var crc: String }
                struct Index: Decodable { var path: String; var present: Bool }
                var embedded: Bool
                var debugLink: Link?
                var buildIDIndex: Index?
                var used: String
                var usedFile: String?
            }
            struct Go: Decodable { var version: String; var goVersionM: String; var functions: Int? }
            var kind: String
            var buildID: String?
            var sections: [Section]
            var debugInfo: DebugInfo
            var go: Go?
        }
        var result: Result
    }

    private func info(_ arguments: [String]) throws -> (Document.Result, String) {
        let run = try Shell.coreinspect(["info"] + arguments + ["--json"])
        XCTAssertEqual(run.status, 0, "\(arguments): \(run.stderr)")
        return (try JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8)).result, run.stdout)
    }

    /// `eu-readelf -S -W`'s table: index, name, type, address, offset, size, flags.
    private func readelfSections(_ path: String) throws -> [Document.Result.Section] {
        let output = try Shell.run("/usr/bin/eu-readelf", ["-S", "-W", path])
        XCTAssertEqual(output.status, 0, output.stderr)
        return output.stdout.split(separator: "\n").compactMap { line -> Document.Result.Section? in
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]"), let index = Int(line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)) else { return nil }
            var fields = line[line.index(after: close)...].split(separator: " ").map(String.init)
            // Name and flags may be empty: the address (16 hex digits) anchors the row.
            guard let addressIndex = fields.firstIndex(where: { $0.count == 16 && UInt64($0, radix: 16) != nil }), addressIndex >= 1 else { return nil }
            let name = addressIndex == 2 ? fields[0] : ""
            fields = Array(fields[(addressIndex - 1)...]) // type, address, offset, size, ES, [flags], Lk, Inf, Al
            let flags = fields.count == 9 ? fields[5] : ""
            return .init(index: index, name: name, type: fields[0], address: "0x" + String(UInt64(fields[1], radix: 16)!, radix: 16),
                         offset: UInt64(fields[2], radix: 16)!, size: UInt64(fields[3], radix: 16)!, flags: flags)
        }
    }

    private func readelfBuildID(_ path: String) throws -> String? {
        let output = try Shell.run("/usr/bin/eu-readelf", ["-n", path]).stdout
        return output.split(separator: "\n").first { $0.contains("Build ID: ") }.map { String($0.split(separator: " ").last!) }
    }

    func testSectionsAndBuildIDMatchEuReadelf() throws {
        let go = try ExecutableFixtures.goHeap()
        let executables = ExecutableFixtures.native + go.flatMap { [$0.plain, $0.stripped].compactMap { $0 } }
        for executable in executables {
            let (result, json) = try info([executable])
            let expected = try readelfSections(executable)
            XCTAssertGreaterThan(expected.count, 10, executable)
            XCTAssertEqual(result.sections, expected, executable)
            XCTAssertEqual(result.buildID, try readelfBuildID(executable), executable)
            XCTAssertEqual(result.debugInfo.embedded, expected.contains { $0.name == ".debug_info" }, executable)
            try ExecutableFixtures.validate(json, resultSchema: "info-executable.schema.json")
        }
    }

    func testGoBuildInfoIsWhatGoVersionMPrints() throws {
        for (release, plain, stripped) in try ExecutableFixtures.goHeap() {
            let tool = try ExecutableFixtures.goTool(for: release)
            for executable in [plain, stripped].compactMap({ $0 }) {
                let expected = try Shell.run(tool, ["version", "-m", executable])
                XCTAssertEqual(expected.status, 0, expected.stderr)
                let (result, _) = try info([executable])
                let go = try XCTUnwrap(result.go, executable)
                XCTAssertEqual(go.goVersionM + "\n", expected.stdout, executable)
                XCTAssertEqual(go.version, release, executable)
                XCTAssertGreaterThan(go.functions ?? 0, 1000, "\(executable): pclntab not read")
            }
        }
    }

    /// A separate debug file found through `.gnu_debuglink` (CRC as zlib computes it) and through the build-id index.
    func testSeparateDebugInfoIsFoundAndNamed() throws {
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let original = Fixtures.testCores + "/c-threads/c-threads"
        let debug = scratch + "/c-threads.debug", stripped = scratch + "/c-threads"
        for arguments in [["--only-keep-debug", original, debug], ["--strip-debug", "--add-gnu-debuglink=\(debug)", original, stripped]] {
            let result = try Shell.run("/usr/bin/objcopy", arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let crc = try Shell.run("/usr/bin/python3", ["-c", "import sys, zlib; print('%08x' % zlib.crc32(open(sys.argv[1], 'rb').read()))", debug])
        let (linked, _) = try info([stripped])
        XCTAssertFalse(linked.debugInfo.embedded)
        XCTAssertEqual(linked.debugInfo.debugLink?.file, "c-threads.debug")
        XCTAssertEqual(linked.debugInfo.debugLink?.crc, crc.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(linked.debugInfo.used, "separate")
        XCTAssertEqual(linked.debugInfo.usedFile, debug)

        // The same debug file under DIR/.build-id/xx/rest.debug, the link removed.
        let buildID = try XCTUnwrap(try readelfBuildID(original))
        let indexDirectory = scratch + "/index/.build-id/" + buildID.prefix(2)
        try FileManager.default.createDirectory(atPath: indexDirectory, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: debug, toPath: indexDirectory + "/" + buildID.dropFirst(2) + ".debug")
        let unlinked = scratch + "/unlinked"
        XCTAssertEqual(try Shell.run("/usr/bin/objcopy", ["--remove-section=.gnu_debuglink", stripped, unlinked]).status, 0)
        let (indexed, _) = try info([unlinked, "--debug-dir", scratch + "/index"])
        XCTAssertNil(indexed.debugInfo.debugLink)
        XCTAssertEqual(indexed.debugInfo.buildIDIndex?.present, true)
        XCTAssertEqual(indexed.debugInfo.buildIDIndex?.path, indexDirectory + "/" + buildID.dropFirst(2) + ".debug")
        XCTAssertEqual(indexed.debugInfo.used, "separate")
    }
}
