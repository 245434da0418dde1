import CoreFile
import Foundation
import ProcessImage
import XCTest

/// Damaged copies of a real fixture core: each must give a one-line message,
/// the documented exit status, and no crash or hang. (ExitCodeTests drives
/// every status once, a stripped executable's note included.)
final class BadInputTests: XCTestCase {
    /// Exit statuses documented in `coreinspect --help`.
    enum Status {
        static let partial: Int32 = 1, unusableCore: Int32 = 2, executableProblem: Int32 = 3
    }

    private var scratch: String!
    private var kernelCore: String!
    private var executable: String!
    private var truth: NativeTruth!

    override func setUpWithError() throws {
        (kernelCore, executable, truth) = try Fixtures.cKernel()
        scratch = try Fixtures.scratchDirectory(for: self)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// A copy of the kernel core with `edit` applied to its bytes.
    private func damagedCore(_ name: String, edit: (inout Data) throws -> Void) throws -> String {
        var data = try Data(contentsOf: URL(fileURLWithPath: kernelCore))
        try edit(&data)
        let path = scratch + "/" + name
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    private func threads(_ core: String, _ extra: [String] = []) throws -> Shell.Result {
        try Shell.coreinspect(["threads", core, "--exe", executable] + extra)
    }

    private func assertOneLineError(_ result: Shell.Result, status: Int32, mentions: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "expected one line, got: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(mentions), "\(result.stderr) should mention \(mentions)", file: file, line: line)
    }

    /// Offset and size of the first PT_NOTE, read with our own parser.
    private func noteSegment() throws -> (offset: Int, size: Int) {
        let core = try CoreFile(path: kernelCore)
        let note = try XCTUnwrap(core.elf.programHeaders.first { $0.type == ProgramHeader.note })
        return (Int(note.fileOffset), Int(note.fileSize))
    }

    func testNotELF() throws {
        let source = Fixtures.testCores + "/c-threads/main.c"
        assertOneLineError(try threads(source), status: Status.unusableCore, mentions: "not an ELF file")
    }

    func testEmptyFile() throws {
        let path = try damagedCore("empty") { $0 = Data() }
        assertOneLineError(try threads(path), status: Status.unusableCore, mentions: "not an ELF file")
    }

    func testExecutableInsteadOfCore() throws {
        assertOneLineError(try threads(executable), status: Status.unusableCore, mentions: "not a core dump (ELF type ET_DYN)")
    }

    func test32BitCore() throws {
        let path = try damagedCore("elf32") { $0[4] = 1 }
        assertOneLineError(try threads(path), status: Status.unusableCore, mentions: "32-bit")
    }

    func testBigEndianCore() throws {
        let path = try damagedCore("msb") { $0[5] = 2 }
        assertOneLineError(try threads(path), status: Status.unusableCore, mentions: "big-endian")
    }

    func testProgramHeadersCutOff() throws {
        let path = try damagedCore("headers-cut") { $0 = $0.prefix(100) }
        assertOneLineError(try threads(path), status: Status.unusableCore, mentions: "program header table")
    }

    func testTruncatedInsideNotes() throws {
        let notes = try noteSegment()
        // Cut after the first thread's NT_PRSTATUS: the kernel writes it first.
        let cut = notes.offset + notes.size / 2
        let path = try damagedCore("notes-cut") { $0 = $0.prefix(cut) }
        let result = try threads(path)
        XCTAssertEqual(result.status, Status.partial, result.stderr)
        XCTAssertTrue(result.stderr.contains("truncated"), result.stderr)
        // The crashed thread's notes come before the cut, so it is still shown.
        XCTAssertTrue(result.stdout.contains("Thread \(truth.pid)"), result.stdout)
    }

    func testTruncatedInsideASegment() throws {
        let size = try FileManager.default.attributesOfItem(atPath: kernelCore)[.size] as! Int
        let path = try damagedCore("segment-cut") { $0 = $0.prefix(size - 4096 * 3 - 100) }
        let result = try threads(path)
        XCTAssertEqual(result.status, Status.partial, result.stderr)
        XCTAssertTrue(result.stderr.contains("truncated: segment at"), result.stderr)
        // Notes sit before the segments in a kernel core: every thread is still there.
        for thread in truth.threads {
            XCTAssertTrue(result.stdout.contains("Thread \(thread.tid)"), "thread \(thread.tid) missing")
        }
    }

    func testNoteSizePastEndOfFile() throws {
        let notes = try noteSegment()
        // The first note's descsz, set to 2 GiB: parsing must stop there, not allocate it.
        let path = try damagedCore("note-size") { data in
            data.replaceSubrange((notes.offset + 4)..<(notes.offset + 8), with: [0x00, 0x00, 0x00, 0x80])
        }
        let result = try threads(path)
        XCTAssertEqual(result.status, Status.partial, result.stderr)
        XCTAssertTrue(result.stderr.contains("past the end of the notes"), result.stderr)
    }

    func testMissingExecutable() throws {
        let result = try Shell.coreinspect(["threads", kernelCore, "--exe", scratch + "/no-such-exe"])
        assertOneLineError(result, status: Status.executableProblem, mentions: "no-such-exe: not found")
    }

    func testWrongExecutableIsRefused() throws {
        let other = Fixtures.testCores + "/cxx-threads/cxx-threads"
        let result = try Shell.coreinspect(["threads", kernelCore, "--exe", other])
        assertOneLineError(result, status: Status.executableProblem, mentions: "does not match the core's")
    }

    func testWrongExecutableWithForceWarns() throws {
        let other = Fixtures.testCores + "/cxx-threads/cxx-threads"
        let result = try Shell.coreinspect(["threads", kernelCore, "--exe", other, "--force"])
        XCTAssertEqual(result.status, Status.partial, result.stderr)
        XCTAssertTrue(result.stderr.contains("used anyway (--force)"), result.stderr)
    }
}
