/// The parts of an ELF64 little-endian file coreinspect needs: the header,
/// program headers, section headers and notes.
///
/// Used for the core itself, for executables and libraries on disk, and for
/// ELF headers read out of the inferior's memory (to learn build-ids).
public struct ELFImage: Sendable {
    public let path: String
    public let view: ByteView
    public let header: ELFHeader
    public let programHeaders: [ProgramHeader]

    /// Parses the header and program headers; throws if either lies outside `view`.
    public init(view: ByteView, path: String) throws {
        self.view = view
        self.path = path
        header = try ELFHeader(view: view, path: path)
        programHeaders = try ELFImage.readProgramHeaders(view: view, header: header, path: path)
    }

    /// ELF stores more than 0xffff program headers by putting the real count
    /// in section 0's `sh_info` (PN_XNUM); very large processes hit this.
    private static func programHeaderCount(view: ByteView, header: ELFHeader) -> UInt64 {
        guard header.programHeaderCount == 0xffff, header.sectionHeaderOffset != 0,
              let info = view.load(UInt32.self, at: header.sectionHeaderOffset &+ 44)
        else { return UInt64(header.programHeaderCount) }
        return UInt64(info)
    }

    private static func readProgramHeaders(view: ByteView, header: ELFHeader, path: String) throws -> [ProgramHeader] {
        let count = programHeaderCount(view: view, header: header)
        guard count > 0 else { return [] }
        let entrySize = UInt64(header.programHeaderEntrySize)
        guard entrySize >= ProgramHeader.size else {
            throw CoreInspectError.malformed(path: path, what: "program header size \(entrySize)")
        }
        // Checking the whole table up front bounds the allocation below by
        // the file's real size, whatever the count field claims.
        guard let table = view.slice(at: header.programHeaderOffset, count: count &* entrySize),
              count < UInt64(Int32.max)
        else {
            throw CoreInspectError.truncated(path: path, what: "program header table (\(count) entries at offset \(header.programHeaderOffset)) runs past the end of the file")
        }
        return (0..<Int(count)).map { ProgramHeader(view: table, at: UInt64($0) * entrySize) }
    }

    public var buildID: BuildID? {
        for ph in programHeaders where ph.type == ProgramHeader.note {
            guard let notes = view.slice(at: ph.fileOffset, count: ph.fileSize) else { continue }
            if let id = ELFNote.identity(in: ELFNote.parseAll(notes).notes) { return id }
        }
        return nil
    }

    /// Section headers with their names; empty when the table is absent or damaged.
    public var sections: [SectionHeader] {
        let count = UInt64(header.sectionHeaderCount)
        let entrySize = UInt64(header.sectionHeaderEntrySize)
        guard count > 0, entrySize >= SectionHeader.size,
              let table = view.slice(at: header.sectionHeaderOffset, count: count * entrySize)
        else { return [] }
        var sections = (0..<count).map { SectionHeader(view: table, at: $0 * entrySize) }
        if Int(header.sectionNameTableIndex) < sections.count {
            let names = sections[Int(header.sectionNameTableIndex)]
            for index in sections.indices {
                sections[index].name = view.cString(at: names.fileOffset &+ UInt64(sections[index].nameOffset), maxLength: 256) ?? ""
            }
        }
        return sections
    }

    public func section(named name: String) -> SectionHeader? {
        sections.first { $0.name == name }
    }

    /// True when the file carries DWARF of its own (`.debug_info`, possibly compressed).
    public var hasDebugInfo: Bool {
        sections.contains { $0.name == ".debug_info" || $0.name == ".zdebug_info" }
    }
}

public struct ELFHeader: Sendable {
    public static let size: UInt64 = 64
    public static let machineX86_64: UInt16 = 62

    public enum FileType: UInt16, Sendable {
        case none = 0, relocatable = 1, executable = 2, sharedObject = 3, core = 4
    }

    public var type: UInt16
    public var machine: UInt16
    public var entry: UInt64
    public var programHeaderOffset: UInt64
    public var sectionHeaderOffset: UInt64
    public var programHeaderEntrySize: UInt16
    public var programHeaderCount: UInt16
    public var sectionHeaderEntrySize: UInt16
    public var sectionHeaderCount: UInt16
    public var sectionNameTableIndex: UInt16

    public var fileType: FileType? { FileType(rawValue: type) }

    public var typeName: String {
        switch fileType {
        case .none?: return "ET_NONE"
        case .relocatable?: return "ET_REL"
        case .executable?: return "ET_EXEC"
        case .sharedObject?: return "ET_DYN"
        case .core?: return "ET_CORE"
        case nil: return "0x" + String(type, radix: 16)
        }
    }

    init(view: ByteView, path: String) throws {
        guard view.count >= 4, view.base[0] == 0x7f, view.base[1] == 0x45, view.base[2] == 0x4c, view.base[3] == 0x46 else {
            throw CoreInspectError.notELF(path: path)
        }
        guard view.count >= 6 else { throw CoreInspectError.truncated(path: path, what: "ELF header") }
        switch view.base[4] {
        case 2: break
        case 1: throw CoreInspectError.unsupportedCore(path: path, reason: "32-bit ELF (ELFCLASS32); only 64-bit is supported")
        default: throw CoreInspectError.malformed(path: path, what: "ELF class \(view.base[4])")
        }
        switch view.base[5] {
        case 1: break
        case 2: throw CoreInspectError.unsupportedCore(path: path, reason: "big-endian ELF (ELFDATA2MSB); only little-endian is supported")
        default: throw CoreInspectError.malformed(path: path, what: "ELF data encoding \(view.base[5])")
        }
        guard view.contains(offset: 0, count: ELFHeader.size) else {
            throw CoreInspectError.truncated(path: path, what: "ELF header (\(view.count) of 64 bytes)")
        }
        type = view.loadUnchecked(UInt16.self, at: 16)
        machine = view.loadUnchecked(UInt16.self, at: 18)
        entry = view.loadUnchecked(UInt64.self, at: 24)
        programHeaderOffset = view.loadUnchecked(UInt64.self, at: 32)
        sectionHeaderOffset = view.loadUnchecked(UInt64.self, at: 40)
        programHeaderEntrySize = view.loadUnchecked(UInt16.self, at: 54)
        programHeaderCount = view.loadUnchecked(UInt16.self, at: 56)
        sectionHeaderEntrySize = view.loadUnchecked(UInt16.self, at: 58)
        sectionHeaderCount = view.loadUnchecked(UInt16.self, at: 60)
        sectionNameTableIndex = view.loadUnchecked(UInt16.self, at: 62)
    }
}

/// One `Elf64_Phdr`.
public struct ProgramHeader: Hashable, Sendable {
    static let size: UInt64 = 56
    /// PT_LOAD
    public static let load: UInt32 = 1
    /// PT_NOTE
    public static let note: UInt32 = 4
    /// PF_X, PF_W, PF_R
    public static let executable: UInt32 = 1, writable: UInt32 = 2, readable: UInt32 = 4

    public var type: UInt32
    public var flags: UInt32
    public var fileOffset: UInt64
    public var virtualAddress: UInt64
    public var fileSize: UInt64
    public var memorySize: UInt64
    public var alignment: UInt64

    init(view: ByteView, at offset: UInt64) {
        let base = Int(offset)
        type = view.loadUnchecked(UInt32.self, at: base)
        flags = view.loadUnchecked(UInt32.self, at: base + 4)
        fileOffset = view.loadUnchecked(UInt64.self, at: base + 8)
        virtualAddress = view.loadUnchecked(UInt64.self, at: base + 16)
        fileSize = view.loadUnchecked(UInt64.self, at: base + 32)
        memorySize = view.loadUnchecked(UInt64.self, at: base + 40)
        alignment = view.loadUnchecked(UInt64.self, at: base + 48)
    }

    public var permissions: Permissions { Permissions(elfFlags: flags) }
}

/// One `Elf64_Shdr`, with its name resolved.
public struct SectionHeader: Sendable {
    static let size: UInt64 = 64
    public var name = ""
    public var nameOffset: UInt32
    public var type: UInt32
    public var flags: UInt64
    public var address: UInt64
    public var fileOffset: UInt64
    public var size: UInt64

    init(view: ByteView, at offset: UInt64) {
        let base = Int(offset)
        nameOffset = view.loadUnchecked(UInt32.self, at: base)
        type = view.loadUnchecked(UInt32.self, at: base + 4)
        flags = view.loadUnchecked(UInt64.self, at: base + 8)
        address = view.loadUnchecked(UInt64.self, at: base + 16)
        fileOffset = view.loadUnchecked(UInt64.self, at: base + 24)
        size = view.loadUnchecked(UInt64.self, at: base + 32)
    }
}

/// Read/write/execute permissions of a mapping, `nil` where nothing recorded them.
public struct Permissions: Hashable, Sendable, CustomStringConvertible {
    public var readable: Bool
    public var writable: Bool
    public var executable: Bool

    public init(readable: Bool, writable: Bool, executable: Bool) {
        self.readable = readable
        self.writable = writable
        self.executable = executable
    }

    public init(elfFlags: UInt32) {
        self.init(readable: elfFlags & ProgramHeader.readable != 0,
                  writable: elfFlags & ProgramHeader.writable != 0,
                  executable: elfFlags & ProgramHeader.executable != 0)
    }

    /// `r-x` style, as /proc/PID/maps prints them.
    public var description: String {
        (readable ? "r" : "-") + (writable ? "w" : "-") + (executable ? "x" : "-")
    }
}
