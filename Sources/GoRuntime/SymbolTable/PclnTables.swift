import CoreFile
import ProcessImage

extension GoSymbolTable {
    /// The pclntab's tables over borrowed bytes, and every lookup on them.
    ///
    /// Knows nothing of processes or files: `GoSymbolTable` finds the bytes,
    /// this decodes them, so tests can run it over any bytes, damaged ones included.
    struct Tables: Sendable {
        let format: Format
        let quantum: UInt64
        let functionCount: Int
        /// What `entryOff` is relative to: `moduledata.text`.
        let textBase: UInt64
        let funcnametab: ByteView
        let cutab: ByteView
        let filetab: ByteView
        let pctab: ByteView
        /// `runtime.functab`: the ftab (nfunc+1 pairs of entryOff, funcOff) followed by the `_func` records.
        let pclntable: ByteView
        /// Starts at `moduledata.gofunc`; nil when it could not be found or read (no inline frames then).
        var gofunc: MemoryWindow?
        /// `abi.FuncIDWrapper` for this release, when known.
        var wrapperFuncID: UInt8?

        /// Longest name or path read; real ones are far shorter (generic instantiations reach a few KB).
        static let maximumStringLength = 1 << 16

        /// Cuts the tables out of `pclntab`, which starts at the header. Table
        /// lengths come from the moduledata when known; otherwise each table
        /// runs to the next one (or to the end).
        init(header: Header, pclntab: ByteView, moduleData: ModuleData?, textBase: UInt64, gofunc: MemoryWindow?, path: String) throws {
            let total = UInt64(pclntab.count)
            let starts = header.tableOffsets
            func table(_ offset: UInt64, length: UInt64?, name: String) throws -> ByteView {
                let end = length.map { offset.addingReportingOverflow($0) }.map { $0.overflow ? UInt64.max : $0.partialValue }
                    ?? starts.filter { $0 > offset }.min() ?? total
                guard offset <= end, let view = pclntab.slice(at: offset, count: end - offset) else {
                    throw CoreInspectError.truncated(path: path, what: "pclntab \(name) (offset \(offset), \(end &- offset) bytes, table has \(total))")
                }
                return view
            }
            funcnametab = try table(header.funcnameOffset, length: moduleData?.funcnametabLength, name: "funcnametab")
            cutab = try table(header.cuOffset, length: moduleData.map { $0.cutabCount &* 4 }, name: "cutab")
            filetab = try table(header.filetabOffset, length: moduleData?.filetabLength, name: "filetab")
            pctab = try table(header.pctabOffset, length: moduleData?.pctabLength, name: "pctab")
            pclntable = try table(header.pclnOffset, length: moduleData?.pclntableLength, name: "functab")
            // The ftab must fit, which also bounds nfunc by the real table size.
            guard header.functionCount < UInt64(pclntable.count / 8) else {
                throw CoreInspectError.malformed(path: path, what: "pclntab claims \(header.functionCount) functions; its functab has room for \(pclntable.count / 8 &- 1)")
            }
            format = header.format
            quantum = UInt64(header.quantum)
            functionCount = Int(header.functionCount)
            self.textBase = textBase
            self.gofunc = gofunc
        }

        // MARK: ftab

        /// `ftab[index].entryoff`; `index` may be `functionCount` (the end of the last function).
        @inline(__always)
        private func entryOffset(_ index: Int) -> UInt32 { pclntable.loadUnchecked(UInt32.self, at: index * 8) }

        /// The function whose [entry, next entry) holds `pc`, by binary search.
        func functionIndex(containing pc: UInt64) -> Int? {
            guard functionCount > 0, pc >= textBase, pc - textBase <= UInt64(UInt32.max) else { return nil }
            let offset = UInt32(pc - textBase)
            guard offset >= entryOffset(0), offset < entryOffset(functionCount) else { return nil }
            // Last index in [0, functionCount) whose entry is <= offset.
            var low = 0, high = functionCount
            while high - low > 1 {
                let mid = low + (high - low) / 2
                if entryOffset(mid) <= offset { low = mid } else { high = mid }
            }
            return offset < entryOffset(low + 1) ? low : nil
        }

        // MARK: _func records

        /// One `_func`, bounds-checked once so its fields and its pcdata and funcdata arrays read without checks.
        struct Record {
            let index: Int
            /// Offset of the `_func` in `pclntable`.
            let offset: Int
            let entry: UInt64
            let end: UInt64
            let pcdataCount: Int
            let funcdataCount: Int
        }

        func record(at index: Int) -> Record? {
            guard index >= 0, index < functionCount else { return nil }
            let funcOffset = UInt64(pclntable.loadUnchecked(UInt32.self, at: index * 8 + 4))
            let headerSize = UInt64(format.funcHeaderSize)
            guard pclntable.contains(offset: funcOffset, count: headerSize) else { return nil }
            let base = Int(funcOffset)
            let entryOff = pclntable.loadUnchecked(UInt32.self, at: base + Format.funcEntryOffset)
            let pcdataCount = UInt64(pclntable.loadUnchecked(UInt32.self, at: base + Format.funcPCDataCountOffset))
            let funcdataCount = UInt64(pclntable.base[base + format.funcDataCountOffset])
            // The record must agree with the ftab, and its arrays must fit.
            guard entryOff == entryOffset(index), pcdataCount < 1 << 16,
                  pclntable.contains(offset: funcOffset + headerSize, count: (pcdataCount + funcdataCount) * 4)
            else { return nil }
            return Record(index: index, offset: base, entry: textBase &+ UInt64(entryOff),
                          end: textBase &+ UInt64(entryOffset(index + 1)),
                          pcdataCount: Int(pcdataCount), funcdataCount: Int(funcdataCount))
        }

        @inline(__always)
        private func field(_ record: Record, _ offset: Int) -> UInt32 {
            pclntable.loadUnchecked(UInt32.self, at: record.offset + offset)
        }

        func function(_ record: Record) -> GoFunction {
            let funcID = funcID(record)
            return GoFunction(
                name: name(at: field(record, Format.funcNameOffset)) ?? "",
                entry: Address(record.entry), end: Address(record.end),
                funcID: funcID,
                flags: pclntable.base[record.offset + format.funcFlagOffset],
                startLine: format.funcStartLineOffset.map { Int(Int32(bitPattern: field(record, $0))) },
                hasInlineTree: funcdata(record, GoSymbolTable.funcdataInlineTree) != nil,
                isWrapper: isWrapper(funcID))
        }

        func funcID(_ record: Record) -> UInt8 { pclntable.base[record.offset + format.funcIDOffset] }

        func isWrapper(_ funcID: UInt8) -> Bool { wrapperFuncID.map { $0 == funcID } ?? false }

        /// `pcdata[table]`: the offset in pctab of that pc-value table; 0 when there is none.
        func pcdataOffset(_ record: Record, _ table: Int) -> UInt32 {
            guard table < record.pcdataCount else { return 0 }
            return field(record, format.funcHeaderSize + 4 * table)
        }

        /// `funcdata[slot]`: an offset from `gofunc`, or nil when the slot is empty.
        func funcdata(_ record: Record, _ slot: Int) -> UInt32? {
            guard slot < record.funcdataCount else { return nil }
            let value = field(record, format.funcHeaderSize + 4 * (record.pcdataCount + slot))
            return value == GoSymbolTable.missingFuncData ? nil : value
        }

        // MARK: pc-value lookups

        func value(_ record: Record, table offset: UInt32, at pc: UInt64) -> Int32? {
            guard pc >= record.entry, pc < record.end else { return nil }
            return PCValueTable.value(in: pctab, at: offset, entry: record.entry, target: pc, quantum: quantum)
        }

        func stackPointerDelta(_ record: Record, at pc: UInt64) -> Int32? {
            value(record, table: field(record, Format.funcPCSPOffset), at: pc)
        }

        func line(_ record: Record, at pc: UInt64) -> Int? {
            value(record, table: field(record, Format.funcPCLineOffset), at: pc).flatMap { $0 >= 0 ? Int($0) : nil }
        }

        /// The file at `pc`: the pcfile table gives an index into the function's
        /// compilation unit, `cutab[cuOffset + index]` the offset of its name in filetab.
        func file(_ record: Record, at pc: UInt64) -> String? {
            guard let index = value(record, table: field(record, Format.funcPCFileOffset), at: pc), index >= 0 else { return nil }
            let slot = (UInt64(field(record, Format.funcCUOffset)) + UInt64(index)) * 4
            guard let nameOffset = cutab.load(UInt32.self, at: slot), nameOffset != 0xffff_ffff else { return nil }
            return filetab.cString(at: UInt64(nameOffset), maxLength: Tables.maximumStringLength)
        }

        /// The inline tree index at `pc`, or -1 in the physical function's own code.
        func inlineIndex(_ record: Record, at pc: UInt64) -> Int32 {
            let table = pcdataOffset(record, GoSymbolTable.pcdataInlineTreeIndex)
            return value(record, table: table, at: pc) ?? -1
        }

        // MARK: names

        func name(at nameOffset: UInt32) -> String? {
            guard Int32(bitPattern: nameOffset) >= 0 else { return nil }
            return funcnametab.cString(at: UInt64(nameOffset), maxLength: Tables.maximumStringLength)
        }

        /// Compares a function's name with `utf8` in place, without making a String.
        func nameEquals(_ record: Record, _ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
            let start = Int(field(record, Format.funcNameOffset))
            guard Int32(truncatingIfNeeded: start) >= 0, start + utf8.count <= funcnametab.count else { return false }
            let bytes = funcnametab.base
            for index in 0..<utf8.count where bytes[start + index] != utf8[index] { return false }
            let end = start + utf8.count
            return end == bytes.count || bytes[end] == 0
        }

        // MARK: inline tree

        /// One `inlinedCall`.
        struct InlinedCall {
            var funcID: UInt8
            var nameOffset: UInt32
            /// Offset from the function's entry of an instruction whose position is the call site.
            var parentPC: Int32
        }

        func inlinedCall(_ record: Record, index: Int32) -> InlinedCall? {
            guard index >= 0, let gofunc, let tree = funcdata(record, GoSymbolTable.funcdataInlineTree) else { return nil }
            let size = UInt64(format.inlineEntrySize)
            let offset = UInt64(tree) + UInt64(index) * size
            guard gofunc.bytes.contains(offset: offset, count: size) else { return nil }
            let base = Int(offset)
            return InlinedCall(funcID: gofunc.bytes.base[base + format.inlineFuncIDOffset],
                               nameOffset: gofunc.bytes.loadUnchecked(UInt32.self, at: base + format.inlineNameOffset),
                               parentPC: gofunc.bytes.loadUnchecked(Int32.self, at: base + format.inlineParentPCOffset))
        }
    }
}
