/// Section types and flags by the names `eu-readelf -S` gives them.
extension SectionHeader {
    /// SHF_COMPRESSED: the section's bytes start with an Elf64_Chdr (zlib or zstd).
    public static let compressedFlag: UInt64 = 0x800

    /// `PROGBITS`, `NOBITS`, `SYMTAB`…; GNU and unknown types as hex.
    public var typeName: String {
        switch type {
        case 0: return "NULL"
        case 1: return "PROGBITS"
        case 2: return "SYMTAB"
        case 3: return "STRTAB"
        case 4: return "RELA"
        case 5: return "HASH"
        case 6: return "DYNAMIC"
        case 7: return "NOTE"
        case 8: return "NOBITS"
        case 9: return "REL"
        case 11: return "DYNSYM"
        case 14: return "INIT_ARRAY"
        case 15: return "FINI_ARRAY"
        case 16: return "PREINIT_ARRAY"
        case 17: return "GROUP"
        case 18: return "SYMTAB_SHNDX"
        case 0x6fff_fff5: return "GNU_ATTRIBUTES"
        case 0x6fff_fff6: return "GNU_HASH"
        case 0x6fff_fffd: return "GNU_verdef"
        case 0x6fff_fffe: return "GNU_verneed"
        case 0x6fff_ffff: return "GNU_versym"
        case 0x7000_0001: return "X86_64_UNWIND"
        default: return "0x" + String(type, radix: 16)
        }
    }

    /// Flag letters in eu-readelf's order: W write, A alloc, X exec, M merge,
    /// S strings, I info link, L link order, G group, T TLS, C compressed, E exclude.
    public var flagLetters: String {
        let letters: [(UInt64, Character)] = [(0x1, "W"), (0x2, "A"), (0x4, "X"), (0x10, "M"), (0x20, "S"), (0x40, "I"),
                                              (0x80, "L"), (0x200, "G"), (0x400, "T"), (SectionHeader.compressedFlag, "C"),
                                              (0x8000_0000, "E")]
        return String(letters.compactMap { flags & $0.0 != 0 ? $0.1 : nil })
    }
}

/// The `.gnu_debuglink` section: the separate debug file's name and the CRC-32 of its contents.
public struct DebugLink: Sendable, Equatable {
    public var fileName: String
    public var crc: UInt32

    /// Nil when the file has no such section or it is malformed.
    public init?(_ elf: ELFImage) {
        guard let section = elf.section(named: ".gnu_debuglink"), section.type != 8,
              let name = elf.view.cString(at: section.fileOffset, maxLength: Int(min(section.size, 4096))), !name.isEmpty
        else { return nil }
        // The name, its NUL, padding to 4 bytes, then the CRC.
        let crcOffset = (UInt64(name.utf8.count) + 1 + 3) & ~3
        guard crcOffset + 4 <= section.size, let crc = elf.view.load(UInt32.self, at: section.fileOffset + crcOffset) else { return nil }
        fileName = name
        self.crc = crc
    }
}
