import CoreFile

/// A fixture core cut down to a seed: its ELF header and program headers, its
/// notes whole, and only the first kilobyte of each PT_LOAD's bytes (where the
/// ELF header and build-id note of each mapped module are), laid out anew.
/// Fixture cores are megabytes to gigabytes; a seed must be tens of kilobytes.
enum ShrunkenCore {
    static let keptBytesPerSegment: UInt64 = 1024

    static func bytes(of path: String) throws -> [UInt8] {
        let file = try MappedFile(path: path)
        let elf = try ELFImage(view: file.bytes, path: path)
        let entrySize = Int(elf.header.programHeaderEntrySize)
        let tableEnd = elf.header.programHeaderOffset + UInt64(elf.header.programHeaderCount) * UInt64(entrySize)
        guard let head = file.bytes.slice(at: 0, count: max(tableEnd, ELFHeader.size)) else {
            throw CoreInspectError.malformed(path: path, what: "program headers run past the end of the file")
        }
        var output = head.bytes
        for (index, header) in elf.programHeaders.enumerated() where header.type == ProgramHeader.load || header.type == ProgramHeader.note {
            let kept = header.type == ProgramHeader.note ? header.fileSize : min(header.fileSize, keptBytesPerSegment)
            guard let content = file.bytes.slice(at: header.fileOffset, count: kept) else {
                throw CoreInspectError.malformed(path: path, what: "program header \(index) is cut off")
            }
            while output.count % 16 != 0 { output.append(0) }
            let entry = Int(elf.header.programHeaderOffset) + index * entrySize
            store(UInt64(output.count), at: entry + 8, in: &output)
            store(kept, at: entry + 32, in: &output)
            output += content.bytes
        }
        return output
    }

    private static func store(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<(offset + 8), with: $0) }
    }
}
