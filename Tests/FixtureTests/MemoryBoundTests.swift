import Foundation
import XCTest

/// The README's memory bound ("Memory"): the core is mapped, never read whole, so a command's
/// peak RSS (that run's own VmHWM, see `WatchedRun`) depends on what it analyses, not on the core's size.
final class MemoryBoundTests: FailureMatrixTestCase {
    /// Commands that walk no heap, whatever the core's size.
    static let fixedBound: UInt64 = 96 << 20
    /// Heap commands: this much, plus `heapShare` of the bytes the core holds.
    static let heapBase: UInt64 = 64 << 20
    static let heapShare = 0.30

    /// A 64 GiB address space, 512 MiB of it in the core (sparse zeros, so no disk is used), on
    /// top of the C fixture: the analyses may map it all but must not hold it resident. (heap and
    /// leaks read a word of every anonymous page, looking for mmapped chunks, and the kernel
    /// zero-fills each page of a sparse file it reads: 512 MiB keeps that to seconds.)
    func testA64GiBCoreStaysUnderTheBound() throws {
        let (core, executable, _) = try Fixtures.cKernel()
        let big = try SyntheticCore.largeAddressSpace(from: core, in: scratch, name: "big.core", presentEvery: 128)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: big)[.size] as? UInt64)
        XCTAssertGreaterThan(size, 512 << 20)
        // The fixture's own heap is a few hundred kB: the heap bound's share of the 16 GiB of zeros
        // would allow gigabytes, so heap and leaks are held to the base alone.
        for (command, bound) in [("info", Self.fixedBound), ("threads", Self.fixedBound), ("mappings", Self.fixedBound),
                                 ("heap", Self.heapBase), ("leaks", Self.heapBase)] {
            let run = try WatchedRun.run([command, big, "--exe", executable], scratch: scratch, limit: 60)
            let context = "\(command): \(run.stderr)"
            XCTAssertFalse(run.timedOut, context)
            XCTAssertNil(run.signal, context)
            XCTAssertNotNil(run.status, context)
            XCTAssertGreaterThan(run.maxResidentBytes, 0, "the peak was measured")
            XCTAssertLessThan(run.maxResidentBytes, bound, "\(command): peak RSS \(run.maxResidentBytes >> 20) MiB on a core of \(size >> 20) MiB")
            print("\(command) on the 64 GiB core: \(run.maxResidentBytes >> 20) MiB, \(String(format: "%.2f", run.seconds)) s")
        }
    }

    /// --timeout stops the slow search of a big core within a fraction of a second of the budget.
    func testTimeoutStopsALongWalkPromptly() throws {
        let (core, executable, _) = try Fixtures.cKernel()
        let big = try SyntheticCore.largeAddressSpace(from: core, in: scratch, name: "big.core", presentEvery: 1)
        let budget = 2.0
        let run = try WatchedRun.run(["leaks", big, "--exe", executable, "--timeout", String(budget), "--json"], scratch: scratch, limit: 60)
        XCTAssertEqual(run.status, 11, run.stderr)
        XCTAssertTrue(run.stdout.contains("\"incomplete\" : true"), run.stdout)
        // The clock starts after argument parsing; opening the core and its files is not cut short.
        XCTAssertLessThan(run.seconds, budget + 2, "\(run.seconds) s for a \(budget) s budget")
    }

    /// The glibc fixture's leak check and the Go fixture's heap, against the heap bound.
    func testHeapCommandsOnFixturesStayUnderTheBound() throws {
        let glibc = try CHeapFixture(release: "2.36")
        let go = try Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore").opened()
        let runs: [(core: String, arguments: [String])] = [
            (try Fixtures.decompressed(glibc.directory + "/core.xz"), ["leaks", "--exe", glibc.directory + "/c-heap"]),
            (try go.fixture.core(), ["heap", "--exe", go.executable, "--retained"]),
        ]
        for (core, arguments) in runs {
            let bound = Self.heapBound(coreBytes: try Self.inCoreBytes(core))
            let run = try WatchedRun.run([arguments[0], core] + arguments.dropFirst(), scratch: scratch, limit: 120)
            XCTAssertNil(run.signal, run.stderr)
            XCTAssertLessThan(run.maxResidentBytes, bound, "\(arguments[0]): peak RSS \(run.maxResidentBytes >> 20) MiB, bound \(bound >> 20) MiB")
        }
    }

    static func heapBound(coreBytes: UInt64) -> UInt64 { heapBase + UInt64(Double(coreBytes) * heapShare) }

    /// The bytes the core's PT_LOAD segments hold (the sum of `p_filesz`).
    static func inCoreBytes(_ core: String) throws -> UInt64 {
        try CoreLayout(path: core).loads.reduce(0) { $0 + $1.fileSize }
    }
}
