import CoreFile

extension GoSymbolTable {
    /// `runtime.pcHeader`, the first 72 bytes of the pclntab (64-bit):
    ///
    ///     0 magic u32   4 pad1, pad2 u8 (0)   6 minLC u8   7 ptrSize u8
    ///     8 nfunc       16 nfiles            24 textStart (zero from 1.26)
    ///    32 funcnameOffset  40 cuOffset  48 filetabOffset  56 pctabOffset  64 pclnOffset
    ///
    /// The five offsets are from the header's own address. The layout is the
    /// same from 1.18 to 1.27 (runtime/symtab.go of each release), except that
    /// 1.26 stopped filling in textStart (it needed a relocation), so the text
    /// base comes from the moduledata instead.
    struct Header: Sendable, Equatable {
        static let size: UInt64 = 72

        var format: Format
        /// `minLC`, the PC quantum: pc-value deltas count in these units (1 on x86-64).
        var quantum: UInt8
        var functionCount: UInt64
        var fileCount: UInt64
        /// Zero from Go 1.26; equal to `moduledata.text` before.
        var textStart: UInt64
        var funcnameOffset: UInt64
        var cuOffset: UInt64
        var filetabOffset: UInt64
        var pctabOffset: UInt64
        var pclnOffset: UInt64

        /// Decodes the header, or says why these bytes are not one.
        init(bytes: ByteView, path: String) throws {
            guard bytes.count >= Int(Header.size) else {
                throw CoreInspectError.truncated(path: path, what: "pclntab header (\(bytes.count) of \(Header.size) bytes)")
            }
            let magic = bytes.loadUnchecked(UInt32.self, at: 0)
            guard let format = Format(magic: magic) else {
                throw CoreInspectError.malformed(path: path, what: "pclntab magic 0x\(String(magic, radix: 16)) is not Go 1.18–1.27's 0xfffffff0/0xfffffff1")
            }
            let quantum = bytes.base[6], pointerSize = bytes.base[7]
            guard bytes.base[4] == 0, bytes.base[5] == 0, [1, 2, 4].contains(quantum), pointerSize == 8 else {
                throw CoreInspectError.malformed(path: path, what: "pclntab header pads/quantum/pointer size \(bytes.base[4])/\(bytes.base[5])/\(quantum)/\(pointerSize)")
            }
            func word(_ index: Int) -> UInt64 { bytes.loadUnchecked(UInt64.self, at: 8 * index) }
            self.format = format
            self.quantum = quantum
            functionCount = word(1)
            fileCount = word(2)
            textStart = word(3)
            funcnameOffset = word(4)
            cuOffset = word(5)
            filetabOffset = word(6)
            pctabOffset = word(7)
            pclnOffset = word(8)
            // The tables follow the header (the linker writes them in the order
            // above, but nothing here depends on that order).
            guard tableOffsets.allSatisfy({ $0 >= Header.size && $0 < 1 << 40 }) else {
                throw CoreInspectError.malformed(path: path, what: "pclntab table offsets \(tableOffsets) point outside the table")
            }
        }

        var tableOffsets: [UInt64] { [funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset] }
    }
}
