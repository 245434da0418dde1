import CElfUtils
import CoreFile

#if canImport(Glibc)
import Glibc
#endif

// libdw's handles all import as `OpaquePointer`; each gets its own type so a
// module can never be passed where a Dwfl is expected.

/// `Dwfl *`: one session of modules and threads.
struct DwflHandle { let raw: OpaquePointer }
/// `Dwfl_Module *`: one reported module.
struct DwflModuleHandle { let raw: OpaquePointer }
/// `Dwfl_Frame *`: one frame's register state, valid only inside a frame callback.
struct DwflFrameState { let raw: OpaquePointer }
/// `Dwfl_Thread *`: one thread, valid only inside a thread callback.
struct DwflThreadHandle { let raw: OpaquePointer }

/// Every elfutils call goes through here, so that each failure becomes a
/// `CoreInspectError.elfutils` naming the C function, as eu-stack's
/// messages do ("dwfl_report_end: …").
enum ElfUtils {
    static func dwflError(_ function: String) -> CoreInspectError {
        .elfutils(function: function, message: String(cString: dwfl_errmsg(-1)))
    }

    static func begin(callbacks: UnsafePointer<Dwfl_Callbacks>) throws -> DwflHandle {
        elf_version(UInt32(EV_CURRENT))
        guard let dwfl = dwfl_begin(callbacks) else { throw dwflError("dwfl_begin") }
        return DwflHandle(raw: dwfl)
    }

    static func end(_ dwfl: DwflHandle) { dwfl_end(dwfl.raw) }

    /// A callback table with our find_elf and the standard debuginfo finder: the module's
    /// own file, .gnu_debuglink, and build-id under `debuginfo_path`.
    static func callbacks(findELF: Dwfl_Callbacks.FindELF,
                          debuginfoPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Dwfl_Callbacks {
        Dwfl_Callbacks(find_elf: findELF, find_debuginfo: dwfl_standard_find_debuginfo,
                       section_address: nil, debuginfo_path: debuginfoPath)
    }

    static func reportBegin(_ dwfl: DwflHandle) { dwfl_report_begin(dwfl.raw) }

    static func reportModule(_ dwfl: DwflHandle, name: String, range: AddressRange) throws -> DwflModuleHandle {
        guard let module = dwfl_report_module(dwfl.raw, name, range.start.rawValue, range.end.rawValue) else {
            throw dwflError("dwfl_report_module")
        }
        return DwflModuleHandle(raw: module)
    }

    static func reportEnd(_ dwfl: DwflHandle) throws {
        guard dwfl_report_end(dwfl.raw, nil, nil) == 0 else { throw dwflError("dwfl_report_end") }
    }

    static func attachState(_ dwfl: DwflHandle, pid: pid_t, callbacks: UnsafeMutablePointer<Dwfl_Thread_Callbacks>,
                            context: UnsafeMutableRawPointer) throws {
        guard dwfl_attach_state(dwfl.raw, nil, pid, callbacks, context) else { throw dwflError("dwfl_attach_state") }
    }

    /// An `Elf *` over bytes we own (the vDSO), for a find_elf callback; libdwfl ends it.
    static func elfFromMemory(_ bytes: UnsafeMutableRawBufferPointer) -> OpaquePointer? {
        guard let base = bytes.baseAddress else { return nil }
        return elf_memory(base.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    /// Sets a thread's first registers, in DWARF numbering from 0.
    static func setThreadRegisters(_ thread: DwflThreadHandle, _ registers: [UInt64]) -> Bool {
        var registers = registers
        return registers.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return dwfl_thread_state_registers(thread.raw, 0, UInt32(buffer.count), base)
        }
    }

    /// Unwinds one thread; returns the message of the error that ended the walk, if any.
    /// `dwfl_getthread_frames` also returns -1 at some normal ends of stack (see DESIGN.md),
    /// so the caller decides whether the message matters.
    static func threadFrames(_ dwfl: DwflHandle, tid: pid_t, context: UnsafeMutableRawPointer,
                             callback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32) -> String? {
        let result = dwfl_getthread_frames(dwfl.raw, tid, callback, context)
        guard result == -1 else { return nil }
        return "dwfl_getthread_frames: " + String(cString: dwfl_errmsg(-1))
    }

    static func setModuleUserData(_ module: DwflModuleHandle, _ value: UnsafeMutableRawPointer) {
        var slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        _ = dwfl_module_info(module.raw, &slot, nil, nil, nil, nil, nil, nil)
        slot?.pointee = value
    }

    static func moduleHasDwarf(_ module: DwflModuleHandle) -> Bool {
        var bias: Dwarf_Addr = 0
        return dwfl_module_getdwarf(module.raw, &bias) != nil
    }

    /// The debug file libdw chose, if separate from the main file.
    static func moduleDebugFile(_ module: DwflModuleHandle) -> String? {
        var debugFile: UnsafePointer<CChar>?
        _ = dwfl_module_info(module.raw, nil, nil, nil, nil, nil, nil, &debugFile)
        return debugFile.map { String(cString: $0) }
    }
}

// MARK: - Frames and symbols

extension ElfUtils {
    static func framePC(_ state: DwflFrameState) -> (pc: UInt64, isActivation: Bool)? {
        var pc: Dwarf_Addr = 0
        var isActivation = false
        guard dwfl_frame_pc(state.raw, &pc, &isActivation) else { return nil }
        return (pc, isActivation)
    }

    static func frameRegister(_ state: DwflFrameState, _ number: UInt32) -> UInt64? {
        var value: Dwarf_Word = 0
        return dwfl_frame_reg(state.raw, number, &value) == 0 ? value : nil
    }

    static func module(at address: UInt64, in dwfl: DwflHandle) -> DwflModuleHandle? {
        dwfl_addrmodule(dwfl.raw, address).map(DwflModuleHandle.init)
    }

    static func moduleName(_ module: DwflModuleHandle) -> String? {
        dwfl_module_info(module.raw, nil, nil, nil, nil, nil, nil, nil).map { String(cString: $0) }
    }

    /// The ELF symbol-table name covering `address`, and the offset into it.
    static func symbol(at address: UInt64, in module: DwflModuleHandle) -> (name: String, offset: UInt64)? {
        var offset: GElf_Off = 0
        var symbol = GElf_Sym()
        guard let name = dwfl_module_addrinfo(module.raw, address, &offset, &symbol, nil, nil, nil) else { return nil }
        return (String(cString: name), offset)
    }

    static func sourceLine(at address: UInt64, in module: DwflModuleHandle) -> SourceLocation? {
        guard let line = dwfl_module_getsrc(module.raw, address) else { return nil }
        var lineNumber: Int32 = 0
        var column: Int32 = 0
        guard let file = dwfl_lineinfo(line, nil, &lineNumber, &column, nil, nil) else { return nil }
        return SourceLocation(file: String(cString: file), line: Int(lineNumber), column: Int(column))
    }

    /// The compile unit holding `address`, and the bias to subtract for DWARF addresses.
    static func compileUnit(at address: UInt64, in module: DwflModuleHandle) -> (unit: DebugInfoEntry, bias: UInt64)? {
        var bias: Dwarf_Addr = 0
        guard let unit = dwfl_module_addrdie(module.raw, address, &bias) else { return nil }
        return (DebugInfoEntry(unit.pointee), bias)
    }

    /// Scopes containing `address` in `unit`, innermost first.
    static func scopes(in unit: DebugInfoEntry, at address: UInt64) -> [DebugInfoEntry] {
        var raw = unit.raw
        var scopes: UnsafeMutablePointer<Dwarf_Die>?
        let count = dwarf_getscopes(&raw, address, &scopes)
        return collect(scopes, count)
    }

    /// `die` and the scopes enclosing it, innermost first, across inlining.
    static func enclosingScopes(of die: DebugInfoEntry) -> [DebugInfoEntry] {
        var raw = die.raw
        var scopes: UnsafeMutablePointer<Dwarf_Die>?
        let count = dwarf_getscopes_die(&raw, &scopes)
        return collect(scopes, count)
    }

    private static func collect(_ scopes: UnsafeMutablePointer<Dwarf_Die>?, _ count: Int32) -> [DebugInfoEntry] {
        defer { free(scopes) }
        guard let scopes, count > 0 else { return [] }
        return (0..<Int(count)).map { DebugInfoEntry(scopes[$0]) }
    }

    static func tag(of die: DebugInfoEntry) -> Int32 {
        var raw = die.raw
        return dwarf_tag(&raw)
    }

    /// The name eu-stack shows: the linkage name when there is one (C++), else DW_AT_name.
    static func functionName(of die: DebugInfoEntry) -> String? {
        var raw = die.raw
        var attribute = Dwarf_Attribute()
        for name in [0x2007 /* DW_AT_MIPS_linkage_name */, UInt32(DW_AT_linkage_name)] {
            if dwarf_attr_integrate(&raw, UInt32(name), &attribute) != nil, let text = dwarf_formstring(&attribute) {
                return String(cString: text)
            }
        }
        return dwarf_diename(&raw).map { String(cString: $0) }
    }

    static func unsignedAttribute(_ name: UInt32, of die: DebugInfoEntry) -> UInt64? {
        var raw = die.raw
        var attribute = Dwarf_Attribute()
        var value: Dwarf_Word = 0
        guard dwarf_attr(&raw, name, &attribute) != nil, dwarf_formudata(&attribute, &value) == 0 else { return nil }
        return value
    }

    /// Where an inlined call happened: DW_AT_call_file/line/column of the inlined instance.
    static func callSite(of inlined: DebugInfoEntry, unit: DebugInfoEntry) -> SourceLocation? {
        var rawUnit = unit.raw
        var files: OpaquePointer?
        guard dwarf_getsrcfiles(&rawUnit, &files, nil) == 0,
              let fileIndex = unsignedAttribute(UInt32(DW_AT_call_file), of: inlined),
              let file = dwarf_filesrc(files, Int(fileIndex), nil, nil)
        else { return nil }
        return SourceLocation(file: String(cString: file),
                              line: unsignedAttribute(UInt32(DW_AT_call_line), of: inlined).map(Int.init) ?? 0,
                              column: unsignedAttribute(UInt32(DW_AT_call_column), of: inlined).map(Int.init) ?? 0)
    }
}

/// A `Dwarf_Die` by value: libdw's DIE handles are small structs, cheap to copy.
struct DebugInfoEntry {
    var raw: Dwarf_Die
    init(_ raw: Dwarf_Die) { self.raw = raw }

    static let structure = Int32(DW_TAG_structure_type)
    static let typedef = Int32(DW_TAG_typedef)
    static let pointer = Int32(DW_TAG_pointer_type)
    static let subroutineType = Int32(DW_TAG_subroutine_type)
    static let array = Int32(DW_TAG_array_type)
    static let subrange = Int32(DW_TAG_subrange_type)
    static let baseType = Int32(DW_TAG_base_type)
    static let enumeration = Int32(DW_TAG_enumeration_type)
    static let constType = Int32(DW_TAG_const_type)
    static let volatileType = Int32(DW_TAG_volatile_type)
    static let member = Int32(DW_TAG_member)
    static let variable = Int32(DW_TAG_variable)
    static let constant = Int32(DW_TAG_constant)
    static let subprogram = Int32(DW_TAG_subprogram)
    static let inlinedSubroutine = Int32(DW_TAG_inlined_subroutine)
    static let entryPoint = Int32(DW_TAG_entry_point)

    var tag: Int32 { ElfUtils.tag(of: self) }
    var isFunctionLike: Bool { [Self.subprogram, Self.inlinedSubroutine, Self.entryPoint].contains(tag) }
}

public struct SourceLocation: Hashable, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
}

extension Dwfl_Callbacks {
    typealias FindELF = @convention(c) (
        OpaquePointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafePointer<CChar>?, Dwarf_Addr,
        UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<OpaquePointer?>?
    ) -> Int32
}

// MARK: - Walking DWARF for type layouts and globals

/// `Dwarf *`: one module's debug information, owned by its Dwfl.
struct DwarfHandle { let raw: OpaquePointer }

extension ElfUtils {
    static func moduleDwarfHandle(_ module: DwflModuleHandle) -> DwarfHandle? {
        var bias: Dwarf_Addr = 0
        return dwfl_module_getdwarf(module.raw, &bias).map(DwarfHandle.init)
    }

    /// Every compile unit's DIE, in file order.
    static func compileUnits(_ dwarf: DwarfHandle) -> [DebugInfoEntry] {
        var units: [DebugInfoEntry] = []
        var offset: Dwarf_Off = 0
        var next: Dwarf_Off = 0
        var headerSize: Int = 0
        while dwarf_nextcu(dwarf.raw, offset, &next, &headerSize, nil, nil, nil) == 0 {
            var die = Dwarf_Die()
            if dwarf_offdie(dwarf.raw, offset + Dwarf_Off(headerSize), &die) != nil { units.append(DebugInfoEntry(die)) }
            offset = next
        }
        return units
    }

    static func children(of parent: DebugInfoEntry) -> [DebugInfoEntry] {
        var raw = parent.raw
        var child = Dwarf_Die()
        guard dwarf_child(&raw, &child) == 0 else { return [] }
        var children = [DebugInfoEntry(child)]
        var sibling = Dwarf_Die()
        while dwarf_siblingof(&child, &sibling) == 0 {
            children.append(DebugInfoEntry(sibling))
            child = sibling
        }
        return children
    }

    static func name(of die: DebugInfoEntry) -> String? {
        var raw = die.raw
        return dwarf_diename(&raw).map { String(cString: $0) }
    }

    static func byteSize(of die: DebugInfoEntry) -> UInt64? {
        var raw = die.raw
        let size = dwarf_bytesize(&raw)
        return size >= 0 ? UInt64(size) : nil
    }

    /// The byte size of a type, computed for arrays without DW_AT_byte_size
    /// and through typedefs (dwarf_aggregate_size).
    static func aggregateSize(of die: DebugInfoEntry) -> UInt64? {
        var raw = die.raw
        var size: Dwarf_Word = 0
        return dwarf_aggregate_size(&raw, &size) == 0 ? size : nil
    }

    /// The element count of a one-dimensional array type: its subrange's
    /// DW_AT_count (what Go writes), or DW_AT_upper_bound + 1 (what C compilers write).
    static func arrayCount(of array: DebugInfoEntry) -> UInt64? {
        guard let subrange = children(of: array).first(where: { $0.tag == DebugInfoEntry.subrange }) else { return nil }
        if let count = unsignedAttribute(UInt32(DW_AT_count), of: subrange) { return count }
        if let upper = signedAttribute(UInt32(DW_AT_upper_bound), of: subrange) { return UInt64(max(upper + 1, 0)) }
        return nil
    }

    /// The DIE DW_AT_type refers to.
    static func type(of die: DebugInfoEntry) -> DebugInfoEntry? {
        var raw = die.raw
        var attribute = Dwarf_Attribute()
        var target = Dwarf_Die()
        guard dwarf_attr_integrate(&raw, UInt32(DW_AT_type), &attribute) != nil,
              dwarf_formref_die(&attribute, &target) != nil
        else { return nil }
        return DebugInfoEntry(target)
    }

    static func signedAttribute(_ name: UInt32, of die: DebugInfoEntry) -> Int64? {
        var raw = die.raw
        var attribute = Dwarf_Attribute()
        var value: Dwarf_Sword = 0
        guard dwarf_attr(&raw, name, &attribute) != nil, dwarf_formsdata(&attribute, &value) == 0 else { return nil }
        return value
    }

    /// A variable's static address, when its location is a plain DW_OP_addr.
    /// Read from the raw block: Go writes DWARF 4 locations as DW_FORM_block1,
    /// which libdw's dwarf_getlocation rejects ("not a location list value").
    static func staticAddress(of die: DebugInfoEntry) -> UInt64? {
        var raw = die.raw
        var attribute = Dwarf_Attribute()
        var block = Dwarf_Block()
        guard dwarf_attr(&raw, UInt32(DW_AT_location), &attribute) != nil,
              dwarf_formblock(&attribute, &block) == 0, block.length == 9, let data = block.data,
              data[0] == UInt8(DW_OP_addr)
        else { return nil }
        return UnsafeRawPointer(data + 1).loadUnaligned(as: UInt64.self).littleEndian
    }
}
