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
        var exe: String
    }

    static func cases() throws -> [Case] {
        try Fixtures.all().compactMap { fixture in
            let path = fixture.directory + "/\(fixture.dump).traceback.txt"
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
            struct Exe: Decodable { var exe: String }
            return Case(fixture: fixture, traceback: RuntimeTraceback(text), exe: try fixture.truth(Exe.self).exe)
        }
    }

    func testEveryGoroutineAgreesWithTheRuntimesTraceback() throws {
        let cases = try RuntimeTracebackTests.cases()
        var compared = 0
        for testCase in cases {
            let fixture = testCase.fixture
            let search = FileSearch(executable: try fixture.executable(named: testCase.exe))
            let process = try ProcessImage(corePath: try fixture.core(), search: search)
            let go = try GoProcess(process: process, native: try NativeSymbols(process: process, search: search))
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
                    XCTAssertEqual(goroutine.parentID, expected.parent, "\(fixture) goroutine \(id): parent")
                }
                compared += 1
            }
        }
        XCTAssertFalse(cases.isEmpty, "no traceback fixtures found")
        print("compared \(compared) goroutines in \(cases.count) tracebacks")
    }
}
