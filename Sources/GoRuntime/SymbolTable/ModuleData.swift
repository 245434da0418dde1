import CoreFile

extension GoSymbolTable {
    /// The parts of `runtime.firstmoduledata` a symbolizer (and a heap walker)
    /// needs: where the pclntab's tables are, the text base function entries
    /// are relative to, `gofunc` (the base of funcdata offsets such as inline
    /// trees), and the module's data and type ranges.
    public struct ModuleData: Hashable, Sendable {
        /// The address of the moduledata itself.
        public var address: Address
        public var pcHeader: Address
        /// `text` … `etext`: function entries are `text + entryOff`.
        public var text: AddressRange
        /// `minpc` … `maxpc`: the first function's entry to the last one's end.
        public var pcRange: AddressRange
        public var noptrdata: AddressRange
        public var data: AddressRange
        public var bss: AddressRange
        public var noptrbss: AddressRange
        /// `types` … `etypes`: type offsets (`typeOff`, `nameOff`) are relative to `types.start`.
        public var types: AddressRange
        public var rodata: Address
        /// `go:func.*`, the base that `_func.funcdata` offsets are relative to.
        public var gofunc: Address
        /// The release whose layout read `types` … `gofunc` (see `ModuleDataLayout`).
        public var layoutRelease: String

        // The slices' lengths bound the tables inside the pclntab.
        var funcnametabLength: UInt64
        var cutabCount: UInt64
        var filetabLength: UInt64
        var pctabLength: UInt64
        var pclntableLength: UInt64
        var ftabCount: UInt64
        /// How far the pclntab's tables reach past `pcHeader`.
        var pclntabExtent: UInt64
    }

    /// Where the moduledata fields after `enoptrbss` sit, for one group of releases.
    ///
    /// The first 256 bytes (pcHeader, the six slices funcnametab … ftab,
    /// findfunctab, minpc, maxpc, text … enoptrbss) have the same layout in
    /// every release from 1.18 to 1.27, which is what lets the scanner find
    /// the moduledata before it knows the release. What follows moved twice,
    /// per runtime/symtab.go `type moduledata` of each release (go1.21.13,
    /// go1.22.10, go1.23.9, go1.24.11, go1.25.5, go1.26.6, go1.27.3; 1.19 from
    /// golang/go at that time):
    ///
    /// - 1.20 added `covctrs, ecovctrs` before `end`, moving `end` … `gofunc` down 16 bytes.
    /// - 1.21 added `inittasks` and 1.26 added `epclntab`, both after `gofunc`: no change here.
    /// - 1.27 added `typedesclen` between `types` and `etypes`, and `itaboffset,
    ///   itabsize` before `rodata`, moving `etypes` down 8 and `rodata`, `gofunc` down 24.
    ///
    /// Offsets are for 64-bit targets.
    struct ModuleDataLayout: Sendable, Equatable {
        var release: String
        var types: Int
        var etypes: Int
        var rodata: Int
        var gofunc: Int

        /// go1.18, go1.19.
        static let go118 = ModuleDataLayout(release: "go1.18", types: 280, etypes: 288, rodata: 296, gofunc: 304)
        /// go1.20 … go1.26.
        static let go120 = ModuleDataLayout(release: "go1.20", types: 296, etypes: 304, rodata: 312, gofunc: 320)
        /// go1.27.
        static let go127 = ModuleDataLayout(release: "go1.27", types: 296, etypes: 312, rodata: 336, gofunc: 344)

        static let byMinorRelease: [Int: ModuleDataLayout] = [
            18: .go118, 19: .go118,
            20: .go120, 21: .go120, 22: .go120, 23: .go120, 24: .go120, 25: .go120, 26: .go120,
            27: .go127,
        ]

        /// Every known layout, newest first: the candidates tried when the
        /// release is unknown or its layout does not validate.
        static let all: [ModuleDataLayout] = [.go127, .go120, .go118]

        /// The bytes to read: enough for every field of the largest layout.
        static let readSize = 360

        /// The layout for a Go version string ("go1.23.4", "devel go1.27-abc…").
        static func forGoVersion(_ version: String) -> ModuleDataLayout? {
            GoVersion.minor(of: version).flatMap { byMinorRelease[$0] }
        }

        /// The best guess for a table of this format when the release is unknown.
        static func forFormat(_ format: Format) -> ModuleDataLayout { format == .go118 ? .go118 : .go127 }
    }
}

extension GoSymbolTable.ModuleData {
    // Offsets shared by every release, 64-bit.
    static let pcHeaderOffset = 0
    static let funcnametabOffset = 8
    static let cutabOffset = 32
    static let filetabOffset = 56
    static let pctabOffset = 80
    static let pclntableOffset = 104
    static let ftabOffset = 128
    static let minPCOffset = 160
    static let textOffset = 176
    static let noptrdataOffset = 192
    static let dataOffset = 208
    static let bssOffset = 224
    static let noptrbssOffset = 240

    /// Decodes and checks a moduledata candidate against the pclntab header it
    /// must point to: every table pointer must equal `pcHeader` plus the
    /// header's offset for that table, and ftab must hold nfunc+1 entries.
    /// Random data in a data segment does not pass this.
    init?(bytes: ByteView, address: Address, header: GoSymbolTable.Header, headerAddress: Address,
          layout: GoSymbolTable.ModuleDataLayout) {
        guard bytes.count >= GoSymbolTable.ModuleDataLayout.readSize else { return nil }
        func word(_ offset: Int) -> UInt64 { bytes.loadUnchecked(UInt64.self, at: offset) }
        func slice(_ offset: Int) -> (pointer: UInt64, length: UInt64)? {
            let length = word(offset + 8)
            return length == word(offset + 16) ? (word(offset), length) : nil
        }
        let base = headerAddress.rawValue
        guard word(Self.pcHeaderOffset) == base,
              let funcnametab = slice(Self.funcnametabOffset), funcnametab.pointer == base &+ header.funcnameOffset,
              let cutab = slice(Self.cutabOffset), cutab.pointer == base &+ header.cuOffset,
              let filetab = slice(Self.filetabOffset), filetab.pointer == base &+ header.filetabOffset,
              let pctab = slice(Self.pctabOffset), pctab.pointer == base &+ header.pctabOffset,
              let pclntable = slice(Self.pclntableOffset), pclntable.pointer == base &+ header.pclnOffset,
              let ftab = slice(Self.ftabOffset), ftab.pointer == pclntable.pointer,
              ftab.length == header.functionCount &+ 1, ftab.length != 0
        else { return nil }
        func range(_ offset: Int) -> AddressRange { AddressRange(start: Address(word(offset)), end: Address(word(offset + 8))) }
        let pcRange = range(Self.minPCOffset)
        let text = range(Self.textOffset)
        guard text.start <= pcRange.start, !pcRange.isEmpty, cutab.length <= UInt64.max / 4 else { return nil }

        self.address = address
        pcHeader = headerAddress
        self.text = text
        self.pcRange = pcRange
        noptrdata = range(Self.noptrdataOffset)
        data = range(Self.dataOffset)
        bss = range(Self.bssOffset)
        noptrbss = range(Self.noptrbssOffset)
        types = AddressRange(start: Address(word(layout.types)), end: Address(word(layout.etypes)))
        rodata = Address(word(layout.rodata))
        gofunc = Address(word(layout.gofunc))
        layoutRelease = layout.release
        funcnametabLength = funcnametab.length
        cutabCount = cutab.length
        filetabLength = filetab.length
        pctabLength = pctab.length
        pclntableLength = pclntable.length
        ftabCount = ftab.length
        // Overflow-checked: corrupt lengths must not wrap into a small extent.
        let ends = [(header.funcnameOffset, funcnametab.length), (header.cuOffset, cutab.length * 4),
                    (header.filetabOffset, filetab.length), (header.pctabOffset, pctab.length), (header.pclnOffset, pclntable.length)]
        var extent: UInt64 = GoSymbolTable.Header.size
        for (offset, length) in ends {
            let (end, overflow) = offset.addingReportingOverflow(length)
            guard !overflow else { return nil }
            extent = max(extent, end)
        }
        pclntabExtent = extent
    }
}
