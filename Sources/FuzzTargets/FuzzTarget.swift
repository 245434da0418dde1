import CoreFile

/// One fuzz target: an entry point of a parser or walker that takes the
/// fuzzer's bytes, and the seed inputs drawn from the committed fixtures.
///
/// The same `run` serves libFuzzer (`coreinspect-fuzz` built with `-D FUZZING`),
/// the replay mode of a normal build, and the regression tests, so a crash
/// input found by the fuzzer replays through exactly the code that crashed.
public protocol FuzzTarget: AnyObject {
    /// Runs the entry point on `input`. Must never trap, hang or exhaust memory.
    func run(_ input: UnsafeRawBufferPointer) -> FuzzOutcome
    /// Inputs to start the corpus from.
    func seeds() throws -> [[UInt8]]
}

extension FuzzTarget {
    public func run(_ input: [UInt8]) -> FuzzOutcome {
        input.withUnsafeBytes { run($0) }
    }
}

/// What an input did: read with this many warnings, or refused with an error.
/// Regression tests check that a crashing input now ends in one of these.
public enum FuzzOutcome: CustomStringConvertible, Sendable {
    case read(warnings: [String])
    case refused(String)

    init(warnings: [Warning]) { self = .read(warnings: warnings.map(\.message)) }

    public var description: String {
        switch self {
        case let .read(warnings): return "read, \(warnings.count) warnings" + (warnings.first.map { ": \($0)" } ?? "")
        case let .refused(error): return "refused: \(error)"
        }
    }
}

public enum FuzzTargetName: String, CaseIterable, Sendable {
    /// ELF header, program headers and notes (`CoreFile`).
    case core
    /// The NT_FILE, NT_AUXV, NT_PRSTATUS, NT_PRPSINFO and NT_SIGINFO decoders.
    case notes
    /// `ProcessImage` and its memory reader over a whole (small) core.
    case memory
    /// The Go pclntab and moduledata (`GoSymbolTable`) of a fixture whose pclntab the input patches.
    case pclntab
    /// The Go build info of a fixture whose `.go.buildinfo` the input patches.
    case buildinfo
    /// The Go heap walker over a fixture core whose writable memory the input patches.
    case goHeap = "go-heap"
    /// The glibc heap walker over a fixture core whose writable memory the input patches.
    case glibcHeap = "glibc-heap"

    public func make(_ fixtures: FuzzFixtures) throws -> FuzzTarget {
        switch self {
        case .core: return CoreFileTarget(fixtures: fixtures)
        case .notes: return NoteDecoderTarget(fixtures: fixtures)
        case .memory: return ProcessImageTarget(fixtures: fixtures)
        case .pclntab: return try GoSymbolTableTarget(fixture: fixtures.goHeap)
        case .buildinfo: return try GoBuildInfoTarget(fixture: fixtures.goHeap)
        case .goHeap: return try GoHeapTarget(fixture: fixtures.goHeap)
        case .glibcHeap: return try GlibcHeapTarget(fixture: fixtures.glibcHeap)
        }
    }
}

/// A decompressed fixture core and the executable that made it.
public struct FuzzFixture: Sendable {
    public var core: String
    public var executable: String

    public init(core: String, executable: String) {
        self.core = core
        self.executable = executable
    }
}

/// The fixtures the targets load or draw seeds from, already decompressed.
public struct FuzzFixtures: Sendable {
    /// Small cores whose headers and notes seed the `core`, `notes` and `memory` targets.
    public var seedCores: [String]
    /// A Go kernel core (go-heap, go1.23.9) with its executable.
    public var goHeap: FuzzFixture
    /// A C program's core over glibc 2.36 (c-heap) with its executable.
    public var glibcHeap: FuzzFixture

    public init(seedCores: [String], goHeap: FuzzFixture, glibcHeap: FuzzFixture) {
        self.seedCores = seedCores
        self.goHeap = goHeap
        self.glibcHeap = glibcHeap
    }

    /// The layout `Tools/fuzz` decompresses the fixtures into.
    public init(directory: String, testCores: String) {
        seedCores = ["c-threads-kernel.core", "c-threads-gcore.core", "go-heap-kernel.core", "c-heap-2.36.core"]
            .map { directory + "/" + $0 }
        goHeap = FuzzFixture(core: directory + "/go-heap-kernel.core", executable: directory + "/go-heap")
        glibcHeap = FuzzFixture(core: directory + "/c-heap-2.36.core", executable: testCores + "/c-heap/glibc-2.36/c-heap")
    }
}
