import ArgumentParser
import CoreFile
import Reports

struct Notes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode every note of the core, with every field named, as eu-readelf -n does.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    func run() throws {
        try CommandRunner.run(command: "notes", options: options) {
            // Notes need only the core: no executable, no symbols.
            let core = try CoreFile(path: options.core)
            let report = NotesReport(core: core)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: core.warnings)
        }
    }
}
