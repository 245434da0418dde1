import Foundation
import XCTest

/// Cores as users find them: the committed .xz, a .zst (systemd-coredump's
/// form) and a .gz of the same core must read exactly like the plain core.
final class CompressedCoreTests: XCTestCase {
    /// go-heap's kernel core (50 MB plain): a Go heap to walk and threads to unwind, quick to recompress.
    private func goKernelFixture() throws -> (fixture: Fixture, core: String, exe: String) {
        let fixture = Fixture(directory: Fixtures.testCores + "/go-heap/go1.26.6", dump: "kernel")
        let truth = try fixture.truth(GoTruth.self)
        return (fixture, try fixture.core(), try fixture.executable(named: truth.exe))
    }

    /// `tool ARGS < plain > plain.EXT` once per fixture, cached in .build/test-cores like the plain core.
    private func recompressed(_ plain: String, tool: String, arguments: [String], suffix: String) throws -> String {
        let output = plain + suffix
        if FileManager.default.fileExists(atPath: output) { return output }
        let temporary = output + ".tmp"
        let script = "\(tool) \(arguments.joined(separator: " ")) < \"$1\" > \"$2\""
        let result = try Shell.run("/bin/sh", ["-c", script, "sh", plain, temporary])
        guard result.status == 0 else { throw FixtureError("\(tool) failed: \(result.stderr)") }
        try FileManager.default.moveItem(atPath: temporary, toPath: output)
        return output
    }

    func testThreadsAndHeapReadCompressedCoresLikeThePlainCore() throws {
        let (fixture, plain, exe) = try goKernelFixture()
        let compressed = [
            fixture.directory + "/kernel.core.xz",
            try recompressed(plain, tool: "zstd", arguments: ["-q", "-c"], suffix: ".zst"),
            try recompressed(plain, tool: "gzip", arguments: ["-1", "-c"], suffix: ".gz"),
        ]
        for command in [["threads"], ["heap", "--top", "10"]] {
            let expected = try Shell.coreinspect(command + [plain, "--exe", exe])
            XCTAssertEqual(expected.status, 0, expected.stderr)
            XCTAssertFalse(expected.stdout.isEmpty)
            for core in compressed {
                let result = try Shell.coreinspect(command + [core, "--exe", exe])
                XCTAssertEqual(result.status, expected.status, "\(command) \(core): \(result.stderr)")
                XCTAssertEqual(result.stdout, expected.stdout, "\(command) on \(core) differs from the plain core")
                XCTAssertEqual(result.stderr, expected.stderr, "\(command) \(core)")
            }
        }
    }

    /// A .zst cut in the middle is refused with one line and status 2, not read as garbage.
    func testTruncatedZstdFailsWithOneLineAndStatus2() throws {
        let (_, plain, exe) = try goKernelFixture()
        let whole = try recompressed(plain, tool: "zstd", arguments: ["-q", "-c"], suffix: ".zst")
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        let cut = NSTemporaryDirectory() + "coreinspect-truncated-\(getpid()).core.zst"
        defer { try? FileManager.default.removeItem(atPath: cut) }
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        for command in ["threads", "heap", "notes"] {
            let result = try Shell.coreinspect([command, cut, "--exe", exe])
            XCTAssertEqual(result.status, 2, "\(command): \(result.stderr)")
            XCTAssertEqual(result.stdout, "")
            let lines = result.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, result.stderr)
            XCTAssertTrue(lines.first?.contains("zstd stream ends early") == true, result.stderr)
        }
    }

    /// Decompressing a 1.2 GB core (go-heap's gcore) must not cost 1.2 GB of
    /// memory: the peak RSS of the child, from wait4's rusage via /usr/bin/time,
    /// stays under a twentieth of the plain size.
    func testDecompressionMemoryStaysBounded() throws {
        let fixture = Fixture(directory: Fixtures.testCores + "/go-heap/go1.26.6", dump: "gcore")
        let plain = try fixture.core()
        let plainSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: plain)[.size] as? UInt64)
        XCTAssertGreaterThan(plainSize, 1 << 30)
        let zst = try recompressed(plain, tool: "zstd", arguments: ["-q", "-1", "-c"], suffix: ".zst")
        let report = NSTemporaryDirectory() + "coreinspect-rss-\(getpid()).txt"
        defer { try? FileManager.default.removeItem(atPath: report) }
        let binary = try Shell.coreinspectPath()
        let result = try Shell.run("/usr/bin/time", ["-f", "%M", "-o", report, binary, "notes", zst])
        XCTAssertEqual(result.status, 0, result.stderr)
        let expected = try Shell.coreinspect(["notes", plain])
        XCTAssertEqual(result.stdout, expected.stdout)
        let text = try String(contentsOfFile: report, encoding: .utf8)
        let peakKiB = try XCTUnwrap(UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), text)
        XCTAssertLessThan(peakKiB * 1024, plainSize / 20, "peak RSS \(peakKiB) KiB decompressing a \(plainSize)-byte core")
    }
}
