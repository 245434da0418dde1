import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Symbolize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Name the function, file:line and inlined calls at addresses of an executable or library, as eu-addr2line -i -f does; Go code through its pclntab, so stripped Go binaries work.",
        discussion: """
        Addresses are the file's own virtual addresses (as `eu-addr2line -e` and \
        `go tool addr2line` take them; for a PIE or a library, the offset from its \
        load address). With no address arguments they are read from standard \
        input, one per line.

        \(ExitStatus.helpText)
        """)

    @Argument(help: "The executable or shared library.")
    var executable: String

    @Argument(help: "Addresses: hex with 0x, or decimal.")
    var addresses: [Address] = []

    @Option(name: .customLong("debug-dir"), help: "Also search this directory (and its .build-id index) for debug info. Repeatable.")
    var debugDirectories: [String] = []

    @Flag(help: "Print JSON (schema coreinspect/2) instead of text.")
    var json = false

    func run() throws {
        try CommandRunner.run(command: "symbolize", subject: executable, json: json) {
            var warnings: [Warning] = []
            let pcs = addresses.isEmpty ? Self.readAddresses(warnings: &warnings) : addresses
            let image = try Self.open(executable, search: FileSearch(debugDirectories: debugDirectories))
            let entries = pcs.map { image.symbolize($0) }
            let report = SymbolizeReport(executable: executable, buildID: image.elf.buildID?.description, addresses: entries)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: warnings + image.warnings)
        }
    }

    /// The file must be an ELF executable or library; anything else is the executable's problem (status 3).
    private static func open(_ path: String, search: FileSearch) throws -> ExecutableImage {
        let (file, elf) = try CategorizedFailure.filing(as: .executableProblem, subject: path) {
            let file = try MappedFile(path: path)
            let elf = try ELFImage(view: file.bytes, path: path)
            guard elf.header.fileType != .core else { throw CoreInspectError.malformed(path: path, what: "a core dump, not an executable: use threads") }
            return (file, elf)
        }
        return try ExecutableImage(file: file, elf: elf, search: search)
    }

    /// Standard input, one address a line; blank lines are skipped, others that do not parse are warned about.
    private static func readAddresses(warnings: inout [Warning]) -> [Address] {
        var addresses: [Address] = []
        var lineNumber = 0
        while let line = readLine() {
            lineNumber += 1
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            if let address = Address(argument: text) {
                addresses.append(address)
            } else {
                warnings.append(Warning("standard input line \(lineNumber): not an address: \(text)", kind: .other))
            }
        }
        return addresses
    }
}

extension ExecutableImage {
    /// Go code by the pclntab (its inline tree gives the inlined calls), the rest by libdw.
    func symbolize(_ pc: Address) -> SymbolizeReport.Entry {
        if let goSymbols {
            let frames = goSymbols.frames(at: pc, isReturnAddress: false)
            if !frames.isEmpty {
                return .init(address: pc, source: "pclntab", frames: frames.map {
                    .init(function: $0.function, file: $0.file, line: $0.line, column: nil, inlined: $0.isInlined)
                }, symbol: goSymbols.function(containing: pc)?.name)
            }
        }
        let frames = symbols.frames(at: pc, isActivation: true)
        let located = frames.contains { $0.file != nil }
        let named = frames.contains { $0.function != nil }
        return .init(address: pc, source: located ? "dwarf" : named ? "symbols" : "none", frames: frames.map {
            .init(function: $0.function, file: $0.file, line: $0.line, column: $0.column, inlined: $0.isInlined)
        }, symbol: symbols.symbol(containing: pc).map { Demangler.demangle($0.name) })
    }
}
