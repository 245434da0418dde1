import ArgumentParser
import ProcessImage
import Reports
import Symbols

struct Threads: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every thread's stack: the signaled thread first, inlined calls as frames of their own.")

    @OptionGroup var options: CoreOptions

    @Flag(help: "Also show each thread's registers.")
    var registers = false

    @Option(help: "Show at most this many frames per thread.")
    var maxFrames = 256

    func validate() throws {
        guard maxFrames > 0 else { throw ValidationError("--max-frames must be positive") }
    }

    func run() throws {
        try CommandRunner.run(command: "threads", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let symbols = try NativeSymbols(process: process, search: options.search)
            let report = ThreadsReport(process: process, symbols: symbols, includeRegisters: registers, maxFrames: maxFrames)
            return CommandOutcome(result: report, text: { report.text(style: $0) },
                                  warnings: process.warnings + report.warnings(process: process, symbols: symbols))
        }
    }
}
