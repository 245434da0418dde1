import ArgumentParser
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize the dump: process, signal, executable and build-id, Go version, memory, modules.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    func run() throws {
        try CommandRunner.run(command: "info", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let symbols = try NativeSymbols(process: process, search: options.search)
            let report = InfoReport(process: process, debugInfo: process.modules.map(symbols.debugInfo(for:)),
                                    goBuildInfo: GoBuildInfo.read(from: process))
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: process.warnings)
        }
    }
}
