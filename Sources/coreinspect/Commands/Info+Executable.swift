#if canImport(Glibc)
import Glibc
#endif
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

extension Info {
    /// `info` on an executable or shared library rather than a core: build-id,
    /// sections, where the debug info is, and Go's build info.
    func runOnExecutable(_ file: MappedFile, elf: ELFImage) throws {
        try CommandRunner.run(command: "info", options: options) {
            let opened = try ExecutableImage(file: file, elf: elf, search: options.search)
            let report = ExecutableInfoReport(path: options.core, elf: elf, debugInfo: opened.debugInfo(search: options.search),
                                              goBuildInfo: opened.goBuildInfo, goFunctions: opened.goSymbols?.functionCount)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: opened.warnings)
        }
    }
}

/// An executable or library opened without a core, at its link-time
/// addresses, with libdw's view of it and, for Go, its own tables.
struct ExecutableImage {
    let path: String
    /// Owns the bytes `elf` views.
    let file: MappedFile
    let elf: ELFImage
    let process: ProcessImage
    let module: Module
    let symbols: NativeSymbols
    let goBuildInfo: GoBuildInfo?
    let goSymbols: GoSymbolTable?
    let warnings: [Warning]

    init(file: MappedFile, elf: ELFImage, search: FileSearch) throws {
        path = file.path
        self.file = file
        self.elf = elf
        // A file that is not what it should be is the executable's problem, not a core's.
        (process, symbols) = try CategorizedFailure.filing(as: .executableProblem, subject: file.path) {
            guard elf.header.machine == ELFHeader.machineX86_64 else {
                throw CoreInspectError.malformed(path: file.path, what: "machine \(elf.header.machine); only x86_64 (62) is supported")
            }
            let process = try ProcessImage(executable: elf, path: file.path, search: search)
            return (process, try NativeSymbols(process: process, search: search))
        }
        guard let module = process.mainExecutable else {
            throw CategorizedFailure(.executableProblem, subject: file.path, underlying: NoLoadableSegments())
        }
        self.module = module
        goBuildInfo = GoBuildInfo.read(from: process)
        var warnings = process.warnings.filter { $0.kind != .malformedCore } // the image has no threads by design
        if let goBuildInfo {
            do {
                let table = try GoSymbolTable(process: process, release: goBuildInfo.release)
                goSymbols = table
                warnings += table.warnings
            } catch {
                goSymbols = nil
                warnings.append(Warning("\(path): Go symbol table unreadable: \(error)", kind: .unreadableGoRuntime))
            }
        } else {
            goSymbols = nil
        }
        self.warnings = warnings
    }

    func debugInfo(search: FileSearch) -> ExecutableInfoReport.DebugInfo {
        let link = DebugLink(elf).map { ExecutableInfoReport.DebugInfo.Link(file: $0.fileName, crc: Self.hex8($0.crc)) }
        var index: ExecutableInfoReport.DebugInfo.IndexEntry?
        if let buildID = elf.buildID, buildID.kind == .gnu {
            let hex = buildID.description
            let candidates = search.allDebugDirectories.map { "\($0)/.build-id/\(hex.prefix(2))/\(hex.dropFirst(2)).debug" }
            let found = candidates.first { access($0, F_OK) == 0 }
            index = .init(path: found ?? candidates[candidates.count - 1], present: found != nil)
        }
        let used: String, usedFile: String?
        switch symbols.debugInfo(for: module) {
        case .embedded: (used, usedFile) = ("embedded", nil)
        case let .separate(path): (used, usedFile) = ("separate", path)
        case .none: (used, usedFile) = ("none", nil)
        }
        return .init(embedded: elf.hasDebugInfo, debugLink: link, buildIDIndex: index, used: used, usedFile: usedFile)
    }

    private static func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

private struct NoLoadableSegments: Error, CustomStringConvertible {
    var description: String { "no loadable segments: nothing to symbolize" }
}
