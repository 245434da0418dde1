import CoreFile
import ProcessImage

extension GoSymbolTable {
    /// Finds the pclntab, `runtime.firstmoduledata` and `gofunc` of a
    /// process's executable, with or without symbols and DWARF.
    ///
    /// The pclntab header's address comes from the `.gopclntab` section
    /// (`.data.rel.ro.gopclntab` in PIE builds), which `-s -w` keeps. The
    /// moduledata is found without symbols: it sits in the executable's
    /// writable data (`.noptrdata`, or `.go.module` from 1.26), starts with a
    /// pointer to that header and continues with slices whose pointers are the
    /// header's address plus the header's own table offsets, which random
    /// data does not imitate.
    struct Locator {
        let process: ProcessImage
        let executable: Module
        let elf: ELFImage?
        let programHeaders: [ProgramHeader]
        let bias: UInt64
        let finder: WindowFinder
        let goVersion: String?

        /// - Parameter goVersion: from the build info the caller already read; read here otherwise.
        init(process: ProcessImage, goVersion: String?) throws {
            guard let executable = process.mainExecutable else {
                throw CoreInspectError.malformed(path: process.core.path, what: "no executable among the core's file mappings, so no Go symbol table")
            }
            self.process = process
            self.executable = executable
            elf = executable.located?.elf
            if let (headers, bias) = process.loadedProgramHeaders(of: executable) {
                programHeaders = headers
                self.bias = bias
            } else {
                // The core lost the header page; the file has the same headers.
                programHeaders = elf?.programHeaders ?? []
                let firstLoad = programHeaders.first { $0.type == ProgramHeader.load }
                bias = executable.base.rawValue &- ((firstLoad?.virtualAddress ?? executable.base.rawValue) & ~0xfff)
            }
            finder = WindowFinder(memory: process.memory, executable: elf, bias: bias, copyLimit: executable.range.size)
            self.goVersion = goVersion ?? GoBuildInfo.read(from: process)?.goVersion
        }

        /// `-buildmode=pie` puts the table in RELRO data under the longer name.
        static let pclntabSectionNames = [".gopclntab", ".data.rel.ro.gopclntab"]

        struct Result {
            var tables: Tables
            var moduleData: ModuleData?
            var warnings: [Warning]
        }

        func locate() throws -> Result {
            var warnings: [Warning] = []
            let section = Self.pclntabSectionNames.lazy.compactMap { elf?.section(named: $0) }.first
            var headerAddress = section.map { Address($0.address &+ bias) }
            var header = try headerAddress.map { try readHeader(at: $0) }

            let candidate = findModuleData(headerAddress: headerAddress)
            if headerAddress == nil, let candidate {
                headerAddress = candidate.headerAddress
                header = candidate.header
            }
            guard let headerAddress, let header else {
                guard elf != nil else {
                    throw CoreInspectError.missingFile(path: executable.name, purpose: "Go symbols: the core does not hold the read-only data where the pclntab is")
                }
                throw CoreInspectError.malformed(path: executable.name, what: "no .gopclntab section and no runtime.firstmoduledata: not a Go program?")
            }
            let layouts = candidateLayouts(for: header.format)
            let moduleData = candidate.flatMap { decode($0, layout: layouts[0]) }
            if moduleData == nil {
                warnings.append(Warning("\(executable.name): runtime.firstmoduledata not found; Go frames have no inlined calls"))
            }

            let extent = moduleData?.pclntabExtent ?? section?.size ?? 0
            guard let pclntab = finder.window(at: headerAddress, count: extent) else {
                throw CoreInspectError.notInCore(address: headerAddress, file: executable.located?.path ?? executable.name)
            }
            let textBase = moduleData?.text.start.rawValue ?? fallbackTextBase(header)
            var tables = try Tables(header: header, pclntab: pclntab.bytes, moduleData: moduleData, textBase: textBase,
                                    gofunc: nil, path: "\(executable.name) pclntab")
            tables.wrapperFuncID = WrapperFuncID.resolve(goVersion: goVersion, tables: tables)
            guard let candidate, let moduleData else { return Result(tables: tables, moduleData: nil, warnings: warnings) }

            // The release decides where gofunc is; check it against the inline
            // trees themselves and try the other layouts if it does not fit.
            for layout in layouts {
                guard let decoded = decode(candidate, layout: layout),
                      let gofunc = finder.window(at: decoded.gofunc, count: nil),
                      tables.inlineTreesFit(gofunc) != false
                else { continue }
                if layout != layouts[0] {
                    warnings.append(Warning("\(executable.name): \(goVersion ?? "unknown Go version"): moduledata read with the \(layout.release) layout, which fits its inline trees", kind: .guessedLayout))
                }
                tables.gofunc = gofunc
                return Result(tables: tables, moduleData: decoded, warnings: warnings)
            }
            warnings.append(Warning("\(executable.name): moduledata.gofunc (\(moduleData.gofunc.hex)) is unreadable or does not fit; Go frames have no inlined calls"))
            return Result(tables: tables, moduleData: moduleData, warnings: warnings)
        }

        private func readHeader(at address: Address) throws -> Header {
            guard let window = finder.window(at: address, count: Header.size) else {
                throw CoreInspectError.notInCore(address: address, file: executable.located?.path ?? executable.name)
            }
            return try Header(bytes: window.bytes, path: "\(executable.name) pclntab")
        }

        /// The layout the Go version names first, then the others, newest first.
        private func candidateLayouts(for format: Format) -> [ModuleDataLayout] {
            let first = goVersion.flatMap(ModuleDataLayout.forGoVersion) ?? ModuleDataLayout.forFormat(format)
            return [first] + ModuleDataLayout.all.filter { $0 != first }
        }

        /// The text base without a moduledata: the header's textStart up to
        /// 1.25, else the start of `.text`, which is where runtime.text is.
        private func fallbackTextBase(_ header: Header) -> UInt64 {
            if header.textStart != 0 { return header.textStart }
            return elf?.section(named: ".text").map { $0.address &+ bias } ?? executable.range.start.rawValue
        }

        // MARK: the moduledata scan

        struct Candidate {
            var address: Address
            var headerAddress: Address
            var header: Header
            /// The candidate's bytes, enough for every layout.
            var bytes: Window
        }

        private func decode(_ candidate: Candidate, layout: ModuleDataLayout) -> ModuleData? {
            ModuleData(bytes: candidate.bytes.bytes, address: candidate.address, header: candidate.header,
                       headerAddress: candidate.headerAddress, layout: layout)
        }

        /// Scans the executable's writable PT_LOADs for the moduledata. With the
        /// header's address known, a candidate is a word equal to it; without, a
        /// word pointing into the executable at something with the pclntab magic.
        private func findModuleData(headerAddress: Address?) -> Candidate? {
            let writable = programHeaders.filter { $0.type == ProgramHeader.load && $0.flags & ProgramHeader.writable != 0 }
            for segment in writable {
                var cursor = Address(segment.virtualAddress &+ bias).alignedDown(to: 8)
                let end = Address(segment.virtualAddress &+ bias &+ segment.fileSize)
                while cursor < end {
                    guard let window = finder.window(at: cursor, count: nil), window.bytes.count > 0 else {
                        // Unreadable here: skip to the next region.
                        guard let next = process.memory.regions.first(where: { $0.range.start > cursor })?.range.start else { break }
                        cursor = next
                        continue
                    }
                    let limit = min(UInt64(window.bytes.count), end.offset(from: cursor))
                    if let found = scan(window, limit: Int(limit), headerAddress: headerAddress) { return found }
                    cursor = cursor.advanced(by: max(limit, 8))
                }
            }
            return nil
        }

        private func scan(_ window: Window, limit: Int, headerAddress: Address?) -> Candidate? {
            let bytes = window.bytes
            var offset = 0
            while offset + 32 <= limit {
                let word = bytes.loadUnchecked(UInt64.self, at: offset)
                let isCandidate: Bool
                if let headerAddress {
                    isCandidate = word == headerAddress.rawValue
                } else {
                    // Cheap filters first: a pointer into the executable, followed by
                    // the funcnametab slice (pointer just past it, len == cap).
                    let next = bytes.loadUnchecked(UInt64.self, at: offset + 8)
                    isCandidate = word & 7 == 0 && executable.range.contains(Address(word)) && next > word && next - word < 1 << 32
                        && bytes.loadUnchecked(UInt64.self, at: offset + 16) == bytes.loadUnchecked(UInt64.self, at: offset + 24)
                }
                if isCandidate, let found = candidate(at: window.start.advanced(by: UInt64(offset)), pointingTo: Address(word), in: window) {
                    return found
                }
                offset += 8
            }
            return nil
        }

        private func candidate(at address: Address, pointingTo headerAddress: Address, in window: Window) -> Candidate? {
            guard let header = try? readHeader(at: headerAddress) else { return nil }
            let size = UInt64(ModuleDataLayout.readSize)
            guard let bytes = window.window(at: address, count: size) ?? finder.window(at: address, count: size) else { return nil }
            let found = Candidate(address: address, headerAddress: headerAddress, header: header, bytes: bytes)
            // Any layout will do to check the pointers: they precede every field that moved.
            return decode(found, layout: .go120) != nil ? found : nil
        }
    }
}

extension GoSymbolTable.Tables {
    /// Whether `gofunc` explains the inline trees of the first functions that
    /// have one: each tree's first entry must name the start of a string in
    /// funcnametab and a parentPc inside the function. Nil when no function has
    /// an inline tree (nothing to check).
    func inlineTreesFit(_ gofunc: GoSymbolTable.Window) -> Bool? {
        var probe = self
        probe.gofunc = gofunc
        var checked = 0
        for index in 0..<functionCount {
            guard checked < 16 else { break }
            guard let record = record(at: index), funcdata(record, GoSymbolTable.funcdataInlineTree) != nil else { continue }
            checked += 1
            guard let call = probe.inlinedCall(record, index: 0),
                  UInt64(call.nameOffset) < UInt64(funcnametab.count),
                  call.nameOffset == 0 || funcnametab.base[Int(call.nameOffset) - 1] == 0,
                  call.parentPC >= 0, UInt64(call.parentPC) < record.end &- record.entry
            else { return false }
        }
        return checked == 0 ? nil : true
    }
}
