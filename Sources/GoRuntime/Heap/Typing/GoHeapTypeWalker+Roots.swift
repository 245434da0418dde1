import Analysis
import CoreFile
import ProcessImage
import Symbols

/// Where typing starts: the objects that name their own type, typed globals, and interface
/// words in the module's data and bss.
extension GoHeapTypeWalker {
    /// Malloc headers and `largeType` (Go 1.22+). Earlier releases record no per-object type.
    mutating func typeFromHeaders(summary: inout GoHeapTypingSummary) {
        guard hasMallocHeaders else { return }
        for row in 0..<table.count where table.states[row].isAllocated {
            let span = span(ofRow: row)
            guard !spans.isNoScan(span) else { continue }
            let descriptor: UInt64
            let source: GoHeapTypeSource
            if spans.sizeClass(of: span) == 0 {
                descriptor = spans.largeTypes[span]
                source = .largeType
                if descriptor == 0 { counters.largeInFlight += 1 }
            } else if spans.elementSizes[span] > 512 {
                descriptor = word(at: table.addresses[row])
                source = .header
                if descriptor == 0 { counters.emptyHeaders += 1 }
            } else {
                continue
            }
            guard descriptor != 0 else { continue }
            guard let type = catalog.type(at: Address(descriptor)), let record = catalog.record(of: type),
                  record.size <= end(ofRow: row) - dataStart(ofRow: row) else {
                counters.unreadableHeaders += 1
                continue
            }
            typeDirectly(row, as: type, source: source)
        }
    }

    /// Each DWARF global whose type the catalog knows by name. Returns how many were pushed.
    mutating func pushGlobals(_ variables: [(name: String, address: UInt64, typeName: String)], bias: UInt64) -> Int {
        var pushed = 0
        for variable in variables {
            guard let type = catalog.type(composedNamed: variable.typeName), let record = catalog.record(of: type) else {
                if !Self.isStandardLibrary(variable: variable.name) { counters.unresolvedGlobals += 1 }
                continue
            }
            guard record.hasPointers else { continue }
            let address = variable.address &+ bias
            push(address, type, limit: address + record.size, place: .outside)
            pushed += 1
        }
        return pushed
    }

    /// Whether a global (`runtime.mheap_`, `internal/cpu.X86`, `main.sessions`) belongs to the
    /// standard library: its import path's first element has no dot, and it is not `main`.
    static func isStandardLibrary(variable name: String) -> Bool {
        let afterSlash = name.lastIndex(of: "/").map { name.index(after: $0) } ?? name.startIndex
        guard let dot = name[afterSlash...].firstIndex(of: ".") else { return false }
        let path = name[..<dot]
        let firstElement = path.prefix { $0 != "/" }
        return path != "main" && !firstElement.contains(".")
    }

    /// Whether a type's name mentions a package outside the standard library (`main.Session`,
    /// `map[string]*main.Session`, `[]github.com/x/y.T`): the types a user reads about.
    func isProgramType(_ type: TypeID) -> Bool {
        let name = catalog.name(of: type)
        let separators: Set<Character> = ["*", "[", "]", "{", "}", "(", ")", ",", " ", ";"]
        for token in name.split(whereSeparator: { separators.contains($0) }) {
            if token.hasPrefix("main.") { return true }
            if let slash = token.firstIndex(of: "/"), token[..<slash].contains(".") { return true }
        }
        return false
    }

    /// Word pairs in `ranges` that look like interface values: a first word that is a type
    /// descriptor of the module (an `any`) or an itab whose interface is an interface
    /// descriptor, and a non-zero data word. Stripped binaries have no typed globals; these
    /// are the roots they do have. Returns how many were found.
    mutating func pushInterfaceWords(in ranges: [AddressRange], module: GoSymbolTable.ModuleData) -> Int {
        var found = 0
        for range in ranges where !range.isEmpty && range.size < 1 << 30 {
            guard let bytes = try? memory.readBytes(at: range.start, count: Int(range.size)) else { continue }
            let words = bytes.count / 8
            guard words >= 2 else { continue }
            for index in 0..<(words - 1) {
                let (typeWord, dataWord) = bytes.withUnsafeBytes {
                    ($0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self), $0.loadUnaligned(fromByteOffset: index * 8 + 8, as: UInt64.self))
                }
                guard dataWord != 0, typeWord != 0, table.row(containing: Address(typeWord)) == nil,
                      let isEmpty = interfaceShape(typeWord: typeWord, module: module) else { continue }
                let address = range.start.rawValue + UInt64(index) * 8
                walkInterface(at: address, typeWord: typeWord, isEmpty: isEmpty, limit: address + 16, place: .outside)
                found += 1
            }
        }
        return found
    }

    /// true for an empty interface's type word, false for an itab, nil for neither.
    private func interfaceShape(typeWord: UInt64, module: GoSymbolTable.ModuleData) -> Bool? {
        let address = Address(typeWord)
        if module.types.contains(address), typeWord & 7 == 0, catalog.probeType(at: address) != nil {
            return true
        }
        guard typeWord & 7 == 0, let itab = catalog.shapes.itab,
              let interface = try? memory.readPointer(at: address.advanced(by: UInt64(itab.interface.offset))),
              module.types.contains(interface), let interfaceType = catalog.probeType(at: interface),
              catalog.record(of: interfaceType)?.kind == .interface, catalog.type(ofITab: address) != nil else { return nil }
        return false
    }

    /// Slice headers (data, len, cap) in `ranges` whose data is an object typed by its header
    /// or `largeType` as T name the object `[cap]T`: what a slice in a typed object does
    /// during propagation, for the slices of globals a stripped binary cannot type. The cap
    /// must fill the slot as the allocator would have sized it (within a size class's
    /// rounding, at most a quarter of the slot, or a page for a large object).
    mutating func nameArraysFromSliceHeaders(in ranges: [AddressRange]) {
        for range in ranges where !range.isEmpty && range.size < 1 << 30 {
            guard let bytes = try? memory.readBytes(at: range.start, count: Int(range.size)), bytes.count >= 24 else { continue }
            for index in 0...(bytes.count / 8 - 3) {
                let (data, length, capacity) = bytes.withUnsafeBytes {
                    ($0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self), $0.loadUnaligned(fromByteOffset: index * 8 + 8, as: UInt64.self),
                     $0.loadUnaligned(fromByteOffset: index * 8 + 16, as: UInt64.self))
                }
                guard data != 0, capacity > 0, length <= capacity, capacity <= Self.maxElements,
                      let row = table.row(containing: Address(data)), rowStates[row].source == .header || rowStates[row].source == .largeType,
                      data == dataStart(ofRow: row), let element = catalog.record(of: rowStates[row].type), element.kind != .array else { continue }
                let used = capacity * element.size + (data - table.addresses[row])
                let slack = rowStates[row].source == .largeType ? GoArenaIndex.pageSize : table.sizes[row] / 4
                guard used <= table.sizes[row], used + slack > table.sizes[row],
                      let array = catalog.arrayType(of: rowStates[row].type, count: capacity) else { continue }
                setRowType(row, array)
            }
        }
    }

    /// A header or `largeType` names an array's element; a slice of the array gives its length.
    /// Those no slice reached are named `[?]T`, an array of T of unknown length.
    mutating func nameUnsizedArrays() {
        var unsized: [TypeID: TypeID] = [:]
        for row in 0..<table.count where rowStates[row].source == .header || rowStates[row].source == .largeType {
            let type = rowStates[row].type
            guard let record = catalog.record(of: type), record.size > 0,
                  record.size * 2 <= end(ofRow: row) - dataStart(ofRow: row) else { continue }
            if let known = unsized[type] {
                setRowType(row, known)
            } else {
                let id = fallbackType("[?]" + catalog.name(of: type))
                unsized[type] = id
                setRowType(row, id)
            }
        }
    }

    func notes() -> [Note] {
        var notes: [Note] = []
        if counters.largeInFlight > 0 {
            notes.append(Note("\(counters.largeInFlight) large Go object(s) with pointers have no largeType yet (allocation in flight): left untyped"))
        }
        if counters.emptyHeaders > 0 {
            notes.append(Note("\(counters.emptyHeaders) Go object(s) have an empty malloc header (allocation in flight): typed only by propagation"))
        }
        if counters.unresolvedGlobals > 0 {
            notes.append(Note("\(counters.unresolvedGlobals) global(s) outside the standard library have a DWARF type the binary has no descriptor for: not typing roots"))
        }
        if counters.poolWithoutLocalType > 0 {
            notes.append(Note("sync.Pool contents left untyped: the binary has no sync.poolLocal descriptor"))
        }
        if counters.conflicts > 0 {
            notes.append(Note("\(counters.conflicts) Go object(s) were reached as two unrelated types; the first kept"))
        }
        return notes
    }

    func warnings() -> [Warning] {
        var warnings: [Warning] = []
        if counters.unreadableHeaders > 0 {
            warnings.append(Warning("\(counters.unreadableHeaders) Go object(s) have a malloc header or largeType that is not a valid type descriptor: left untyped",
                                    kind: .unreadableGoRuntime, count: counters.unreadableHeaders))
        }
        if counters.unreadableMaps > 0 {
            warnings.append(Warning("\(counters.unreadableMaps) Go map(s) have an absurd size or directory: their storage left untyped",
                                    kind: .unreadableGoRuntime, count: counters.unreadableMaps))
        }
        return warnings
    }
}
