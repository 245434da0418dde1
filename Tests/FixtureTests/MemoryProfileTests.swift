import CoreFile
import Foundation
@testable import GoRuntime
import XCTest

/// The memory profile rebuilt from each go-heap core against the records the
/// program's own `runtime.MemProfile(records, true)` returned at dump time.
final class MemoryProfileTests: XCTestCase {
    struct Truth: Decodable {
        struct Record: Decodable {
            var allocObjects: Int64
            var allocBytes: Int64
            var freeObjects: Int64
            var freeBytes: Int64
            /// Return PCs in hex, as `MemProfileRecord.Stack()` gives them.
            var stack: [String]
        }
        var memProfile: [Record]
        var memProfileRate: Int64
    }

    /// `MemProfileRecord.Stack0` holds 32 PCs in every release; the bucket keeps
    /// up to `debug.profstackdepth` (128) from Go 1.23, and the truth only the first 32.
    static let recordStackDepth = 32

    static func goHeapFixtures() -> [Fixture] {
        Fixtures.all().filter { $0.name.hasPrefix("go-heap") }
    }

    static func hex(_ stack: [UInt64]) -> [String] {
        stack.prefix(recordStackDepth).map { "0x" + String($0, radix: 16) }
    }

    func testRecordsEqualTheProgramsMemProfileRecordByRecord() throws {
        let fixtures = Self.goHeapFixtures()
        XCTAssertGreaterThanOrEqual(fixtures.count, 20, "every go-heap core: 7 releases, DWARF and stripped, gcore and kernel")
        var compared = 0
        for fixture in fixtures {
            let truth = try fixture.truth(Truth.self)
            let opened = try fixture.opened()
            let profile = try opened.go.readMemoryProfile(process: opened.process)
            XCTAssertEqual(profile.warnings, [], "\(fixture)")
            XCTAssertEqual(profile.rate, truth.memProfileRate, "\(fixture): runtime.MemProfileRate")
            XCTAssertEqual(profile.globalsSource, fixture.dump.contains("stripped") ? "machine code and shape" : "DWARF", "\(fixture)")
            XCTAssertEqual(profile.records.count, truth.memProfile.count, "\(fixture): records")
            for (index, (ours, theirs)) in zip(profile.records, truth.memProfile).enumerated() {
                let context = "\(fixture) record \(index)"
                XCTAssertEqual(ours.allocObjects, theirs.allocObjects, context)
                XCTAssertEqual(ours.allocBytes, theirs.allocBytes, context)
                XCTAssertEqual(ours.freeObjects, theirs.freeObjects, context)
                XCTAssertEqual(ours.freeBytes, theirs.freeBytes, context)
                XCTAssertEqual(Self.hex(ours.stack), theirs.stack, context)
            }
            compared += truth.memProfile.count
        }
        print("MemoryProfileTests: \(compared) records compared over \(fixtures.count) cores")
    }

    /// The stripped-binary search, run on binaries that have DWARF, must land
    /// on the addresses DWARF gives, in every release.
    func testStrippedSearchFindsTheGlobalsDWARFNames() throws {
        var checked = 0
        for fixture in Self.goHeapFixtures() where !fixture.dump.contains("stripped") {
            let opened = try fixture.opened()
            let go = try opened.go
            let finder = try StrippedMemoryProfileFinder(go: go, process: opened.process)
            let buckets = try finder.buckets()
            let numGC = try go.readMemStats(process: opened.process).memstats.numGC
            let cycle = try XCTUnwrap(finder.cycle(numGC: numGC), "\(fixture): mProfCycle")
            let rate = try XCTUnwrap(finder.rate(excluding: [buckets, cycle]), "\(fixture): MemProfileRate")
            XCTAssertEqual(buckets, go.globals.symbolAddress("runtime.mbuckets"), "\(fixture): runtime.mbuckets")
            XCTAssertEqual(cycle, go.globals.symbolAddress("runtime.mProfCycle"), "\(fixture): runtime.mProfCycle")
            XCTAssertEqual(rate, go.globals.symbolAddress("runtime.MemProfileRate"), "\(fixture): runtime.MemProfileRate")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 7)
    }
}

extension MemoryProfileTests {
    /// go-hello never reads its memory profile, so its linker set
    /// `runtime.disableMemoryProfiling` and the runtime zeroed MemProfileRate:
    /// `heap --profile` must say so in a note and write no file.
    func testProgramWithProfilingOffGetsANoteAndNoFile() throws {
        let fixtures = Fixtures.all().filter { $0.name == "go-hello" }
        XCTAssertEqual(fixtures.count, 2, "go-hello: DWARF and stripped")
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for fixture in fixtures {
            let opened = try fixture.opened()
            let go = try opened.go
            if !fixture.dump.contains("stripped") {
                let flag = try XCTUnwrap(go.globals.symbolAddress("runtime.disableMemoryProfiling"), "\(fixture)")
                XCTAssertEqual(try opened.process.memory.readInteger(UInt8.self, at: flag), 1, "\(fixture): the linker's verdict")
            }
            let profile = try go.readMemoryProfile(process: opened.process)
            XCTAssertEqual(profile.rate, 0, "\(fixture)")
            XCTAssertEqual(profile.records.count, 0, "\(fixture)")
            XCTAssertNotNil(profile.emptinessReason)

            let path = scratch + "/\(fixture.dump).pb.gz"
            let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", opened.executable, "--profile", path])
            XCTAssertEqual(result.status, 0, "\(fixture): a note, not a failure: \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("note: no profile written to \(path): memory profiling was off"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(fixture): no empty file")
        }
    }
}
