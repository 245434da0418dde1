import Foundation
import XCTest

/// `symbolize` against eu-addr2line (C, C++) and `go tool addr2line` (Go,
/// whose stripped binaries must give the same answer through the pclntab).
final class SymbolizeTests: XCTestCase {
    private struct Document: Decodable {
        struct Result: Decodable {
            struct Entry: Decodable { var address: String; var source: String; var frames: [Frame] }
            struct Frame: Decodable, Equatable { var function: String?; var file: String?; var line: Int?; var inlined: Bool }
            var addresses: [Entry]
        }
        var result: Result
    }

    /// About `count` addresses spread over the file's .text, odd steps so they fall inside instructions too.
    private func textAddresses(_ path: String, count: Int) throws -> [String] {
        let output = try Shell.run("/usr/bin/eu-readelf", ["-S", "-W", path]).stdout
        let row = try XCTUnwrap(output.split(separator: "\n").first { $0.contains(" .text ") }, path)
        let fields = row.split(separator: " ")
        let typeIndex = try XCTUnwrap(fields.firstIndex(of: "PROGBITS"))
        let start = try XCTUnwrap(UInt64(fields[typeIndex + 1], radix: 16)), size = try XCTUnwrap(UInt64(fields[typeIndex + 3], radix: 16))
        let step = max(1, size / UInt64(count)) | 1
        return stride(from: start, to: start + size, by: Int(step)).map { "0x" + String($0, radix: 16) }
    }

    func testNativeFramesMatchEuAddr2line() throws {
        for executable in ExecutableFixtures.native {
            let addresses = try textAddresses(executable, count: 700)
            let expected = try Shell.run("/usr/bin/eu-addr2line", ["-a", "-i", "-f", "-C", "-e", executable] + addresses)
            // eu-addr2line exits 1 when some address has no symbol (padding in a file without DWARF).
            XCTAssertFalse(expected.stdout.isEmpty, expected.stderr)
            XCTAssertTrue(expected.stdout.contains(" inlined at ") || executable.hasSuffix(".nodebug") || executable.hasSuffix("cxx-threads"),
                          "\(executable): the sample should include inlined frames")
            let result = try Shell.coreinspect(["symbolize", executable] + addresses)
            XCTAssertEqual(result.status, 0, result.stderr)
            let ours = byAddress(result.stdout), theirs = byAddress(expected.stdout)
            XCTAssertEqual(ours.count, addresses.count, executable)
            XCTAssertEqual(theirs.count, addresses.count, executable)
            let differing = zip(ours, theirs).filter { $0 != $1 }
            // C++ destructors and constprop clones have DWARF scopes without a name of
            // their own: eu-addr2line drops or "??"s them where libdw's abstract origin
            // names them. Everything else must agree exactly.
            let allowed = executable.hasSuffix("cxx-threads") ? addresses.count / 100 : 0
            XCTAssertLessThanOrEqual(differing.count, allowed, "\(executable): \(differing.prefix(3))")
        }
    }

    /// Output cut into one block per address (each starts with its 0x… line).
    private func byAddress(_ output: String) -> [String] {
        var blocks: [String] = []
        for line in output.split(separator: "\n") {
            if line.hasPrefix("0x"), line.count == 18 { blocks.append("") }
            if !blocks.isEmpty { blocks[blocks.count - 1] += line + "\n" }
        }
        return blocks
    }

    func testAddressesOnStandardInputGiveTheSameAnswer() throws {
        let executable = Fixtures.testCores + "/c-threads/c-threads"
        let addresses = try textAddresses(executable, count: 50)
        let fromArguments = try Shell.coreinspect(["symbolize", executable, "--json"] + addresses)
        let binary = try Shell.coreinspectPath()
        let fromInput = try Shell.run("/bin/sh", ["-c", "exe=$1; shift; printf '%s\\n' \"$@\" | \"$0\" symbolize \"$exe\" --json", binary, executable] + addresses)
        XCTAssertEqual(fromInput.status, 0, fromInput.stderr)
        XCTAssertEqual(fromInput.stdout, fromArguments.stdout)
        try ExecutableFixtures.validate(fromInput.stdout, resultSchema: "symbolize.schema.json")
    }

    func testAMissingExecutableIsStatus3() throws {
        let result = try Shell.coreinspect(["symbolize", "/nonexistent/program", "0x1000"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    }

    /// The outermost function and the innermost file:line are what `go tool
    /// addr2line` prints; the stripped binary gives the same frames.
    func testGoFramesMatchGoToolAddr2lineAndSurviveStripping() throws {
        for (release, plain, stripped) in try ExecutableFixtures.goHeap() {
            let tool = try ExecutableFixtures.goTool(for: release)
            let symbols = try Shell.run(tool, ["tool", "nm", "-size", plain])
            XCTAssertEqual(symbols.status, 0, symbols.stderr)
            // Text symbols with a size, every seventh, a third of the way in.
            var inside: [UInt64] = []
            for line in symbols.stdout.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count >= 4, fields[2] == "T" || fields[2] == "t",
                      let start = UInt64(fields[0], radix: 16), let size = UInt64(fields[1]), size > 0 else { continue }
                inside.append(start + size / 3)
            }
            let addresses: [String] = stride(from: 0, to: inside.count, by: 7).map { "0x" + String(inside[$0], radix: 16) }
            XCTAssertGreaterThan(addresses.count, 100, release)
            let oracle = try Shell.run("/bin/sh", ["-c", "exe=$1; shift; printf '%s\\n' \"$@\" | \"$0\" tool addr2line \"$exe\"", tool, plain] + addresses)
            let oracleLines = oracle.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            XCTAssertGreaterThanOrEqual(oracleLines.count, addresses.count * 2, oracle.stderr)

            let plainRun = try Shell.coreinspect(["symbolize", plain, "--json"] + addresses)
            XCTAssertEqual(plainRun.status, 0, plainRun.stderr)
            let entries = try JSONDecoder().decode(Document.self, from: Data(plainRun.stdout.utf8)).result.addresses
            XCTAssertEqual(entries.count, addresses.count)
            for (index, entry) in entries.enumerated() {
                XCTAssertEqual(entry.source, "pclntab", "\(release) \(entry.address)")
                XCTAssertEqual(entry.frames.last?.function, oracleLines[2 * index], "\(release) \(entry.address)")
                // go tool addr2line prints ":-1" (or "?:0") where the pclntab has no line.
                let expected = oracleLines[2 * index + 1]
                let known = expected != ":-1" && expected != "?:0"
                let innermost = entry.frames.first.flatMap { frame in frame.file.map { "\($0):\(frame.line ?? 0)" } }
                XCTAssertEqual(innermost, known ? expected : nil, "\(release) \(entry.address)")
            }
            XCTAssertTrue(entries.contains { entry in entry.frames.contains { $0.inlined } }, "\(release): no inlined frames in the sample")

            guard let stripped else { continue }
            let strippedRun = try Shell.coreinspect(["symbolize", stripped, "--json"] + addresses)
            let strippedEntries = try JSONDecoder().decode(Document.self, from: Data(strippedRun.stdout.utf8)).result.addresses
            XCTAssertEqual(strippedEntries.map { $0.frames }, entries.map { $0.frames }, "\(release): stripped binary differs")
        }
    }
}
