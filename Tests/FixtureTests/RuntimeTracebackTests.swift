import CoreFile
import GoRuntime
import ProcessImage
import Symbols
import XCTest

/// Kernel cores of Go programs killed with SIGQUIT under GOTRACEBACK=crash,
/// against the goroutine dump the runtime itself printed just before the
/// core was written: same goroutines, states, frames (function, file, line)
/// and creators, for every goroutine.
final class RuntimeTracebackTests: XCTestCase {
    struct Case {
        var fixture: Fixture
        var traceback: RuntimeTraceback
        /// "created by F in goroutine P" from Go 1.21, which added g.parentGoid. An
        /// older runtime prints no parent and keeps none: then there is no id to
        /// compare, and the reader must not invent one.
        var printsParents: Bool { traceback.goroutines.values.contains { $0.parent != nil } }
    }

    static func cases() -> [Case] {
        Fixtures.all().compactMap { fixture in
            let path = fixture.directory + "/\(fixture.dump).traceback.txt"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            return Case(fixture: fixture, traceback: RuntimeTraceback(text))
        }
    }

    func testEveryGoroutineAgreesWithTheRuntimesTraceback() throws {
        let cases = RuntimeTracebackTests.cases()
        var compared = 0
        for testCase in cases {
            let fixture = testCase.fixture
            let opened = try fixture.opened()
            let process = opened.process, go = try opened.go
            let ours = Dictionary(go.goroutines.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            XCTAssertEqual(Set(ours.keys), Set(testCase.traceback.goroutines.keys), "\(fixture): goroutine ids")

            for (id, expected) in testCase.traceback.goroutines.sorted(by: { $0.key < $1.key }) {
                guard let goroutine = ours[id] else { continue }
                // Tolerance: a goroutine the runtime could not print because another
                // thread was running it went on running until that thread stopped, so
                // the core may hold it in a later state; only its presence is checked.
                if expected.stackUnavailable && expected.frames.isEmpty { continue }
                XCTAssertEqual(goroutine.stateName, expected.state, "\(fixture) goroutine \(id): state")
                let frames = go.stack(of: goroutine, threads: process.threads).frames.map {
                    RuntimeTraceback.Frame(function: $0.function ?? "?", file: $0.file ?? "?", line: $0.line ?? 0)
                }
                XCTAssertEqual(frames, expected.frames, "\(fixture) goroutine \(id): frames")
                if let creator = expected.createdBy {
                    let site = go.creationSite(of: goroutine)
                    XCTAssertEqual(site?.function, creator.function, "\(fixture) goroutine \(id): created by")
                    XCTAssertEqual(site?.line, creator.line, "\(fixture) goroutine \(id): created at")
                    if testCase.printsParents {
                        XCTAssertEqual(goroutine.parentID, expected.parent, "\(fixture) goroutine \(id): parent")
                    } else {
                        XCTAssertNil(goroutine.parentID, "\(fixture) goroutine \(id): a parent id from a release that keeps none")
                    }
                }
                compared += 1
            }
        }
        XCTAssertFalse(cases.isEmpty, "no traceback fixtures found")
        // Both kinds of release are covered: with parent ids and without (go1.19).
        XCTAssertEqual(Set(cases.map(\.printsParents)), [true, false])
        print("compared \(compared) goroutines in \(cases.count) tracebacks")
    }
}
