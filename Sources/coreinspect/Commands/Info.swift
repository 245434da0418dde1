import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize the dump: process, signal, executable and build-id, Go version, memory, modules. On an executable or library: build-id, sections, debug info, Go build info.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    func run() throws {
        // An executable or library (not a core) gets its own report; failures
        // to open are reported below, the way they always were.
        let file = try? MappedFile(path: options.core, decompressing: true)
        let elf = file.flatMap { try? ELFImage(view: $0.bytes, path: options.core) }
        if let file, let elf, elf.header.fileType != .core { return try runOnExecutable(file, elf: elf) }
        try CommandRunner.run(command: "info", options: options) {
            let core = try file.map(CoreFile.init(file:)) ?? CoreFile(path: options.core)
            let process = try ProcessImage(core: core, search: options.search)
            let symbols = try NativeSymbols(process: process, search: options.search)
            let report = InfoReport(process: process, debugInfo: process.modules.map(symbols.debugInfo(for:)),
                                    goBuildInfo: GoBuildInfo.read(from: process))
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: process.warnings)
        }
    }
}
