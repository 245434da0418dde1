import CoreFile
import Foundation
import GoRuntime
import ProcessImage
import Symbols
import XCTest

/// Damaged copies of a real Go core: a corrupt goroutine list or a goroutine
/// with garbage registers must give a message or a partial answer, never a
/// crash, a hang, or an allocation sized by the garbage.
final class GoBadInputTests: XCTestCase {
    private var scratch: String!
    /// The undamaged core, shared with the other test classes.
    private var original: OpenedFixture!
    private var core: String!
    private var executable: String!

    override func setUpWithError() throws {
        original = try Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore").opened()
        core = try original.fixture.core()
        executable = original.executable
        scratch = try Fixtures.scratchDirectory(for: self)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// A copy of the core with 8 bytes at `address` replaced by `value`.
    /// Go cores are mostly holes; copying with `cp --sparse` keeps this cheap.
    private func patchedCore(_ name: String, address: Address, value: UInt64) throws -> String {
        let original = try CoreFile(path: core)
        let segment = try XCTUnwrap(original.segments.first { $0.presentRange.contains(address) })
        let offset = segment.fileOffset + address.offset(from: segment.range.start)
        let path = scratch + "/" + name
        XCTAssertEqual(try Shell.run("/bin/cp", ["--sparse=always", core, path]).status, 0)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: withUnsafeBytes(of: value.littleEndian) { Data($0) })
        try handle.close()
        return path
    }

    private func goProcess(_ corePath: String) throws -> (ProcessImage, GoProcess) {
        let search = FileSearch(executable: executable)
        let process = try ProcessImage(corePath: corePath, search: search)
        return (process, try GoProcess(process: process, native: try NativeSymbols(process: process, search: search)))
    }

    func testWrongGoExecutableIsRefusedByGoBuildID() throws {
        // Go's linker writes no GNU build-id; its own build ID note identifies the binary.
        let other = try Fixture(directory: Fixtures.testCores + "/go-hello", dump: "stripped").executable(named: "go-hello-stripped")
        let result = try Shell.coreinspect(["goroutines", core, "--exe", other])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("does not match the core's"), result.stderr)
        let process = original.process
        XCTAssertEqual(process.mainExecutable?.coreBuildID?.kind, .go)
        XCTAssertEqual(process.mainExecutable?.buildIDMatches, true)
    }

    func testCorruptGoroutineCountIsAOneLineError() throws {
        let process = original.process
        let index = try XCTUnwrap(try original.native.dwarfIndex(for: try XCTUnwrap(process.mainExecutable)))
        let allgs = Address(try XCTUnwrap(index.variableAddress("runtime.allgs")))
        // The slice's length set to 2^62: it must be refused, not allocated.
        let damaged = try patchedCore("allgs", address: allgs.advanced(by: 8), value: 1 << 62)
        let result = try Shell.coreinspect(["goroutines", damaged, "--exe", executable])
        XCTAssertEqual(result.status, 4, "goroutines' documented status for an unreadable runtime: \(result.stderr)")
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("runtime.allgs"), result.stderr)
    }

    func testGarbageGoroutinePointerIsSkippedWithAWarning() throws {
        let process = original.process
        let index = try XCTUnwrap(try original.native.dwarfIndex(for: try XCTUnwrap(process.mainExecutable)))
        let allgs = Address(try XCTUnwrap(index.variableAddress("runtime.allgs")))
        let array = try process.memory.readPointer(at: allgs)
        let go = try original.go
        // The fourth element points nowhere.
        let damaged = try patchedCore("allgs-element", address: array.advanced(by: 3 * 8), value: 0xdead_0000_0000)
        let (_, damagedGo) = try goProcess(damaged)
        XCTAssertEqual(damagedGo.goroutines.count, go.goroutines.count - 1)
        XCTAssertEqual(damagedGo.warnings.filter { $0.message.contains("1 goroutines are unreadable") }.count, 1, "\(damagedGo.warnings)")
        let result = try Shell.coreinspect(["goroutines", damaged, "--exe", executable])
        XCTAssertEqual(result.status, 1, "partial answer: \(result.stderr)")
    }

    func testGarbageSchedTruncatesOneGoroutineOnly() throws {
        let go = try original.go
        let victim = try XCTUnwrap(go.goroutines.first { $0.id > 1 && $0.status.base == GoroutineStatus.waiting })
        let spOffset = try go.layout.offset("runtime.g.sched.sp")
        let damaged = try patchedCore("sched", address: victim.address.advanced(by: spOffset), value: 0xdead_beef_0000)

        let (process, damagedGo) = try goProcess(damaged)
        XCTAssertEqual(damagedGo.goroutines.count, go.goroutines.count)
        for goroutine in damagedGo.goroutines {
            let stack = damagedGo.stack(of: goroutine, threads: process.threads)
            if goroutine.id == victim.id {
                XCTAssertTrue(stack.truncated, "goroutine \(goroutine.id): \(stack)")
                XCTAssertNotNil(stack.stopReason)
            } else {
                XCTAssertFalse(stack.truncated, "goroutine \(goroutine.id) should be untouched: \(stack.stopReason ?? "")")
            }
        }
        let result = try Shell.coreinspect(["goroutines", damaged, "--exe", executable])
        XCTAssertTrue([0, 1].contains(result.status), result.stderr)
        XCTAssertTrue(result.stdout.contains("goroutine \(victim.id) ["), result.stdout)
    }

    func testUnwindPastTheStackBoundsIsStoppedAndMarked() throws {
        // Shrink one goroutine's recorded stack to its lowest 64 bytes: its saved
        // sp now lies outside, so the walk must stop at once and say so.
        let go = try original.go
        let victim = try XCTUnwrap(go.goroutines.first { $0.id > 1 && $0.status.base == GoroutineStatus.waiting })
        let hiOffset = try go.layout.offset("runtime.g.stack.hi")
        let damaged = try patchedCore("bounds", address: victim.address.advanced(by: hiOffset),
                                      value: victim.stack.start.rawValue + 64)
        let (process, damagedGo) = try goProcess(damaged)
        let goroutine = try XCTUnwrap(damagedGo.goroutines.first { $0.id == victim.id })
        let stack = damagedGo.stack(of: goroutine, threads: process.threads)
        XCTAssertTrue(stack.truncated)
        XCTAssertEqual(stack.stopReason?.contains("left the goroutine's stack"), true, stack.stopReason ?? "")
        XCTAssertEqual(stack.frames.count, 1, "only the frame at the saved pc")
    }
}
