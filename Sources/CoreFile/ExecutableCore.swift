/// An executable or shared library on disk, seen as a process that has it
/// loaded at its link-time addresses (load bias 0) and nothing else: a core
/// without threads whose NT_FILE maps each PT_LOAD of the file.
///
/// Everything built for a dumped process (the module list, memory reads that
/// fill in from files, Go's build info and pclntab, libdwfl symbolization)
/// then works on a file alone, and addresses are the file's own virtual
/// addresses, the convention of `eu-addr2line -e` and `go tool addr2line`.
/// The core is a few hundred bytes of headers and notes, built in memory.
extension CoreFile {
    public convenience init(imageOf executable: ELFImage, path: String) throws {
        var builder = ExecutableCoreBuilder(path: path)
        let bytes = builder.build(executable)
        try self.init(file: MappedFile(copying: bytes, name: path))
    }
}

private struct ExecutableCoreBuilder {
    static let pageSize: UInt64 = 4096
    static let elfHeaderSize = 64
    static let programHeaderSize = 56

    let path: String

    /// The loader's view of each PT_LOAD: whole pages, the file-backed part and the rest (bss).
    private struct Mapping {
        var start: UInt64
        var fileEnd: UInt64
        var end: UInt64
        var fileOffset: UInt64
        var flags: UInt32
    }

    mutating func build(_ executable: ELFImage) -> [UInt8] {
        let mappings = Self.mappings(of: executable)
        var notes: [UInt8] = []
        let entry = executable.header.entry
        if mappings.contains(where: { entry >= $0.start && entry < $0.end }) {
            // AT_ENTRY names the main executable among the modules; AT_NULL ends the vector.
            notes += Self.note(type: 6, descriptor: Self.words([AuxiliaryVector.entry, entry, 0, 0]))
        }
        notes += Self.note(type: 0x4649_4c45, descriptor: fileNote(mappings.filter { $0.fileEnd > $0.start }))

        let headersSize = Self.elfHeaderSize + Self.programHeaderSize * (1 + mappings.count)
        var bytes = Self.elfHeader(programHeaderCount: 1 + mappings.count)
        bytes += Self.programHeader(type: ProgramHeader.note, flags: 0, offset: UInt64(headersSize), address: 0,
                                    fileSize: UInt64(notes.count), memorySize: 0)
        for mapping in mappings {
            // p_filesz 0: no bytes in the core, all of them from the file, as kernel cores leave text out.
            bytes += Self.programHeader(type: ProgramHeader.load, flags: mapping.flags, offset: UInt64(headersSize + notes.count),
                                        address: mapping.start, fileSize: 0, memorySize: mapping.end - mapping.start)
        }
        return bytes + notes
    }

    private static func mappings(of executable: ELFImage) -> [Mapping] {
        var mappings: [Mapping] = []
        let loads = executable.programHeaders.filter { $0.type == ProgramHeader.load && $0.memorySize > 0 }
        for load in loads.sorted(by: { $0.virtualAddress < $1.virtualAddress }) {
            let pageOffset = load.virtualAddress % pageSize
            var start = load.virtualAddress - pageOffset
            let end = roundUp(load.virtualAddress &+ load.memorySize)
            var fileOffset = load.fileOffset &- pageOffset
            // Segments that share a page keep the first one's bytes there, as mmap would leave them.
            if let previous = mappings.last, start < previous.end {
                fileOffset &+= previous.end - start
                start = previous.end
            }
            guard start < end else { continue }
            let fileEnd = min(max(start, roundUp(load.virtualAddress &+ load.fileSize)), end)
            mappings.append(Mapping(start: start, fileEnd: fileEnd, end: end, fileOffset: fileOffset, flags: load.flags))
        }
        return mappings
    }

    /// NT_FILE with page size 1, so offsets are in bytes (gdb's convention).
    private func fileNote(_ mappings: [Mapping]) -> [UInt8] {
        var descriptor = Self.words([UInt64(mappings.count), 1])
        for mapping in mappings { descriptor += Self.words([mapping.start, mapping.fileEnd, mapping.fileOffset]) }
        for _ in mappings { descriptor += Array(path.utf8) + [0] }
        return descriptor
    }

    private static func roundUp(_ value: UInt64) -> UInt64 { (value &+ pageSize - 1) & ~(pageSize - 1) }

    private static func words(_ values: [UInt64]) -> [UInt8] {
        values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    }

    private static func half(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }

    private static func word32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    private static func elfHeader(programHeaderCount: Int) -> [UInt8] {
        var header: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1] + [UInt8](repeating: 0, count: 9)
        header += half(4) + half(ELFHeader.machineX86_64) + word32(1) // ET_CORE, x86_64, EV_CURRENT
        header += words([0, UInt64(elfHeaderSize), 0]) // entry, phoff, shoff
        header += word32(0) + half(UInt16(elfHeaderSize)) + half(UInt16(programHeaderSize))
        header += half(UInt16(programHeaderCount)) + half(64) + half(0) + half(0)
        return header
    }

    private static func programHeader(type: UInt32, flags: UInt32, offset: UInt64, address: UInt64,
                                      fileSize: UInt64, memorySize: UInt64) -> [UInt8] {
        word32(type) + word32(flags) + words([offset, address, address, fileSize, memorySize, type == ProgramHeader.load ? pageSize : 4])
    }

    /// A "CORE" note, name and descriptor padded to 4 bytes.
    private static func note(type: UInt32, descriptor: [UInt8]) -> [UInt8] {
        let name: [UInt8] = Array("CORE".utf8) + [0, 0, 0, 0]
        let padding = [UInt8](repeating: 0, count: (4 - descriptor.count % 4) % 4)
        return word32(5) + word32(UInt32(descriptor.count)) + word32(type) + name + descriptor + padding
    }
}
