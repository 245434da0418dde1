import CoreFile
import ProcessImage
import Symbols
import XCTest

/// Every thread of every C/C++ fixture, against what the program itself
/// recorded at dump time.
final class ThreadTruthTests: XCTestCase {
    func testFixturesExist() throws {
        // Guards the loops below against passing vacuously.
        XCTAssertGreaterThanOrEqual(try Fixtures.native().count, 3)
        XCTAssertGreaterThanOrEqual(try Fixtures.go().count, 2)
    }

    func testThreadsAndFramesMatchTruth() throws {
        for (fixture, truth) in try Fixtures.native() {
            let opened = try fixture.opened()
            let process = opened.process, symbols = try opened.native

            XCTAssertEqual(process.processInfo?.pid, truth.pid, "\(fixture)")
            XCTAssertEqual(Set(process.threads.map(\.tid)), Set(truth.threads.map(\.tid)), "\(fixture): thread ids")
            for expected in truth.threads {
                guard let thread = process.threads.first(where: { $0.tid == expected.tid }) else { continue }
                let frames = symbols.stack(of: thread).frames.map {
                    NativeTruth.Frame(function: $0.function ?? "??", inlined: $0.isInlined)
                }
                XCTAssertTrue(frames.containsInOrder(expected.frames),
                              "\(fixture) tid \(expected.tid): expected \(expected.frames) in order within \(frames)")
                if expected.tid == truth.pid {
                    // Cores record only the process's comm, which is the main thread's name.
                    XCTAssertEqual(thread.name, expected.name, "\(fixture): main thread name")
                }
            }
        }
    }

    func testSignaledThreadComesFirst() throws {
        for (fixture, truth) in try Fixtures.native() {
            let process = try fixture.opened().process
            if let signal = truth.signal {
                XCTAssertEqual(process.threads.first?.tid, signal.tid, "\(fixture)")
                XCTAssertTrue(process.threads.first?.tookSignal == true, "\(fixture)")
                XCTAssertEqual(process.signal?.number, signal.number, "\(fixture)")
            }
        }
    }

    func testBuildIDsOfExecutablesMatchTheCore() throws {
        for (fixture, _) in try Fixtures.native() {
            let process = try fixture.opened().process
            let executable = try XCTUnwrap(process.mainExecutable, "\(fixture)")
            XCTAssertNotNil(executable.coreBuildID, "\(fixture): the core keeps the ELF header page")
            XCTAssertEqual(executable.buildIDMatches, true, "\(fixture)")
        }
    }
}

extension Array where Element: Equatable {
    /// True when `expected` appears in this array as an ordered subsequence.
    func containsInOrder(_ expected: [Element]) -> Bool {
        var remaining = expected[...]
        for element in self where remaining.first == element {
            remaining = remaining.dropFirst()
        }
        return remaining.isEmpty
    }
}
