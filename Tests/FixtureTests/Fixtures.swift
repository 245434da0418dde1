import Foundation
import XCTest

/// The committed fixtures under TestCores/, decompressed on demand into
/// .build/test-cores (sparse: Go cores are 1.2 GB of mostly zeros) and kept
/// there between runs.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let testCores = packageRoot + "/TestCores"
    static let cache = packageRoot + "/.build/test-cores"

    /// Every `*.truth.json` under TestCores/, at any depth (go-states keeps one folder per Go release).
    static func all() -> [Fixture] {
        let enumerator = FileManager.default.enumerator(atPath: testCores)
        var fixtures: [Fixture] = []
        while let relative = enumerator?.nextObject() as? String {
            guard relative.hasSuffix(".truth.json") else { continue }
            let path = testCores + "/" + relative
            fixtures.append(Fixture(directory: (path as NSString).deletingLastPathComponent,
                                    dump: String((relative as NSString).lastPathComponent.dropLast(".truth.json".count))))
        }
        return fixtures.sorted { $0.description < $1.description }
    }

    static func native() throws -> [(Fixture, NativeTruth)] {
        try all().compactMap { fixture in try fixture.isGo() ? nil : (fixture, fixture.truth(NativeTruth.self)) }
    }

    static func go() throws -> [(Fixture, GoTruth)] {
        try all().compactMap { fixture in try fixture.isGo() ? (fixture, fixture.truth(GoTruth.self)) : nil }
    }

    /// Decompresses `path` (an .xz file) once; returns the decompressed path.
    static func decompressed(_ path: String) throws -> String {
        let relative = path.dropFirst(testCores.count + 1).replacingOccurrences(of: "/", with: "_")
        let output = cache + "/" + relative.dropLast(3)
        let manager = FileManager.default
        if let cached = try? manager.attributesOfItem(atPath: output)[.modificationDate] as? Date,
           let source = try? manager.attributesOfItem(atPath: path)[.modificationDate] as? Date, cached >= source {
            return output
        }
        try manager.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let temporary = output + ".tmp"
        let status = try Shell.run("/bin/sh", ["-c", "xz -dc \"$1\" | cp --sparse=always /dev/stdin \"$2\"", "sh", path, temporary]).status
        guard status == 0 else { throw FixtureError("xz -dc \(path) failed (status \(status)); is xz-utils installed?") }
        if path.hasSuffix("-stripped.xz") || !path.hasSuffix(".core.xz") { chmod(temporary, 0o755) }
        _ = try? manager.removeItem(atPath: output)
        try manager.moveItem(atPath: temporary, toPath: output)
        return output
    }
}

extension Fixtures {
    /// The C program's kernel core (SIGABRT): the fixture most tests probe or damage.
    static func cKernel() throws -> (core: String, exe: String, truth: NativeTruth) {
        let fixture = Fixture(directory: testCores + "/c-threads", dump: "kernel")
        let truth = try fixture.truth(NativeTruth.self)
        return (try fixture.core(), try fixture.executable(named: truth.exe), truth)
    }

    /// A new empty directory for one test's files; the caller removes it.
    static func scratchDirectory(for test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "coreinspect-\(type(of: test))-\(getpid())-\(test.name.hashValue)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

struct Fixture: CustomStringConvertible {
    var directory: String
    /// gcore, kernel, stripped…: the prefix of `<dump>.core.xz` and `<dump>.truth.json`.
    var dump: String

    var name: String { String(directory.dropFirst(Fixtures.testCores.count + 1)) }
    var description: String { "\(name)/\(dump)" }
    var truthPath: String { directory + "/\(dump).truth.json" }

    func core() throws -> String { try Fixtures.decompressed(directory + "/\(dump).core.xz") }

    /// The executable truth.json names, decompressed if it is committed as .xz.
    func executable(named name: String) throws -> String {
        let plain = directory + "/" + name
        if FileManager.default.fileExists(atPath: plain) { return plain }
        return try Fixtures.decompressed(plain + ".xz")
    }

    func truth<Truth: Decodable>(_ type: Truth.Type) throws -> Truth {
        try JSONDecoder().decode(type, from: Data(contentsOf: URL(fileURLWithPath: truthPath)))
    }

    /// Go programs write `go_version`; C and C++ programs do not.
    func isGo() throws -> Bool {
        struct Probe: Decodable { var go_version: String? }
        return try truth(Probe.self).go_version != nil
    }
}

/// truth.json of a C or C++ fixture, written by the program itself (see TestCores/README.md).
struct NativeTruth: Decodable {
    struct Signal: Decodable { var number: Int32; var tid: Int32 }
    struct Thread: Decodable { var tid: Int32; var name: String; var frames: [Frame] }
    struct Frame: Decodable, Equatable { var function: String; var inlined: Bool }

    var fixture: String
    var dump: String
    var exe: String
    var pid: Int32
    var signal: Signal?
    var threads: [Thread]
}

/// The parts of a Go fixture's truth.json that the tests check.
struct GoTruth: Decodable {
    struct Goroutine: Decodable { var id: Int64; var state: String }
    /// go-many lists goroutines by group instead (function, state, count).
    struct Group: Decodable { var function: String; var state: String; var count: Int }
    var exe: String
    var pid: Int32
    var go_version: String
    var main_module: String
    var stripped: Bool?
    var goroutines: [Goroutine]?
    var groups: [Group]?
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Shell {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> Result {
        let (status, out, err) = try capture(executable, arguments)
        return Result(status: status, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs a program and returns its raw output, for callers that parse bytes.
    static func capture(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read before waiting: a full pipe would block the child forever. The
        // programs run here write little to stderr, so reading it second is safe.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, out, err)
    }

    /// The coreinspect binary built next to this test bundle.
    static func coreinspect(_ arguments: [String]) throws -> Result {
        try run(try coreinspectPath(), arguments)
    }

    static func coreinspectPath() throws -> String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
        let candidates = [directory + "/coreinspect", Fixtures.packageRoot + "/.build/debug/coreinspect"]
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw FixtureError("coreinspect binary not found in \(candidates)")
        }
        return binary
    }
}
