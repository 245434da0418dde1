import Foundation
import GoRuntime
import ProcessImage
import Symbols

/// A fixture core opened once per test run and shared by every test class.
/// Opening maps the core and locates its files; libdwfl then reports every
/// module and, for Go, the runtime is read. Each test class used to repeat
/// all of that for the same cores.
///
/// Only opens with the ordinary search (the executable the truth names) are
/// shared. Tests that damage a core or search elsewhere open their own.
/// libdw is not thread-safe: use the members from one thread at a time, as
/// XCTest runs its tests. Only the lazy filling is locked.
final class OpenedFixture: @unchecked Sendable, CustomStringConvertible {
    let fixture: Fixture
    let executable: String
    let search: FileSearch
    let process: ProcessImage
    /// Recursive: reading the Go runtime opens the native symbols first.
    private let lock = NSRecursiveLock()
    private var nativeResult: Result<NativeSymbols, any Error>?
    private var goResult: Result<GoProcess, any Error>?

    var description: String { fixture.description }

    fileprivate init(fixture: Fixture, core: String, executable: String) throws {
        self.fixture = fixture
        self.executable = executable
        search = FileSearch(executable: executable)
        process = try ProcessImage(corePath: core, search: search)
    }

    /// libdwfl over the core: native unwinding and the executable's DWARF.
    var native: NativeSymbols {
        get throws {
            try lock.withLock {
                if nativeResult == nil { nativeResult = Result { try NativeSymbols(process: process, search: search) } }
                return try nativeResult!.get()
            }
        }
    }

    /// The Go runtime of the process; throws for a program that is not Go. A
    /// failure is kept and thrown again: reading the same core fails the same way.
    var go: GoProcess {
        get throws {
            try lock.withLock {
                if goResult == nil {
                    let native = try self.native
                    goResult = Result { try GoProcess(process: process, native: native) }
                }
                return try goResult!.get()
            }
        }
    }
}

/// The cache behind `Fixture.opened()`, keyed by core and executable path.
final class OpenedFixtures: @unchecked Sendable {
    static let shared = OpenedFixtures()

    private let lock = NSLock()
    private var byPaths: [String: OpenedFixture] = [:]

    /// Opening is done under the lock, so two threads never open one core twice;
    /// a failed open is not kept, and the next caller gets the error afresh.
    func open(_ fixture: Fixture, core: String, executable: String) throws -> OpenedFixture {
        try lock.withLock {
            let key = core + "\u{0}" + executable
            if let opened = byPaths[key] { return opened }
            let opened = try OpenedFixture(fixture: fixture, core: core, executable: executable)
            byPaths[key] = opened
            return opened
        }
    }
}

extension Fixture {
    /// This fixture's core with the executable its truth names, shared by the whole test run.
    func opened() throws -> OpenedFixture {
        struct Executable: Decodable { var exe: String }
        let executable = try executable(named: try truth(Executable.self).exe)
        return try OpenedFixtures.shared.open(self, core: try core(), executable: executable)
    }
}
