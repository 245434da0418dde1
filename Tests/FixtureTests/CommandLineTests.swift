import Foundation
import XCTest

/// The built tool, run as a user runs it: exit status, text and JSON.
final class CommandLineTests: XCTestCase {
    private struct Document<Result: Decodable>: Decodable {
        struct Warning: Decodable { var kind: String; var message: String; var count: Int }
        struct Note: Decodable { var kind: String; var message: String }
        var schema: String
        var command: String
        var warnings: [Warning]
        var notes: [Note]
        var result: Result
    }

    private struct Threads: Decodable {
        struct Thread: Decodable { var tid: Int32; var tookSignal: Bool; var frames: [Frame]; var registers: [String: String]? }
        struct Frame: Decodable { var function: String?; var inlined: Bool; var pc: String }
        var threads: [Thread]
    }

    private struct Info: Decodable {
        struct Go: Decodable { var version: String; var mainModule: String? }
        struct Executable: Decodable { var buildIDMatches: Bool? }
        var threadCount: Int
        var signaledThread: Int32?
        var go: Go?
        var executable: Executable?
    }

    private struct Goroutines: Decodable {
        struct Entry: Decodable { var id: Int64; var state: String }
        struct Site: Decodable, Equatable { var function: String; var file: String?; var line: Int? }
        struct Group: Decodable { var count: Int; var ids: [Int64]; var state: String; var userLocation: Site? }
        var goroutines: [Entry]?
        var groups: [Group]?
    }

    private struct Notes: Decodable {
        struct Note: Decodable { var type: String; var fields: [Field] }
        struct Field: Decodable { var name: String; var value: String }
        var notes: [Note]
    }

    private func decode<Result: Decodable>(_ type: Result.Type, _ output: String) throws -> Document<Result> {
        try JSONDecoder().decode(Document<Result>.self, from: Data(output.utf8))
    }

    func testThreadsJSON() throws {
        let (core, exe, truth) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["threads", core, "--exe", exe, "--json", "--registers"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let document = try decode(Threads.self, result.stdout)
        XCTAssertEqual(document.schema, "coreinspect/2")
        XCTAssertTrue(document.warnings.isEmpty && document.notes.isEmpty, "\(document.warnings) \(document.notes)")
        XCTAssertEqual(document.command, "threads")
        XCTAssertEqual(document.result.threads.map(\.tid).sorted(), truth.threads.map(\.tid).sorted())
        XCTAssertEqual(document.result.threads.first?.tid, truth.signal?.tid)
        XCTAssertEqual(document.result.threads.first?.tookSignal, true)
        let inlined = document.result.threads.flatMap(\.frames).filter(\.inlined).compactMap(\.function)
        let truthInlined = truth.threads.flatMap(\.frames).filter(\.inlined).map(\.function)
        XCTAssertTrue(Set(inlined).isSuperset(of: truthInlined))
        XCTAssertEqual(document.result.threads.first?.registers?.count, 27)
    }

    func testThreadsTextMarksTheSignaledThread() throws {
        let (core, exe, truth) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["threads", core, "--exe", exe])
        XCTAssertEqual(result.status, 0, result.stderr)
        let firstLine = try XCTUnwrap(result.stdout.split(separator: "\n").first)
        XCTAssertTrue(firstLine.contains("Thread \(truth.pid)") && firstLine.contains("took the signal SIGABRT"), String(firstLine))
        XCTAssertFalse(result.stdout.contains("\u{1b}["), "no colour when not on a terminal")
    }

    func testInfoJSON() throws {
        let (core, exe, truth) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["info", core, "--exe", exe, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let info = try decode(Info.self, result.stdout).result
        XCTAssertEqual(info.threadCount, truth.threads.count)
        XCTAssertEqual(info.signaledThread, truth.signal?.tid)
        XCTAssertEqual(info.executable?.buildIDMatches, true)
        XCTAssertNil(info.go)
    }

    func testInfoReportsGoVersionEvenWhenStripped() throws {
        for (fixture, truth) in try Fixtures.go() {
            let result = try Shell.coreinspect(["info", try fixture.core(), "--exe", try fixture.executable(named: truth.exe), "--json"])
            XCTAssertTrue([0, 1].contains(result.status), result.stderr)
            let info = try decode(Info.self, result.stdout).result
            XCTAssertEqual(info.go?.version, truth.go_version, "\(fixture) stripped=\(truth.stripped == true)")
            XCTAssertEqual(info.go?.mainModule, truth.main_module, "\(fixture)")
        }
    }

    func testThreadsOfAStrippedGoProgramAreNamedFromThePclntab() throws {
        for (fixture, truth) in try Fixtures.go() where truth.stripped == true {
            let result = try Shell.coreinspect(["threads", try fixture.core(), "--exe", try fixture.executable(named: truth.exe), "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            let threads = try decode(Threads.self, result.stdout).result.threads
            XCTAssertFalse(threads.isEmpty)
            for thread in threads {
                XCTAssertFalse(thread.frames.isEmpty, "\(fixture) thread \(thread.tid)")
                XCTAssertTrue(thread.frames.allSatisfy { $0.function?.isEmpty == false }, "\(fixture) thread \(thread.tid): \(thread.frames.map(\.function))")
            }
        }
    }

    func testGoroutinesGroupFoldsIdenticalStacks() throws {
        for (fixture, truth) in try Fixtures.go() {
            let arguments = ["goroutines", try fixture.core(), "--exe", try fixture.executable(named: truth.exe)]
            let all = try decode(Goroutines.self, try Shell.coreinspect(arguments + ["--json"]).stdout).result
            let grouped = try decode(Goroutines.self, try Shell.coreinspect(arguments + ["--json", "--group"]).stdout).result
            XCTAssertEqual(grouped.groups?.map(\.count).reduce(0, +), all.goroutines?.count, "\(fixture)")
            XCTAssertEqual(Set(grouped.groups?.flatMap(\.ids) ?? []), Set(all.goroutines?.map(\.id) ?? []), "\(fixture)")
            let filtered = try decode(Goroutines.self, try Shell.coreinspect(arguments + ["--json", "--state", "select"]).stdout).result
            if let listed = truth.goroutines {
                XCTAssertEqual(filtered.goroutines?.map(\.id).sorted(), listed.filter { $0.state == "select" }.map(\.id).sorted(), "\(fixture)")
            }
        }
    }

    /// Each group is labelled by its first frame in the program's own code,
    /// with the runtime's wait reason beside it: the innermost `main.` frame of
    /// the stack the program listed for itself (the fixtures' only user package).
    func testGoroutineGroupsAreLabelledByTheProgramsOwnFrame() throws {
        struct StatesTruth: Decodable {
            struct Frame: Decodable { var function: String; var file: String; var line: Int }
            struct Goroutine: Decodable { var id: Int64; var state: String; var frames: [Frame] }
            var exe: String
            var goroutines: [Goroutine]
        }
        var compared = 0, labelledPastTheStandardLibrary = 0
        // One dump per release: the labels come from the same pclntab in every dump.
        for fixture in Fixtures.all() where fixture.name.hasPrefix("go-states/") && fixture.dump == "gcore" {
            let truth = try fixture.truth(StatesTruth.self)
            let arguments = ["goroutines", try fixture.core(), "--exe", try fixture.executable(named: truth.exe), "--group", "--json"]
            let groups = try decode(Goroutines.self, try Shell.coreinspect(arguments).stdout).result.groups ?? []
            // Runnable and running goroutines move between the program's listing and the dump.
            for goroutine in truth.goroutines where !["runnable", "running"].contains(goroutine.state) {
                let group = try XCTUnwrap(groups.first { $0.ids.contains(goroutine.id) }, "\(fixture) goroutine \(goroutine.id)")
                let own = try XCTUnwrap(goroutine.frames.first { $0.function.hasPrefix("main.") })
                XCTAssertEqual(group.userLocation, .init(function: own.function, file: own.file, line: own.line), "\(fixture) goroutine \(goroutine.id)")
                XCTAssertEqual(group.state, goroutine.state, "\(fixture) goroutine \(goroutine.id)")
                compared += 1
                if goroutine.frames.first?.function != own.function { labelledPastTheStandardLibrary += 1 }
            }
        }
        XCTAssertGreaterThan(compared, 0)
        XCTAssertGreaterThan(labelledPastTheStandardLibrary, 0, "mutex, sleep and IO waiters sit in library code")
    }

    func testNotesListEveryThreadStatus() throws {
        let (core, _, truth) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["notes", core, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let notes = try decode(Notes.self, result.stdout).result.notes
        let pids = notes.filter { $0.type == "NT_PRSTATUS" }.compactMap { $0.fields.first { $0.name == "pid" }?.value }
        XCTAssertEqual(pids.sorted(), truth.threads.map { String($0.tid) }.sorted())
        let fname = notes.first { $0.type == "NT_PRPSINFO" }?.fields.first { $0.name == "fname" }?.value
        XCTAssertEqual(fname, truth.threads.first { $0.tid == truth.pid }?.name)
    }

    func testMappingsShowKernelTextComesFromFiles() throws {
        let (core, exe, _) = try Fixtures.cKernel()
        let result = try Shell.coreinspect(["mappings", core, "--exe", exe])
        XCTAssertEqual(result.status, 0, result.stderr)
        // The kernel leaves text out of the core; it must be read from the file.
        let textLines = result.stdout.split(separator: "\n").filter { $0.contains(" r-x ") && $0.contains("libc.so.6") }
        XCTAssertFalse(textLines.isEmpty)
        XCTAssertTrue(textLines.allSatisfy { $0.contains(" file ") }, textLines.joined(separator: "\n"))
    }
}
