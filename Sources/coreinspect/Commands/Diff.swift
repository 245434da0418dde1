import Analysis
import ArgumentParser
import CoreFile
import Foundation
import GoRuntime
import ProcessImage
import Reports

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What grew between two cores of the same executable: per type, per goroutine group and per allocation site (Go), and new leaks (C and C++).",
        discussion: """
        OLD and NEW must come from the same executable (the same build-id), \
        typically one process dumped twice; otherwise diff exits 10. Go: live \
        heap objects by type (reachable from the runtime's roots), goroutines by \
        group (state, stack and creator, as goroutines --group folds them) and \
        the in-core memory profile by allocation site. C and C++: glibc chunks in \
        use by C++ class or chunk size, and leaks (as `leaks` finds them) in NEW \
        whose address and size no leak of OLD has. Rows are sorted by growth in \
        bytes, then count.

        \(ExitStatus.helpText)
        """)

    @Argument(help: "The earlier core.")
    var old: String

    @Argument(help: "The later core, of the same executable.")
    var new: String

    @Option(name: .customLong("exe"), help: "The executable that produced both cores.")
    var executable: String?

    @Option(help: "Prefix for the file paths recorded in the cores, for cores from another machine.")
    var sysroot: String?

    @Option(name: .customLong("debug-dir"), help: "Also search this directory (and its .build-id index) for files and debug info. Repeatable.")
    var debugDirectories: [String] = []

    @Flag(help: "Use files whose build-id does not match the cores, with a warning.")
    var force = false

    @Flag(help: "Print JSON (schema coreinspect/2, see the README) instead of text.")
    var json = false

    @Option(help: "Show this many rows of each list, most grown first.")
    var top = 20

    @Option(name: .customLong("profile"), help: ArgumentHelp(
        "Go: write NEW's memory profile minus OLD's as a gzipped pprof heap profile (what pprof -diff_base shows). C and C++: write the new leaks, as leaks --profile does.",
        valueName: "diff.pb.gz"))
    var profilePath: String?

    @Option(name: .customLong("profile-types"), help: ArgumentHelp(
        "Write the growth per type as a gzipped pprof profile (growth_objects, growth_space; negative where a type shrank).",
        valueName: "types.pb.gz"))
    var profileTypesPath: String?

    func validate() throws {
        guard top >= 0 else { throw ValidationError("--top must not be negative") }
    }

    /// The options of one core, as every other command takes them.
    func options(for core: String) throws -> CoreOptions {
        var arguments = [core]
        if let executable { arguments += ["--exe", executable] }
        if let sysroot { arguments += ["--sysroot", sysroot] }
        for directory in debugDirectories { arguments += ["--debug-dir", directory] }
        if force { arguments.append("--force") }
        if json { arguments.append("--json") }
        return try CoreOptions.parse(arguments)
    }

    func run() throws {
        if let profilePath { try Heap.checkWritable(profilePath, option: "--profile") }
        if let profileTypesPath { try Heap.checkWritable(profileTypesPath, option: "--profile-types") }
        let oldOptions = try options(for: old), newOptions = try options(for: new)
        // Opened once here to compare build-ids; opened again inside the runner only if this
        // failed, so that an unreadable core fails as in every command (2, 3).
        let opened = (old: try? ProcessImage(corePath: old, search: oldOptions.search),
                      new: try? ProcessImage(corePath: new, search: newOptions.search))
        let buildID = try Self.sharedBuildID(old: opened.old, new: opened.new, names: (old, new))
        try CommandRunner.run(command: "diff", options: newOptions) {
            let oldProcess = try opened.old ?? ProcessImage(corePath: old, search: oldOptions.search)
            let newProcess = try opened.new ?? ProcessImage(corePath: new, search: newOptions.search)
            var outcome = newProcess.isGo ? try diffGo(old: oldOptions, new: newOptions, buildID: buildID)
                : try diffGlibc(old: (oldOptions, oldProcess), new: (newOptions, newProcess), buildID: buildID)
            if let profileTypesPath {
                outcome.result.profileTypes = try Self.writeTypeGrowth(outcome.types, to: profileTypesPath)
            }
            if buildID == nil {
                outcome.warnings.append(Warning("neither core records its executable's build-id: diff cannot tell whether they come from the same executable"))
            }
            let report = outcome.result
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: outcome.warnings, notes: outcome.notes)
        }
    }

    /// The executable's build-id when both cores name the same one; exits 10
    /// (one line) when they differ. Cores that could not be opened are left to
    /// the runner, which reports them as every command does.
    static func sharedBuildID(old: ProcessImage?, new: ProcessImage?, names: (old: String, new: String)) throws -> String? {
        guard let old, let new else { return nil }
        let oldID = old.mainExecutable?.coreBuildID ?? old.mainExecutable?.buildID
        let newID = new.mainExecutable?.coreBuildID ?? new.mainExecutable?.buildID
        guard oldID == newID else {
            let name = { (id: BuildID?) in id?.text ?? "none" }
            CommandRunner.printError("coreinspect: \(names.old) and \(names.new) are cores of different executables "
                                     + "(build-id \(name(oldID)) and \(name(newID))): diff compares two cores of one executable")
            throw ExitCode(ExitStatus.coresDiffer.rawValue)
        }
        return newID?.text
    }

    /// Per-type growth as a profile: one sample per changed type.
    static func writeTypeGrowth(_ rows: [Growth], to path: String) throws -> HeapProfileReport.Written {
        let samples = rows.map { PprofNamedProfile.Sample(stack: [$0.key], values: [$0.count, $0.bytes]) }
        let profile = PprofNamedProfile.build(sampleTypes: [("growth_objects", "count"), ("growth_space", "bytes")], samples: samples)
        return try ProfileFile.write(profile, to: path)
    }
}

/// What one kind of diff produced: the report, every row of type growth
/// (for --profile-types; the report keeps --top), warnings and notes of both cores.
struct DiffOutcome {
    var result: DiffReport
    var types: [Growth]
    var warnings: [Warning]
    var notes: [Note]
}

extension ProcessImage {
    var isGo: Bool { GoBuildInfo.read(from: self) != nil }
}
