import CoreFile
import GoRuntime
import ProcessImage
import Symbols
import XCTest

/// Goroutines read from each Go fixture core against the goroutines the
/// program listed itself (runtime.Stack) at dump time: the same ids, the same
/// state or wait reason, and the same functions on each stack.
final class GoroutineTruthTests: XCTestCase {
    struct Truth: Decodable {
        struct Goroutine: Decodable {
            var id: Int64
            var state: String
            var frames: [String]

            enum CodingKeys: String, CodingKey { case id, state, frames }
            struct FrameObject: Decodable { var function: String }

            /// Frames are plain function names (go-hello) or objects with a function (go-states).
            init(from decoder: Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                id = try container.decode(Int64.self, forKey: .id)
                state = try container.decode(String.self, forKey: .state)
                if let names = try? container.decode([String].self, forKey: .frames) {
                    frames = names
                } else {
                    frames = try container.decode([FrameObject].self, forKey: .frames).map(\.function)
                }
            }
        }
        var go_version: String
        var stripped: Bool?
        /// Absent for go-many, whose truth lists groups (see testManyGoroutinesFoldIntoTheProgramsGroups).
        var goroutines: [Goroutine]?
    }

    /// The frames runtime.Stack shows by default: it hides wrappers (filtered by
    /// the caller) and the runtime's own functions (those starting "runtime."
    /// and not exported), as the runtime's showframe does.
    static func shownByRuntimeStack(_ function: String) -> Bool {
        guard function.hasPrefix("runtime.") else { return true }
        return function.dropFirst("runtime.".count).first?.isUppercase == true
    }

    func testGoroutinesMatchWhatTheProgramListed() throws {
        var compared = 0
        for (fixture, _) in try Fixtures.go() {
            let truth = try fixture.truth(Truth.self)
            guard let expectedGoroutines = truth.goroutines else { continue }
            let opened = try fixture.opened()
            let process = opened.process, go = try opened.go
            XCTAssertEqual(go.layoutSource == "DWARF", truth.stripped != true, "\(fixture): \(go.layoutSource)")

            // Runnable and running goroutines move between the program's runtime.Stack
            // call and the dump, so only blocked ones are compared here; the kernel
            // cores' tracebacks (RuntimeTracebackTests) check the others exactly.
            for expected in expectedGoroutines where !["running", "runnable"].contains(expected.state) {
                guard let goroutine = go.goroutines.first(where: { $0.id == expected.id }) else {
                    XCTFail("\(fixture): goroutine \(expected.id) missing; have \(go.goroutines.map(\.id))")
                    continue
                }
                XCTAssertEqual(goroutine.stateName, expected.state, "\(fixture) goroutine \(expected.id)")
                let functions = go.stack(of: goroutine, threads: process.threads).frames
                    .filter { !go.isWrapper($0) }.compactMap(\.function).filter(GoroutineTruthTests.shownByRuntimeStack)
                XCTAssertEqual(functions, expected.frames, "\(fixture) goroutine \(expected.id)")
                compared += 1
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 14)
    }

    func testStrippedAndUnstrippedAgree() throws {
        let directory = Fixtures.testCores + "/go-hello"
        var stacks: [Set<String>] = []
        for dump in ["gcore", "stripped"] {
            let opened = try Fixture(directory: directory, dump: dump).opened()
            let process = opened.process, go = try opened.go
            // Goroutine ids and addresses differ between the two runs; the stacks must not.
            stacks.append(Set(go.goroutines.map { goroutine in
                go.stack(of: goroutine, threads: process.threads).frames
                    .map { "\($0.function ?? "?") \($0.line ?? 0)\($0.isInlined ? " inlined" : "")" }.joined(separator: " > ")
            }))
        }
        XCTAssertEqual(stacks[0].count, stacks[1].count)
        XCTAssertEqual(stacks[0], stacks[1])
    }

    func testManyGoroutinesFoldIntoTheProgramsGroups() throws {
        var checked = 0
        for (fixture, truth) in try Fixtures.go() {
            guard let groups = truth.groups else { continue }
            let opened = try fixture.opened()
            let process = opened.process, go = try opened.go
            for group in groups {
                // The group's function is the innermost frame of the program's own.
                let members = go.goroutines.filter { goroutine in
                    goroutine.stateName == group.state
                        && go.stack(of: goroutine, threads: process.threads).frames.first { $0.function?.hasPrefix("main.") == true }?.function == group.function
                }
                XCTAssertEqual(members.count, group.count, "\(fixture): \(group.function) [\(group.state)]")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 1)
    }
}
