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

    /// Where `runtime.moduledata` keeps the fields a symbolizer reads, from a
    /// release's generated layout table (Layouts/Releases).
    ///
    /// The first 256 bytes (pcHeader, the six slices funcnametab … ftab,
    /// findfunctab, minpc, maxpc, text … enoptrbss) have the same layout in
    /// every release from 1.18 to 1.27, which is what lets the scanner find
    /// the moduledata before it knows the release. What follows moved: 1.20
    /// added `covctrs` before `end`; 1.27 added `typedesclen` and `itaboffset`.
    struct ModuleDataLayout: GoRuntimeStructure, Sendable, Equatable {
        static let typeNames = ["runtime.moduledata"]
        /// The release whose layout this is ("go1.23.9").
        var release: String
        var pcHeader, funcnametab, cutab, filetab, pctab, pclntable, ftab: Int
        var minpc, text, noptrdata, data, bss, noptrbss: Int
        var types, etypes, rodata, gofunc: Int

        init(_ moduledata: GoStructView) throws {
            func offset(_ name: String) throws -> Int { Int(try moduledata.field(name).offset) }
            release = moduledata.goVersion
            pcHeader = try moduledata.address("pcHeader").offset
            funcnametab = try moduledata.slice("funcnametab").offset
            cutab = try moduledata.slice("cutab").offset
            filetab = try moduledata.slice("filetab").offset
            pctab = try moduledata.slice("pctab").offset
            pclntable = try moduledata.slice("pclntable").offset
            ftab = try moduledata.slice("ftab").offset
            // Ranges are pairs of fields (minpc, maxpc; text, etext; …), checked to be adjacent.
            func range(_ start: String, _ end: String) throws -> Int {
                let first = try moduledata.address(start).offset
                guard try moduledata.address(end).offset == first + 8 else {
                    throw GoRuntimeError.corrupt(what: "runtime.moduledata layout: \(end) does not follow \(start)")
                }
                return first
            }
            minpc = try range("minpc", "maxpc")
            text = try range("text", "etext")
            noptrdata = try range("noptrdata", "enoptrdata")
            data = try range("data", "edata")
            bss = try range("bss", "ebss")
            noptrbss = try range("noptrbss", "enoptrbss")
            types = try moduledata.address("types").offset
            etypes = try moduledata.address("etypes").offset
            rodata = try moduledata.address("rodata").offset
            gofunc = try moduledata.address("gofunc").offset
        }

        /// Equal offsets, whichever release they came from.
        static func == (lhs: ModuleDataLayout, rhs: ModuleDataLayout) -> Bool {
            var left = lhs
            left.release = rhs.release
            return left.offsets == rhs.offsets
        }

        private var offsets: [Int] {
            [pcHeader, funcnametab, cutab, filetab, pctab, pclntable, ftab, minpc, text, noptrdata, data, bss, noptrbss,
             types, etypes, rodata, gofunc]
        }

        /// Every distinct layout of the release tables, newest first: the
        /// candidates tried when the release is unknown or its layout does not validate.
        static let all: [ModuleDataLayout] = GoReleaseTable.all.reversed().compactMap(from).reduce(into: []) { distinct, layout in
            if !distinct.contains(layout) { distinct.append(layout) }
        }

        /// The bytes to read: enough for every field of every layout.
        static let readSize = all.map { $0.offsets.max()! + 24 }.max() ?? 360

        /// Any layout checks a candidate, since the check reads only the first
        /// 256 bytes, where every release agrees: the newest.
        static var probe: ModuleDataLayout { all[0] }

        /// The layout to try first. The runtime layout the caller resolved wins
        /// when it is the binary's own (its DWARF, or its release's table): a
        /// release without a table then reads exactly. A stand-in table does
        /// not, since the nearest release may sit across the 1.20 change; the
        /// release decides then, and the pclntab format when it is unknown.
        static func preferred(runtime: GoRuntimeLayout?, release: GoRelease?, format: Format) -> ModuleDataLayout {
            if let runtime, runtime.source.isExact, let own = try? runtime.resolve(ModuleDataLayout.self).get() { return own }
            return release.flatMap(forRelease) ?? forFormat(format)
        }

        /// A release without a table takes the nearest table on its side of
        /// 1.20, which changed the pclntab format and added `covctrs`: 1.20
        /// reads like 1.21, not like 1.19.
        static func forRelease(_ release: GoRelease) -> ModuleDataLayout? {
            let sameFormat = GoReleaseTable.all.filter { $0.goRelease?.hasGo120Pclntab == release.hasGo120Pclntab }
            return GoReleaseTable.nearest(to: release, in: sameFormat).flatMap { from($0.table) }
        }

        /// The best guess for a table of this format when the release is unknown:
        /// the go118 format is 1.18–1.19's, the other the newest's.
        static func forFormat(_ format: Format) -> ModuleDataLayout {
            (format == .go118 ? forRelease(.go1_19) : nil) ?? all[0]
        }

        private static func from(_ table: GoReleaseTable) -> ModuleDataLayout? {
            try? GoRuntimeLayout(table: table, goVersion: table.release, exact: true).resolve(ModuleDataLayout.self).get()
        }
    }
}

extension GoSymbolTable.ModuleData {
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
        guard word(layout.pcHeader) == base,
              let funcnametab = slice(layout.funcnametab), funcnametab.pointer == base &+ header.funcnameOffset,
              let cutab = slice(layout.cutab), cutab.pointer == base &+ header.cuOffset,
              let filetab = slice(layout.filetab), filetab.pointer == base &+ header.filetabOffset,
              let pctab = slice(layout.pctab), pctab.pointer == base &+ header.pctabOffset,
              let pclntable = slice(layout.pclntable), pclntable.pointer == base &+ header.pclnOffset,
              let ftab = slice(layout.ftab), ftab.pointer == pclntable.pointer,
              ftab.length == header.functionCount &+ 1, ftab.length != 0
        else { return nil }
        func range(_ offset: Int) -> AddressRange { AddressRange(start: Address(word(offset)), end: Address(word(offset + 8))) }
        let pcRange = range(layout.minpc)
        let text = range(layout.text)
        guard text.start <= pcRange.start, !pcRange.isEmpty, cutab.length <= UInt64.max / 4 else { return nil }

        self.address = address
        pcHeader = headerAddress
        self.text = text
        self.pcRange = pcRange
        noptrdata = range(layout.noptrdata)
        data = range(layout.data)
        bss = range(layout.bss)
        noptrbss = range(layout.noptrbss)
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
