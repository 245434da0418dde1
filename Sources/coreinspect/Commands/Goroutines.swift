import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Goroutines: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every goroutine of a Go program: state, wait reason, thread, creator and stack; works on stripped binaries.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    @Flag(help: "Fold goroutines with the same state and stack into one line with a count, largest first, labelled by the first frame in the program's own code.")
    var group = false

    @Option(name: .customLong("state"), help: "Only goroutines in this state or wait reason (\"running\", \"chan receive\"…). Repeatable.")
    var states: [String] = []

    @Option(name: .customLong("wait-reason"), help: "Only goroutines whose wait reason contains this text. Repeatable.")
    var waitReasons: [String] = []

    @Option(help: "Only goroutines with a frame whose function contains this text.")
    var function: String?

    @OptionGroup var stack: StackOptions

    func run() throws {
        try CommandRunner.run(command: "goroutines", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let native = try NativeSymbols(process: process, search: options.search)
            // Whatever stops the Go runtime from being read (no build info, an
            // unreadable pclntab or goroutine list) means one thing here: no goroutines.
            let go = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
                try GoProcess(process: process, native: native)
            }
            let filter = GoroutineFilter(states: states, waitReasons: waitReasons, function: function)
            let snapshots = go.snapshots(threads: process.threads, maxFrames: stack.maxFrames).filter(filter.accepts)
            let report = group
                ? GoroutinesReport(goVersion: go.buildInfo.goVersion, layoutSource: go.layoutSource,
                                   groups: GoroutineGroup.group(snapshots, userCode: GoUserCode(buildInfo: go.buildInfo), isWrapper: go.isWrapper))
                : GoroutinesReport(goVersion: go.buildInfo.goVersion, layoutSource: go.layoutSource, goroutines: snapshots)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: process.warnings + go.allWarnings)
        }
    }
}
