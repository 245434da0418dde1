import CoreFile
import GoRuntime
import Symbols

/// `coreinspect info EXE`: what an executable or shared library is, where
/// its debug info is, and, for Go, its build info; no core involved.
public struct ExecutableInfoReport: Encodable {
    public struct Section: Encodable {
        public var index: Int
        public var name: String
        public var type: String
        public var address: String
        public var offset: UInt64
        public var size: UInt64
        /// eu-readelf's letters: W write, A alloc, X exec, M merge, S strings, I, L, G, T TLS, C compressed, E.
        public var flags: String
    }

    public struct DebugInfo: Encodable {
        public struct Link: Encodable {
            public var file: String
            /// CRC-32 of the debug file, as 8 hex digits.
            public var crc: String

            public init(file: String, crc: String) {
                self.file = file
                self.crc = crc
            }
        }
        public struct IndexEntry: Encodable {
            public var path: String
            public var present: Bool

            public init(path: String, present: Bool) {
                self.path = path
                self.present = present
            }
        }
        /// The file has DWARF of its own (`.debug_info`, possibly compressed).
        public var embedded: Bool
        public var debugLink: Link?
        /// `DIR/.build-id/xx/rest.debug` under the debug directories: the first that exists, else the system one.
        public var buildIDIndex: IndexEntry?
        /// What libdw uses: embedded, separate or none.
        public var used: String
        public var usedFile: String?

        public init(embedded: Bool, debugLink: Link?, buildIDIndex: IndexEntry?, used: String, usedFile: String?) {
            self.embedded = embedded
            self.debugLink = debugLink
            self.buildIDIndex = buildIDIndex
            self.used = used
            self.usedFile = usedFile
        }
    }

    public struct GoInfo: Encodable {
        public struct Setting: Encodable {
            public var key: String
            public var value: String
        }
        public var version: String
        public var path: String?
        public var mainModule: String?
        public var mainModuleVersion: String?
        public var dependencies: [InfoReport.GoSummary.Dependency]
        /// In the binary's order, which `go version -m` keeps.
        public var settings: [Setting]
        /// The build info as `go version -m` prints it.
        public var goVersionM: String
        /// Functions in the pclntab, which symbolizes even stripped binaries; absent when it cannot be read.
        public var functions: Int?
    }

    public var file: String
    /// executable, pie-executable, shared-library, relocatable or another ELF type's name.
    public var kind: String
    public var elfType: String
    public var entry: String
    public var interpreter: String?
    public var buildID: String?
    /// Go's own build ID note (`go tool buildid`), beside the GNU one.
    public var goBuildID: String?
    public var sections: [Section]
    public var debugInfo: DebugInfo
    public var go: GoInfo?

    public init(path: String, elf: ELFImage, debugInfo: DebugInfo, goBuildInfo: GoBuildInfo?, goFunctions: Int?) {
        file = path
        elfType = elf.header.typeName
        let interpreter = elf.programHeaders.first { $0.type == 3 }.flatMap { header in // PT_INTERP
            elf.view.cString(at: header.fileOffset, maxLength: Int(min(header.fileSize, 4096)))
        }
        self.interpreter = interpreter
        switch elf.header.fileType {
        case .executable: kind = "executable"
        case .sharedObject: kind = interpreter == nil ? "shared-library" : "pie-executable"
        case .relocatable: kind = "relocatable"
        default: kind = elf.header.typeName.lowercased()
        }
        entry = Address(elf.header.entry).hex
        // Note sections, as eu-readelf -n reads them: Go's linker leaves the GNU build-id out of PT_NOTE.
        let noteSections = elf.sections.filter { $0.type == 7 }.map { ($0.fileOffset, $0.size) }
        let noteSegments = elf.programHeaders.filter { $0.type == ProgramHeader.note }.map { ($0.fileOffset, $0.fileSize) }
        let notes = (noteSections.isEmpty ? noteSegments : noteSections).flatMap { offset, size in
            elf.view.slice(at: offset, count: size).map { ELFNote.parseAll($0).notes } ?? []
        }
        buildID = notes.lazy.compactMap(\.gnuBuildID).first?.description
        goBuildID = notes.lazy.compactMap(\.goBuildID).first?.description
        sections = elf.sections.enumerated().map { index, section in
            Section(index: index, name: section.name, type: section.typeName, address: Address(section.address).hex,
                    offset: section.fileOffset, size: section.size, flags: section.flagLetters)
        }
        self.debugInfo = debugInfo
        go = goBuildInfo.map { info in
            GoInfo(version: info.goVersion, path: info.path, mainModule: info.mainModule?.path,
                   mainModuleVersion: info.mainModule?.version,
                   dependencies: info.dependencies.map {
                       InfoReport.GoSummary.Dependency(path: $0.path, version: $0.version, sum: $0.sum, replacement: $0.replacement)
                   },
                   settings: info.settings.map { GoInfo.Setting(key: $0.key, value: $0.value) },
                   goVersionM: GoVersionListing.text(path: path, buildInfo: info), functions: goFunctions)
        }
    }

    public func text(style: TextStyle) -> String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) { lines.append(style.bold(label.padded(to: 12)) + value) }
        row("file", file)
        row("kind", "\(kind) (ELF \(elfType)), entry \(entry)")
        if let interpreter { row("interpreter", interpreter) }
        row("build-id", buildID ?? "none")
        if let goBuildID { row("Go build ID", goBuildID) }
        row("debug info", debugInfoSummary)
        if let link = debugInfo.debugLink { row("", ".gnu_debuglink \(link.file), CRC \(link.crc)") }
        if let index = debugInfo.buildIDIndex { row("", "build-id index \(index.path)" + (index.present ? "" : " (not present)")) }
        if let go {
            row("Go", go.version + (go.functions.map { ", pclntab with \($0) functions" } ?? ""))
            lines.append("")
            lines.append(go.goVersionM)
        }
        lines.append("")
        lines.append(style.bold("sections (\(sections.count))"))
        var table = TextTable(["[Nr]", "name", "type", "address", "offset", "size", "flags"])
        for section in sections {
            table.add(["[\(section.index)]", section.name, section.type, section.address,
                       "0x" + String(section.offset, radix: 16), "0x" + String(section.size, radix: 16), section.flags])
        }
        lines.append(table.render(indent: "  "))
        return lines.joined(separator: "\n")
    }

    private var debugInfoSummary: String {
        switch debugInfo.used {
        case "embedded": return "embedded (.debug_info)"
        case "separate": return "separate: \(debugInfo.usedFile ?? "?")"
        default: return debugInfo.embedded ? "embedded, but libdw cannot read it" : "none"
        }
    }
}
