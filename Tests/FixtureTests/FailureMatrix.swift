import Foundation
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// docs/errors.md's tables, read by the tests so that the document cannot drift from the tool.
struct FailureMatrix {
    struct Row {
        var id: String
        /// The `## ` heading the row sits under: which test class makes it.
        var section: String
        /// The arguments after `coreinspect`, with CORE, EXE and DEBUG still to substitute.
        var command: [String]
        var exitStatus: Int32
        /// nil for `—`: no warning may be printed.
        var message: String?
    }

    static let path = Fixtures.packageRoot + "/docs/errors.md"

    let rows: [Row]

    init() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        var rows: [Row] = []
        var section = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") { section = String(line.dropFirst(3)) }
            guard line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 6, let status = Int32(cells[4]) else { throw FixtureError("docs/errors.md: bad row: \(line)") }
            let message = Self.unquoted(cells[5])
            rows.append(Row(id: Self.unquoted(cells[0]), section: section,
                            command: Self.unquoted(cells[3]).split(separator: " ").map(String.init),
                            exitStatus: status, message: message == "—" ? nil : message))
        }
        self.rows = rows
    }

    private static func unquoted(_ cell: String) -> String {
        cell.hasPrefix("`") && cell.hasSuffix("`") && cell.count >= 2 ? String(cell.dropFirst().dropLast()) : cell
    }

    func rows(in section: String) -> [Row] { rows.filter { $0.section == section } }

    /// Whether `line` is the pattern with `…` standing for any text (anchored at both ends).
    static func line(_ line: String, matches pattern: String) -> Bool {
        let pieces = pattern.components(separatedBy: "…")
        guard let first = pieces.first, let last = pieces.last, line.hasPrefix(first), line.hasSuffix(last) else { return false }
        guard pieces.count > 1 else { return line == pattern }
        var rest = line.dropFirst(first.count)
        for piece in pieces.dropFirst().dropLast() {
            guard let found = rest.range(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.count >= last.count
    }
}

/// One input a row describes, made by a test: the paths that replace CORE, EXE and DEBUG.
struct MatrixInput {
    var core: String
    var executable: String?
    var debugDirectory: String?

    func arguments(_ command: [String]) -> [String] {
        command.map { word in
            switch word {
            case "CORE": return core
            case "EXE": return executable ?? "EXE"
            case "DEBUG": return debugDirectory ?? "DEBUG"
            default: return word
            }
        }
    }

    /// The message pattern with the paths of this input in place of the placeholders.
    func expected(_ message: String) -> String {
        var text = message.replacingOccurrences(of: "CORE", with: core)
        if let executable { text = text.replacingOccurrences(of: "EXE", with: executable) }
        return text
    }
}

/// A run of the built coreinspect, watched: its exit or signal, its own peak memory, and
/// whether it outran the wall clock.
///
/// The peak is the child's VmHWM, polled from /proc while it runs (the high-water mark only
/// grows, so the last poll misses at most a few milliseconds). wait4's `ru_maxrss` would not do:
/// posix_spawn's child shares the test process's memory until it execs, and Linux carries that
/// high-water mark (the whole test process, hundreds of MB) across the exec.
struct WatchedRun {
    var status: Int32?
    var signal: Int32?
    var timedOut: Bool
    var seconds: Double
    var maxResidentBytes: UInt64
    var stdout: String
    var stderr: String

    /// Runs `arguments` with stdout and stderr in files under `scratch`; kills the run at `limit` seconds.
    static func run(_ arguments: [String], scratch: String, limit: Double = 120) throws -> WatchedRun {
        let binary = try Shell.coreinspectPath()
        let outPath = scratch + "/run.stdout", errPath = scratch + "/run.stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard spawned == 0 else { throw FixtureError("posix_spawn \(binary): \(String(cString: strerror(spawned)))") }

        let start = Date()
        var waitStatus: Int32 = 0
        var timedOut = false
        var peak: UInt64 = 0
        while waitpid(pid, &waitStatus, WNOHANG) == 0 {
            peak = max(peak, highWaterMark(of: pid))
            if Date().timeIntervalSince(start) > limit {
                timedOut = true
                kill(pid, SIGKILL)
                _ = waitpid(pid, &waitStatus, 0)
                break
            }
            usleep(5_000)
        }
        let signal = waitStatus & 0x7f
        return WatchedRun(status: signal == 0 ? (waitStatus >> 8) & 0xff : nil, signal: signal == 0 ? nil : signal,
                          timedOut: timedOut, seconds: Date().timeIntervalSince(start),
                          maxResidentBytes: peak,
                          stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

/// A live process's peak resident memory (VmHWM), 0 once it has exited.
private func highWaterMark(of pid: pid_t) -> UInt64 {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ UInt64($0) })
    else { return 0 }
    return kilobytes * 1024
}

/// What every test class of the matrix shares: the table, a scratch directory, and the check.
class FailureMatrixTestCase: XCTestCase {
    /// Each run of a fixture this small must stay under this much resident memory; the tool maps
    /// the core, so a run that read the whole 1.2 GB Go core into memory would be caught.
    static let residentLimit: UInt64 = 400 << 20

    var scratch: String!

    override func setUpWithError() throws {
        scratch = try Fixtures.scratchDirectory(for: self)
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
    }

    /// A sparse copy of `path` in the scratch directory.
    func copy(_ path: String, as name: String) throws -> String {
        let copy = scratch + "/" + name
        let status = try Shell.run("/bin/cp", ["--sparse=always", path, copy]).status
        guard status == 0 else { throw FixtureError("cp \(path) failed") }
        return copy
    }

    /// Overwrites bytes of `path` at `offset`.
    func patch(_ path: String, at offset: UInt64, with bytes: [UInt8]) throws {
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    func patch<Value: FixedWidthInteger>(_ path: String, at offset: UInt64, value: Value) throws {
        try patch(path, at: offset, with: withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }

    /// Makes and checks every row of `section`; `make` returns nil for a row it does not know.
    func checkRows(in section: String, make: (String) throws -> MatrixInput?) throws {
        let rows = try FailureMatrix().rows(in: section)
        XCTAssertFalse(rows.isEmpty, "docs/errors.md has no section \(section)")
        for row in rows {
            do {
                guard let input = try make(row.id) else {
                    XCTFail("docs/errors.md row \(row.id): no test makes it")
                    continue
                }
                try check(row, input: input)
            } catch let skip as XCTSkip {
                print("\(row.id): skipped: \(skip.message ?? "")")
            }
        }
    }

    func check(_ row: FailureMatrix.Row, input: MatrixInput) throws {
        let arguments = input.arguments(row.command)
        let run = try WatchedRun.run(arguments, scratch: scratch)
        let context = "\(row.id): coreinspect \(arguments.joined(separator: " "))\nstderr: \(run.stderr)\nstdout: \(run.stdout.prefix(2000))"
        XCTAssertFalse(run.timedOut, "hung: \(context)")
        XCTAssertNil(run.signal, "killed by signal \(run.signal ?? 0): \(context)")
        XCTAssertEqual(run.status, row.exitStatus, context)
        XCTAssertLessThan(run.maxResidentBytes, Self.residentLimit, "peak RSS \(run.maxResidentBytes >> 20) MiB: \(context)")
        let lines = run.stderr.split(separator: "\n").map(String.init)
        guard let message = row.message else {
            XCTAssertFalse(lines.contains { $0.hasPrefix("warning: ") }, context)
            return
        }
        let pattern = input.expected(message)
        if message.hasPrefix("coreinspect:") {
            XCTAssertEqual(lines.count, 1, "one line expected: \(context)")
        }
        XCTAssertTrue(lines.contains { FailureMatrix.line($0, matches: pattern) }, "expected \(pattern)\n: \(context)")
    }
}

/// Every section of docs/errors.md belongs to a test class, so a new section cannot go untested.
final class FailureMatrixDocumentTests: XCTestCase {
    static let testedSections: Set<String> = [
        FailureMatrixFileTests.elfSection, FailureMatrixFileTests.executableSection,
        FailureMatrixRuntimeTests.goSection, FailureMatrixRuntimeTests.glibcSection, FailureMatrixRuntimeTests.timeoutSection,
    ]

    func testEverySectionIsTested() throws {
        let matrix = try FailureMatrix()
        XCTAssertGreaterThan(matrix.rows.count, 30)
        for section in Set(matrix.rows.map(\.section)) {
            XCTAssertTrue(Self.testedSections.contains(section), "docs/errors.md section \"\(section)\" has no test class")
        }
        XCTAssertEqual(Set(matrix.rows.map(\.id)).count, matrix.rows.count, "row ids must be unique")
    }

    func testPatternMatching() {
        XCTAssertTrue(FailureMatrix.line("a: truncated: 3 of 9 bytes", matches: "a: truncated: … of … bytes"))
        XCTAssertFalse(FailureMatrix.line("a: truncated: 3 of 9 bytes!", matches: "a: truncated: … of … bytes"))
        XCTAssertFalse(FailureMatrix.line("b: truncated: 3 of 9 bytes", matches: "a: truncated: … of … bytes"))
        XCTAssertTrue(FailureMatrix.line("exact", matches: "exact"))
        XCTAssertFalse(FailureMatrix.line("exactly", matches: "exact"))
        // The pieces may not overlap: "ab" does not hold both "ab…" and "…b".
        XCTAssertFalse(FailureMatrix.line("ab", matches: "ab…b"))
    }
}
