import Foundation
import XCTest

/// Progress goes to a terminal only: a pipe or a log file never gets a
/// progress line, and `--quiet` silences it on a terminal too.
final class ProgressLineTests: XCTestCase {
    /// The kernel core of go-heap: 50 MB to decompress, quick with the delay set to 0.
    private func compressedCore() throws -> String {
        Fixture(directory: Fixtures.testCores + "/go-heap/go1.26.6", dump: "kernel").directory + "/kernel.core.xz"
    }

    /// Runs coreinspect ARGS with its stdout discarded and its stderr on a pseudo-terminal
    /// (python's pty module); returns what the terminal received.
    private func onTerminal(_ arguments: [String]) throws -> String {
        let binary = try Shell.coreinspectPath()
        let script = "import os, pty, sys; os.environ['COREINSPECT_PROGRESS_DELAY'] = '0'; pty.spawn(sys.argv[1:])"
        let shell = "exec \"$0\" \"$@\" >/dev/null"
        let result = try Shell.run("/usr/bin/env", ["python3", "-c", script, "/bin/sh", "-c", shell, binary] + arguments)
        return result.stdout
    }

    func testATerminalSeesDecompressionProgressAndAClearedLine() throws {
        let output = try onTerminal(["notes", try compressedCore()])
        XCTAssertTrue(output.contains("decompressing kernel.core.xz: "), output)
        XCTAssertTrue(output.contains(" %)"), output)
        XCTAssertTrue(output.hasSuffix("\r\u{1b}[K"), "the last progress line is cleared: \(output.debugDescription.suffix(80))")
    }

    func testQuietSilencesTheTerminal() throws {
        let output = try onTerminal(["notes", try compressedCore(), "--quiet"])
        XCTAssertFalse(output.contains("decompressing"), output)
        XCTAssertFalse(output.contains("\r"), output)
    }

    func testAPipeGetsNoProgress() throws {
        let binary = try Shell.coreinspectPath()
        let result = try Shell.run("/usr/bin/env", ["COREINSPECT_PROGRESS_DELAY=0", binary, "notes", try compressedCore()])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "stderr is a pipe: no progress line")
        XCTAssertFalse(result.stdout.isEmpty)
    }
}
