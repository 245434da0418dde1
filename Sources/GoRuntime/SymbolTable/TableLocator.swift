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
        /// Copies are made only up to this size: a corrupt length must not become a huge allocation.
        let copyLimit: UInt64
        let release: GoRelease?
        /// The caller's runtime layout, whose moduledata is read first when it is the binary's own.
        let runtimeLayout: GoRuntimeLayout?

        /// - Parameter release: from the build info the caller already read; read here otherwise.
        init(process: ProcessImage, release: GoRelease?, runtimeLayout: GoRuntimeLayout?) throws {
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
            copyLimit = executable.range.size
            self.release = release ?? runtimeLayout?.release ?? GoBuildInfo.read(from: process)?.release
            self.runtimeLayout = runtimeLayout
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
            guard let pclntab = window(at: headerAddress, count: extent) else {
                throw CoreInspectError.notInCore(address: headerAddress, file: executable.located?.path ?? executable.name)
            }
            let textBase = moduleData?.text.start.rawValue ?? fallbackTextBase(header)
            var tables = try Tables(header: header, pclntab: pclntab.bytes, moduleData: moduleData, textBase: textBase,
                                    gofunc: nil, path: "\(executable.name) pclntab")
            tables.wrapperFuncID = WrapperFuncID.resolve(release: release, tables: tables)
            guard let candidate, let moduleData else { return Result(tables: tables, moduleData: nil, warnings: warnings) }

            // The release decides where gofunc is; check it against the inline
            // trees themselves and try the other layouts if it does not fit.
            for layout in layouts {
                guard let decoded = decode(candidate, layout: layout),
                      let gofunc = process.memory.contiguousWindow(at: decoded.gofunc, maxCount: copyLimit),
                      tables.inlineTreesFit(gofunc) != false
                else { continue }
                if layout != layouts[0] {
                    warnings.append(Warning("\(executable.name): \(release?.description ?? "unknown Go version"): moduledata read with the \(layout.release) layout, which fits its inline trees", kind: .guessedLayout))
                }
                tables.gofunc = gofunc
                return Result(tables: tables, moduleData: decoded, warnings: warnings)
            }
            warnings.append(Warning("\(executable.name): moduledata.gofunc (\(moduleData.gofunc.hex)) is unreadable or does not fit; Go frames have no inlined calls"))
            return Result(tables: tables, moduleData: moduleData, warnings: warnings)
        }

        private func readHeader(at address: Address) throws -> Header {
            guard let window = window(at: address, count: Header.size) else {
                throw CoreInspectError.notInCore(address: address, file: executable.located?.path ?? executable.name)
            }
            return try Header(bytes: window.bytes, path: "\(executable.name) pclntab")
        }

        /// The preferred layout first, then the others, newest first.
        private func candidateLayouts(for format: Format) -> [ModuleDataLayout] {
            let first = ModuleDataLayout.preferred(runtime: runtimeLayout, release: release, format: format)
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
            var bytes: MemoryWindow
        }

        private func decode(_ candidate: Candidate, layout: ModuleDataLayout) -> ModuleData? {
            ModuleData(bytes: candidate.bytes.bytes, address: candidate.address, header: candidate.header,
                       headerAddress: candidate.headerAddress, layout: layout)
        }

        /// `count` bytes of the process's memory, borrowed or, up to the copy limit, copied.
        private func window(at address: Address, count: UInt64) -> MemoryWindow? {
            process.memory.window(at: address, count: count, copyLimit: copyLimit)
        }

        /// Scans the executable's writable PT_LOADs for the moduledata. With the
        /// header's address known, a candidate is a word equal to it; without, a
        /// word pointing into the executable at something with the pclntab magic.
        private func findModuleData(headerAddress: Address?) -> Candidate? {
            let writable = programHeaders.filter { $0.type == ProgramHeader.load && $0.flags & ProgramHeader.writable != 0 }
            let reference = PclntabReference(header: headerAddress?.rawValue, executable: executable.range)
            for segment in writable {
                let start = Address(segment.virtualAddress &+ bias)
                let range = AddressRange(start: start.alignedDown(to: 8), end: start.advanced(by: segment.fileSize))
                var found: Candidate?
                _ = process.memory.firstWord(in: range, matching: reference) { address, word in
                    guard headerAddress != nil || followedByFuncnametab(address, word) else { return false }
                    found = candidate(at: address, pointingTo: Address(word))
                    return found != nil
                }
                if let found { return found }
            }
            return nil
        }

        /// Without the header's address, cheap filters first: the pointer is
        /// followed by the funcnametab slice (pointer just past it, len == cap).
        private func followedByFuncnametab(_ address: Address, _ word: UInt64) -> Bool {
            guard let next = try? process.memory.readUInt64(at: address.advanced(by: 8)), next > word, next - word < 1 << 32,
                  let length = try? process.memory.readUInt64(at: address.advanced(by: 16)),
                  let capacity = try? process.memory.readUInt64(at: address.advanced(by: 24))
            else { return false }
            return length == capacity
        }

        private func candidate(at address: Address, pointingTo headerAddress: Address) -> Candidate? {
            guard let header = try? readHeader(at: headerAddress) else { return nil }
            guard let bytes = window(at: address, count: UInt64(ModuleDataLayout.readSize)) else { return nil }
            let found = Candidate(address: address, headerAddress: headerAddress, header: header, bytes: bytes)
            return decode(found, layout: .probe) != nil ? found : nil
        }
    }

    /// The first word of a moduledata: the pclntab header's address when
    /// known, else any aligned pointer into the executable.
    struct PclntabReference: WordPredicate {
        let header: UInt64?
        let executable: AddressRange

        func matches(_ word: UInt64) -> Bool {
            if let header { return word == header }
            return word & 7 == 0 && executable.contains(Address(word))
        }
    }
}

extension GoSymbolTable.Tables {
    /// Whether `gofunc` explains the inline trees of the first functions that
    /// have one: each tree's first entry must name the start of a string in
    /// funcnametab and a parentPc inside the function. Nil when no function has
    /// an inline tree (nothing to check).
    func inlineTreesFit(_ gofunc: MemoryWindow) -> Bool? {
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
