import ArgumentParser
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Threads: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every thread's stack: the signaled thread first, inlined calls as frames of their own.")

    @OptionGroup var options: CoreOptions

    @Flag(help: "Also show each thread's registers.")
    var registers = false

    @Flag(help: "In a Go program, also list every goroutine with its stack.")
    var goroutines = false

    @OptionGroup var stack: StackOptions

    func run() throws {
        try CommandRunner.run(command: "threads", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let symbols = try NativeSymbols(process: process, search: options.search)
            var warnings = process.warnings
            let go = GoProcess.ifGoProgram(process: process, native: symbols, warnings: &warnings)
            let report = ThreadsReport(process: process, symbols: symbols, go: go, includeRegisters: registers, maxFrames: stack.maxFrames,
                                       includeGoroutines: goroutines)
            warnings += (go?.warnings ?? []) + report.warnings(process: process, symbols: symbols, go: go)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: warnings)
        }
    }
}
