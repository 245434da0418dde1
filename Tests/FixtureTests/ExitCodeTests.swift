import CoreFile
import Foundation
import ProcessImage
import Symbols
import XCTest

/// Each documented exit status, driven through the built binary, and the
/// table that documents them: `--help` and the README must list the same codes.
final class ExitCodeTests: XCTestCase {
    private var scratch: String!

    override func setUpWithError() throws {
        scratch = try Fixtures.scratchDirectory(for: self)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    private struct Document: Decodable {
        struct Warning: Decodable { var kind: String; var message: String; var count: Int }
        struct Note: Decodable { var kind: String; var message: String }
        var warnings: [Warning]
        var notes: [Note]
    }

    private func stderrLines(_ result: Shell.Result, prefix: String) -> [Substring] {
        result.stderr.split(separator: "\n").filter { $0.hasPrefix(prefix) }
    }

    func test0EverythingShown() throws {
        let (core, exe, _) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["threads", core, "--exe", exe])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "a complete answer prints nothing on stderr")
    }

    /// A stripped executable is what production has: the answer is complete
    /// for what the file allows, so a note, not a warning, and status 0.
    func test0StrippedExecutableGivesANote() throws {
        let (core, _, truth) = try Fixtures.cKernel()
        let stripped = Fixtures.testCores + "/c-threads/c-threads.nodebug"
        let result = try Shell.coreinspect(["threads", core, "--exe", stripped])
        XCTAssertEqual(result.status, 0, result.stderr)
        let notes = stderrLines(result, prefix: "note: ")
        XCTAssertEqual(notes.count, 1, result.stderr)
        XCTAssertTrue(notes.first?.contains("c-threads.nodebug: no debug info") == true, result.stderr)
        XCTAssertTrue(stderrLines(result, prefix: "warning: ").isEmpty, result.stderr)
        for thread in truth.threads {
            for frame in thread.frames where !frame.inlined {
                XCTAssertTrue(result.stdout.contains(" \(frame.function)+"), "\(frame.function) not named from the symbol table")
            }
        }
        let json = try Shell.coreinspect(["threads", core, "--exe", stripped, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let document = try JSONDecoder().decode(Document.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(document.notes.map(\.kind), ["no-debug-info"])
        XCTAssertTrue(document.warnings.isEmpty)
    }

    func test1PartialAnswerFromATruncatedCore() throws {
        let (core, exe, truth) = try Fixtures.cKernel()
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: core)[.size] as? Int)
        let cut = scratch + "/cut.core"
        try Data(contentsOf: URL(fileURLWithPath: core)).prefix(size - 3 * 4096 - 100).write(to: URL(fileURLWithPath: cut))
        let result = try Shell.coreinspect(["threads", cut, "--exe", exe, "--json"])
        XCTAssertEqual(result.status, 1, result.stderr)
        let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(document.warnings.map(\.kind), ["truncated-core"], result.stdout)
        XCTAssertEqual(document.warnings.first?.count, 1)
        // Partial, not empty: the notes precede the cut, so every thread is there.
        XCTAssertEqual(try Shell.coreinspect(["threads", cut, "--exe", exe]).stdout.components(separatedBy: "\nThread ").count,
                       truth.threads.count)
    }

    /// The Go symbol table's own warnings reach the user: without
    /// `runtime.firstmoduledata` Go frames lose their inlined calls.
    func test1GoSymbolTableWarningIsShown() throws {
        let fixture = Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore")
        let core = try fixture.core(), executable = try fixture.executable(named: "go-hello")
        let process = try ProcessImage(corePath: core, search: FileSearch(executable: executable))
        let dwarf = try XCTUnwrap(try NativeSymbols(process: process).dwarfIndex(for: try XCTUnwrap(process.mainExecutable)))
        let moduleData = Address(try XCTUnwrap(dwarf.variableAddress("runtime.firstmoduledata")))
        // Its first word points to the pclntab header; zero makes it unrecognizable.
        let segment = try XCTUnwrap(process.core.segments.first { $0.presentRange.contains(moduleData) })
        let damaged = scratch + "/no-moduledata.core"
        XCTAssertEqual(try Shell.run("/bin/cp", ["--sparse=always", core, damaged]).status, 0)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: damaged))
        try handle.seek(toOffset: segment.fileOffset + moduleData.offset(from: segment.range.start))
        try handle.write(contentsOf: Data(count: 8))
        try handle.close()

        let result = try Shell.coreinspect(["goroutines", damaged, "--exe", executable, "--json"])
        XCTAssertEqual(result.status, 1, result.stderr)
        let warnings = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8)).warnings
        XCTAssertEqual(warnings.map(\.kind), ["incomplete-symbols"], "\(warnings)")
        XCTAssertTrue(warnings.first?.message.contains("runtime.firstmoduledata not found") == true, "\(warnings)")
    }

    func test2UnusableCore() throws {
        let result = try Shell.coreinspect(["threads", Fixtures.testCores + "/c-threads/main.c"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertEqual(stderrLines(result, prefix: "coreinspect: ").count, 1, result.stderr)
    }

    func test3MissingExecutable() throws {
        let (core, _, _) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["info", core, "--exe", scratch + "/absent"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("absent: not found"), result.stderr)
    }

    func test4NotAGoProgram() throws {
        let (core, exe, _) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["goroutines", core, "--exe", exe])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertTrue(result.stderr.contains("not a Go program"), result.stderr)
    }

    /// The pclntab's own reader throws the file layer's "malformed" error
    /// (status 2 elsewhere); for `goroutines` it means the runtime is unreadable.
    func test4UnreadablePclntab() throws {
        let fixture = Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore")
        let core = try fixture.core()
        let executable = try fixture.executable(named: "go-hello")
        let file = try MappedFile(path: executable)
        let pclntab = try withExtendedLifetime(file) {
            try XCTUnwrap(try ELFImage(view: file.bytes, path: executable).section(named: ".gopclntab"))
        }
        // The core leaves read-only data out (gcore), so the pclntab comes from the file: break its magic there.
        let damaged = scratch + "/go-hello"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: executable))
        bytes.replaceSubrange(Int(pclntab.fileOffset)..<Int(pclntab.fileOffset) + 4, with: [0, 0, 0, 0])
        try bytes.write(to: URL(fileURLWithPath: damaged))

        let result = try Shell.coreinspect(["goroutines", core, "--exe", damaged])
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertTrue(result.stderr.contains("pclntab"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        // threads still answers, natively, and says what it could not read.
        let threads = try Shell.coreinspect(["threads", core, "--exe", damaged])
        XCTAssertEqual(threads.status, 1, threads.stderr)
        XCTAssertTrue(threads.stderr.contains("warning: Go runtime not readable"), threads.stderr)
    }

    func test64UsageError() throws {
        let (core, _, _) = try Fixtures.cKernel()
        XCTAssertEqual(try Shell.coreinspect(["threads"]).status, 64)
        XCTAssertEqual(try Shell.coreinspect(["threads", core, "--max-frames", "0"]).status, 64)
        XCTAssertEqual(try Shell.coreinspect(["no-such-command", core]).status, 64)
    }

    /// The codes `--help` lists, from its "Exit status:" table.
    private func helpCodes(_ arguments: [String]) throws -> [Int] {
        let help = try Shell.coreinspect(arguments + ["--help"])
        XCTAssertEqual(help.status, 0)
        let table = try XCTUnwrap(help.stdout.components(separatedBy: "Exit status:").dropFirst().first, help.stdout)
        let rows = table.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().prefix { !$0.isEmpty }
        XCTAssertTrue(rows.allSatisfy { $0.hasPrefix("  ") }, "one line per status, unwrapped: \(rows)")
        return rows.compactMap { Int($0.split(separator: " ").first ?? "") }
    }

    func testHelpAndReadmeListTheSameExitStatuses() throws {
        let root = try helpCodes([])
        for command in ["info", "threads", "goroutines", "heap", "why", "leaks", "diff", "check", "report", "symbolize", "mappings", "notes"] {
            XCTAssertEqual(try helpCodes([command]), root, command)
        }
        let readme = try String(contentsOfFile: Fixtures.packageRoot + "/README.md", encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "### Exit status").dropFirst().first)
        let documented = section.split(separator: "\n").prefix { !$0.hasPrefix("#") }
            .compactMap { line in line.hasPrefix("| ") ? Int(line.dropFirst(2).prefix { $0 != " " }) : nil }
        XCTAssertEqual(documented, root)
        XCTAssertTrue(Set([0, 1, 2, 3, 4, 5, 64]).isSubset(of: root), "\(root)")
    }
}
