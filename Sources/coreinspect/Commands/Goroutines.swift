import ArgumentParser
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Goroutines: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every goroutine of a Go program: state, wait reason, thread, creator and stack; works on stripped binaries.")

    @OptionGroup var options: CoreOptions

    @Flag(help: "Fold goroutines with the same state and stack into one line with a count, largest first.")
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
            let go = try GoProcess(process: process, native: native)
            let filter = GoroutinesReport.Filter(states: states, waitReasons: waitReasons, function: function)
            let report = GoroutinesReport(process: process, go: go, filter: filter, group: group, maxFrames: stack.maxFrames)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: process.warnings + go.warnings)
        }
    }
}
