import Foundation
import XCTest

/// One `coreinspect … --json` run on a fixture core. JSONSchemaTests validates every one against
/// docs/schema; those with a title are docs/json.md's examples (JSONDocsTests).
struct JSONInvocation {
    /// Unique; the output is kept as `.build/json-output/<name>.json`.
    var name: String
    /// The heading in docs/json.md; nil for a run that is only validated.
    var title: String?
    /// Everything after `coreinspect`, without `--json`.
    var arguments: [String]
    /// The exit statuses this run may end with (leaks over budget exits 7).
    var statuses: Set<Int32> = [0]

    var command: String { arguments[0] }
}

/// Every command and every result shape, in the order docs/json.md shows them. A new command or
/// result shape adds its runs here, so its output is validated and documented like the others.
enum JSONInvocations {
    static let outputDirectory = Fixtures.packageRoot + "/.build/json-output"

    static func all() throws -> [JSONInvocation] {
        let c = try Fixtures.cKernel()
        let cxx = try opened(Fixture(directory: Fixtures.testCores + "/cxx-threads", dump: "gcore"))
        let hello = try opened(Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore"))
        let many = try opened(Fixture(directory: Fixtures.testCores + "/go-many/go1.23.4", dump: "gcore"))
        let heapFixture = Fixture(directory: Fixtures.testCores + "/go-heap/go1.23.9", dump: "gcore")
        let goHeap = try opened(heapFixture)
        let goObjects = try heapFixture.truth(GoHeapObjectsTruth.self)
        let cHeap = try CHeapFixture(release: "2.36")
        let cHeapCore = try Fixtures.decompressed(cHeap.directory + "/core.xz")
        let cHeapFiles = ["--exe", cHeap.directory + "/c-heap", "--debug-dir", cHeap.directory]
        let indirect = try XCTUnwrap(cHeap.truth.allocations.first { $0.class == "indirect" })
        let tcached = try XCTUnwrap(cHeap.truth.allocations.first { $0.free == "tcache" })
        let live = try XCTUnwrap(goObjects.objects.first)
        let garbage = try XCTUnwrap(goObjects.garbageAddresses.first)
        let cFiles = [c.core, "--exe", c.exe]
        let goGrowOld = try Fixture(directory: DiffCommandTests.goDirectory, dump: "old").core()
        let goGrow = try opened(Fixture(directory: DiffCommandTests.goDirectory, dump: "new"))
        // `symbolize` takes link-time addresses: the C fixture's `main` and the Go fixture's `main.main`.
        func symbolAddress(_ name: String, in executable: String) throws -> String {
            let line = try Shell.run("/usr/bin/nm", [executable]).stdout.split(separator: "\n").first { $0.hasSuffix(" T " + name) }
            return "0x" + String(try XCTUnwrap(line, "\(name) in \(executable)").prefix { $0 != " " })
        }
        let goExecutable = goHeap.options[1]
        let cgo = try GoCgoFixture(release: GoCgoFixture.releases[0])
        let cgoFiles = [try cgo.core(), "--exe", try cgo.executable(stripped: false)]
        let cGrowOld = try Fixture(directory: DiffCommandTests.cDirectory, dump: "old").core()
        let cGrowNew = try Fixture(directory: DiffCommandTests.cDirectory, dump: "new").core()
        struct GrowManifest: Decodable { var exe: String }
        let cGrowExe = DiffCommandTests.cDirectory + "/" + (try Fixture(directory: DiffCommandTests.cDirectory, dump: "new")
            .truthFile(GrowManifest.self, suffix: "manifest.json").exe)

        return [
            JSONInvocation(name: "info-c", title: "info on a C program", arguments: ["info"] + cFiles),
            JSONInvocation(name: "info-go", title: "info on a Go program", arguments: ["info"] + goHeap.files),
            JSONInvocation(name: "threads-c", title: "threads", arguments: ["threads"] + cFiles),
            JSONInvocation(name: "threads-c-registers", arguments: ["threads"] + cFiles + ["--registers"]),
            JSONInvocation(name: "threads-cxx", arguments: ["threads"] + cxx.files),
            JSONInvocation(name: "threads-go", title: "threads on a Go program, with --goroutines",
                           arguments: ["threads"] + hello.files + ["--goroutines"]),
            JSONInvocation(name: "goroutines", title: "goroutines", arguments: ["goroutines"] + hello.files),
            JSONInvocation(name: "goroutines-group", title: "goroutines --group", arguments: ["goroutines"] + many.files + ["--group"]),
            JSONInvocation(name: "memstats", title: "memstats", arguments: ["memstats"] + goHeap.files),
            JSONInvocation(name: "heap-go", title: "heap on a Go program", arguments: ["heap"] + goHeap.files + ["--top", "3"]),
            JSONInvocation(name: "heap-go-sites", title: "heap --sites", arguments: ["heap"] + goHeap.files + ["--sites", "--top", "3"]),
            JSONInvocation(name: "heap-go-profile", title: "heap --profile",
                           arguments: ["heap"] + goHeap.files + ["--profile", outputDirectory + "/heap.pb.gz"]),
            JSONInvocation(name: "heap-go-retained", title: "heap --retained",
                           arguments: ["heap"] + goHeap.files + ["--retained", "--top", "3"]),
            JSONInvocation(name: "heap-go-profile-retained", title: "heap --profile-retained",
                           arguments: ["heap"] + goHeap.files + ["--profile-retained", outputDirectory + "/retained.pb.gz"]),
            JSONInvocation(name: "heap-go-timeout", arguments: ["heap"] + goHeap.files + ["--timeout", "0"], statuses: [11]),
            JSONInvocation(name: "heap-glibc", title: "heap on a C or C++ program",
                           arguments: ["heap", cHeapCore] + cHeapFiles + ["--top", "3"]),
            JSONInvocation(name: "why-go-live", title: "why on a Go program: a live object",
                           arguments: ["why", goHeap.core, live.address] + goHeap.options),
            JSONInvocation(name: "why-go-garbage", title: "why on a Go program: garbage",
                           arguments: ["why", goHeap.core, garbage] + goHeap.options),
            JSONInvocation(name: "why-native-leak", title: "why on a C program: a leaked chunk",
                           arguments: ["why", cHeapCore, indirect.address] + cHeapFiles),
            JSONInvocation(name: "why-native-free", arguments: ["why", cHeapCore, tcached.address] + cHeapFiles),
            JSONInvocation(name: "leaks", title: "leaks", arguments: ["leaks", cHeapCore] + cHeapFiles, statuses: [7]),
            JSONInvocation(name: "heap-cgo", title: "heap on a Go program that uses cgo",
                           arguments: ["heap"] + cgoFiles + ["--top", "2"]),
            JSONInvocation(name: "leaks-cgo", arguments: ["leaks"] + cgoFiles, statuses: [7]),
            JSONInvocation(name: "diff-go", title: "diff on a Go program",
                           arguments: ["diff", goGrowOld] + goGrow.files + ["--top", "3"]),
            JSONInvocation(name: "diff-glibc", title: "diff on a C or C++ program",
                           arguments: ["diff", cGrowOld, cGrowNew, "--exe", cGrowExe, "--top", "3"]),
            JSONInvocation(name: "check", title: "check",
                           arguments: ["check", cHeapCore] + cHeapFiles + ["--fail-on", "leaked.bytes > 0", "--fail-on", "heap.bytes > 64MiB"],
                           statuses: [9]),
            JSONInvocation(name: "check-baseline", title: "check --baseline",
                           arguments: ["check"] + goGrow.files + ["--baseline", goGrowOld, "--fail-on", "growth.goroutines > 10",
                                                                  "--fail-on", "growth.heap.live.bytes > 20%"],
                           statuses: [9]),
            JSONInvocation(name: "report", title: "report",
                           arguments: ["report"] + goHeap.files + ["-o", outputDirectory + "/report.html"]),
            JSONInvocation(name: "info-executable-c", title: "info on an executable", arguments: ["info", c.exe]),
            JSONInvocation(name: "info-executable-go", arguments: ["info", goExecutable]),
            JSONInvocation(name: "symbolize-c", title: "symbolize",
                           arguments: ["symbolize", c.exe, try symbolAddress("main", in: c.exe)]),
            JSONInvocation(name: "symbolize-go", arguments: ["symbolize", goExecutable, try symbolAddress("main.main", in: goExecutable)]),
            JSONInvocation(name: "mappings", title: "mappings", arguments: ["mappings"] + cFiles),
            JSONInvocation(name: "notes", title: "notes", arguments: ["notes"] + cFiles),
        ]
    }

    /// The core, and the options that name its executable.
    struct Opened {
        var core: String
        var options: [String]
        var files: [String] { [core] + options }
    }

    /// The fixture's core with the executable its truth names (Go and C truths both name it `exe`).
    private static func opened(_ fixture: Fixture) throws -> Opened {
        struct Truth: Decodable { var exe: String }
        return Opened(core: try fixture.core(), options: ["--exe", try fixture.executable(named: fixture.truth(Truth.self).exe)])
    }

    private struct GoHeapObjectsTruth: Decodable {
        struct Object: Decodable { var address: String }
        var objects: [Object]
        var garbageAddresses: [String]
    }
}

/// What one invocation printed, run once per test process and shared by the tests that read it.
struct JSONRun {
    var invocation: JSONInvocation
    var result: Shell.Result
    /// Where stdout was written.
    var path: String
}

final class JSONRuns: @unchecked Sendable {
    static let shared = JSONRuns()
    private let lock = NSLock()
    private var runs: [JSONRun]?

    /// Every invocation's output, each written to `.build/json-output/<name>.json`.
    func all() throws -> [JSONRun] {
        try lock.withLock {
            if let runs { return runs }
            try FileManager.default.createDirectory(atPath: JSONInvocations.outputDirectory, withIntermediateDirectories: true)
            let runs = try JSONInvocations.all().map { invocation in
                let result = try Shell.coreinspect(invocation.arguments + ["--json"])
                let path = JSONInvocations.outputDirectory + "/\(invocation.name).json"
                try result.stdout.write(toFile: path, atomically: true, encoding: .utf8)
                return JSONRun(invocation: invocation, result: result, path: path)
            }
            self.runs = runs
            return runs
        }
    }
}
