import ArgumentParser
import ProcessImage
import Reports

struct Mappings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every mapping: range, permissions, file and offset, and whether its bytes are in the core, in a file, or absent.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    func run() throws {
        try CommandRunner.run(command: "mappings", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let report = MappingsReport(process: process)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: process.warnings)
        }
    }
}
