extension GoSymbolTable {
    /// The pclntab encoding, named by the magic number at the start of the
    /// table (`abi.PCLnTabMagic` in internal/abi/symtab.go). The magic changes
    /// only when the encoding does, so it, not the Go version, picks the
    /// layouts of `_func` and `inlinedCall` below.
    ///
    /// Read from each release's runtime/runtime2.go (`_func`),
    /// runtime/symtabinl.go (`inlinedCall`, 1.21+) and runtime/symtab.go
    /// (`pcHeader`, `functab`, and `inlinedCall` before 1.21), go1.21.13 through
    /// go1.27.3; 1.19 from golang/go's runtime/symtab.go of that time.
    enum Format: Sendable, Equatable {
        /// 0xfffffff0: Go 1.18 and 1.19.
        case go118
        /// 0xfffffff1: Go 1.20 through 1.27 (1.27 still writes it).
        case go120

        init?(magic: UInt32) {
            switch magic {
            case 0xffff_fff0: self = .go118
            case 0xffff_fff1: self = .go120
            default: return nil
            }
        }

        var magic: UInt32 { self == .go118 ? 0xffff_fff0 : 0xffff_fff1 }

        // MARK: `_func`, the per-function record in pclntable
        //
        //   0 entryOff u32   4 nameOff i32   8 args i32   12 deferreturn u32
        //  16 pcsp u32      20 pcfile u32   24 pcln u32  28 npcdata u32
        //  32 cuOffset u32  36 startLine i32 (1.20+)
        //  then funcID u8, flag u8, pad u8, nfuncdata u8,
        //  then pcdata [npcdata]u32, then funcdata [nfuncdata]u32.
        // Go 1.20 inserted startLine, moving the last four bytes down by 4.

        static let funcEntryOffset = 0
        static let funcNameOffset = 4
        static let funcPCSPOffset = 16
        static let funcPCFileOffset = 20
        static let funcPCLineOffset = 24
        static let funcPCDataCountOffset = 28
        static let funcCUOffset = 32

        var funcStartLineOffset: Int? { self == .go120 ? 36 : nil }
        var funcIDOffset: Int { self == .go120 ? 40 : 36 }
        var funcFlagOffset: Int { funcIDOffset + 1 }
        var funcDataCountOffset: Int { funcIDOffset + 3 }
        /// Where the pcdata array starts: `_func` must end on a 4-byte boundary.
        var funcHeaderSize: Int { funcIDOffset + 4 }

        // MARK: `inlinedCall`, one entry of the FUNCDATA_InlTree array
        //
        // 1.20+: funcID u8, pad [3]u8, nameOff i32, parentPc i32, startLine i32 (16 bytes).
        // 1.18–1.19: parent i16, funcID u8, pad u8, file i32, line i32, func_ (nameOff) i32,
        //            parentPc i32 (20 bytes); the call's file and line come from the pc tables anyway.

        var inlineEntrySize: Int { self == .go120 ? 16 : 20 }
        var inlineFuncIDOffset: Int { self == .go120 ? 0 : 2 }
        var inlineNameOffset: Int { self == .go120 ? 4 : 12 }
        var inlineParentPCOffset: Int { self == .go120 ? 8 : 16 }
    }

    /// `abi.PCDATA_InlTreeIndex`: the pc-value table giving the inline tree
    /// index at each PC, or -1 outside inlined code. Unchanged since Go 1.12.
    static let pcdataInlineTreeIndex = 2
    /// `abi.FUNCDATA_InlTree`: the funcdata slot holding the inline tree's offset from `moduledata.gofunc`.
    static let funcdataInlineTree = 3
    /// A funcdata slot with no data holds `^uint32(0)`.
    static let missingFuncData: UInt32 = 0xffff_ffff
}
