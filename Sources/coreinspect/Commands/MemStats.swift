import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct MemStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memstats",
        abstract: "Show runtime.MemStats of a Go program as ReadMemStats would have returned it at the dump, with GOGC and GOMEMLIMIT; works on stripped binaries.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    func run() throws {
        try CommandRunner.run(command: "memstats", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let native = try NativeSymbols(process: process, search: options.search)
            // No build info, an unreadable runtime or globals that cannot be found: no MemStats.
            let (go, snapshot) = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
                let go = try GoProcess(process: process, native: native)
                return (go, try go.readMemStats(process: process))
            }
            var warnings = process.warnings + go.allWarnings
            if snapshot.unreadableCaches > 0 {
                warnings.append(Warning("memstats: \(snapshot.unreadableCaches) Ps or cached spans could not be read; their unflushed allocation counts are missing",
                                        kind: .unreadableGoRuntime))
            }
            let report = MemStatsReport(goVersion: go.buildInfo.goVersion, snapshot: snapshot)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: warnings)
        }
    }
}
