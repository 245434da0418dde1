/// A data object named by an ELF symbol table (`STT_OBJECT`): a global variable of a binary
/// that has symbols but no DWARF.
public struct ELFObjectSymbol: Sendable {
    public var name: String
    /// The link-time address and size.
    public var address: UInt64
    public var size: UInt64
}

extension ELFImage {
    /// `Elf64_Sym`: name u32, info u8, other u8, shndx u16, value u64, size u64.
    private static let symbolSize: UInt64 = 24
    private static let symbolTable: UInt32 = 2 // SHT_SYMTAB
    private static let objectType: UInt8 = 1 // STT_OBJECT

    /// The data objects of the `.symtab` with a size, in table order; empty when the binary
    /// has no symbol table (Go's `-s`) or it is damaged.
    public func objectSymbols() -> [ELFObjectSymbol] {
        let sections = self.sections
        guard let table = sections.first(where: { $0.type == Self.symbolTable }),
              let strings = sections.first(where: { $0.name == ".strtab" }),
              let entries = view.slice(at: table.fileOffset, count: table.size)
        else { return [] }
        var symbols: [ELFObjectSymbol] = []
        for index in 0..<(table.size / Self.symbolSize) {
            let base = Int(index * Self.symbolSize)
            let info = entries.loadUnchecked(UInt8.self, at: base + 4)
            let size = entries.loadUnchecked(UInt64.self, at: base + 16)
            guard info & 0xf == Self.objectType, size > 0 else { continue }
            let nameOffset = UInt64(entries.loadUnchecked(UInt32.self, at: base))
            guard nameOffset < strings.size,
                  let name = view.cString(at: strings.fileOffset &+ nameOffset, maxLength: 1024) else { continue }
            symbols.append(ELFObjectSymbol(name: name, address: entries.loadUnchecked(UInt64.self, at: base + 8), size: size))
        }
        return symbols
    }
}
