import CElfUtils
import CoreFile
import ProcessImage

/// Named types, variables and constants of one module's DWARF, for reading
/// runtime structures by field name instead of by hard-coded offsets.
///
/// Built once by walking the top level of every compile unit: Go puts each
/// package's types, globals and constants there under qualified names
/// ("runtime.g", "runtime.allgs", "runtime._Grunning").
public final class DWARFIndex {
    // Keeps the Dwfl, which owns the Dwarf, alive.
    private let owner: NativeSymbols
    private var structures: [String: DebugInfoEntry] = [:]
    private var variables: [String: (address: UInt64, die: DebugInfoEntry)] = [:]
    private var constantValues: [String: Int64] = [:]

    init(owner: NativeSymbols, dwarf: DwarfHandle) {
        self.owner = owner
        for unit in ElfUtils.compileUnits(dwarf) {
            for die in ElfUtils.children(of: unit) {
                guard let name = ElfUtils.name(of: die) else { continue }
                switch die.tag {
                case DebugInfoEntry.structure where structures[name] == nil:
                    structures[name] = die
                case DebugInfoEntry.variable:
                    if let address = ElfUtils.staticAddress(of: die) { variables[name] = (address, die) }
                case DebugInfoEntry.constant:
                    if let value = ElfUtils.signedAttribute(UInt32(DW_AT_const_value), of: die) { constantValues[name] = value }
                default:
                    break
                }
            }
        }
    }

    public var isEmpty: Bool { structures.isEmpty && variables.isEmpty }

    /// The link-time address of a global variable.
    public func variableAddress(_ name: String) -> UInt64? { variables[name]?.address }

    /// The byte size of a global's type, such as a fixed-size array; through typedefs (Go's
    /// maps and channels are typedefs of pointers).
    public func variableSize(_ name: String) -> UInt64? {
        guard let type = variables[name].flatMap({ ElfUtils.type(of: $0.die) }) else { return nil }
        return ElfUtils.byteSize(of: type) ?? ElfUtils.aggregateSize(of: type)
    }

    /// Every global variable with its link-time address and the name of its type as the
    /// compiler wrote it (Go writes types as it prints them: "[]*main.Session").
    public func typedVariables() -> [(name: String, address: UInt64, typeName: String)] {
        variables.compactMap { name, variable in
            guard let type = ElfUtils.type(of: variable.die), let typeName = ElfUtils.name(of: type) else { return nil }
            return (name, variable.address, typeName)
        }
    }

    /// Constants whose names start with `prefix`, such as "runtime._G".
    public func constants(withPrefix prefix: String) -> [String: Int64] {
        constantValues.filter { $0.key.hasPrefix(prefix) }
    }

    /// A structure's size and direct members, each with its offset, size and
    /// kind; nil when the DWARF has no structure of that name.
    public func structLayout(named name: String) -> StructLayout? {
        guard let type = structures[name], let size = ElfUtils.byteSize(of: type) else { return nil }
        var fields: [FieldLayout] = []
        for member in ElfUtils.children(of: type) where member.tag == DebugInfoEntry.member {
            guard let memberName = ElfUtils.name(of: member),
                  let offset = ElfUtils.unsignedAttribute(UInt32(DW_AT_data_member_location), of: member),
                  let memberType = ElfUtils.type(of: member), let memberSize = ElfUtils.aggregateSize(of: memberType),
                  let kind = DWARFIndex.kind(of: memberType)
            else { return nil }
            fields.append(FieldLayout(memberName, offset: offset, size: memberSize, kind))
        }
        return StructLayout(name: name, size: size, fields: fields)
    }

    /// What a type holds once typedefs and qualifiers are followed.
    private static func kind(of type: DebugInfoEntry) -> FieldKind? {
        var current = type
        for _ in 0..<16 {
            switch current.tag {
            case DebugInfoEntry.typedef, DebugInfoEntry.constType, DebugInfoEntry.volatileType:
                guard let next = ElfUtils.type(of: current) else { return nil }
                current = next
            case DebugInfoEntry.pointer, DebugInfoEntry.subroutineType:
                return .pointer
            case DebugInfoEntry.baseType, DebugInfoEntry.enumeration:
                return .integer
            case DebugInfoEntry.structure:
                return .structure(ElfUtils.name(of: current) ?? "")
            case DebugInfoEntry.array:
                guard let count = ElfUtils.arrayCount(of: current), let element = ElfUtils.type(of: current),
                      let elementSize = ElfUtils.aggregateSize(of: element)
                else { return nil }
                return .array(count: count, elementSize: elementSize)
            default:
                return nil
            }
        }
        return nil
    }
}

extension NativeSymbols {
    /// The DWARF index of a module, or `nil` when it has no DWARF.
    public func dwarfIndex(for module: Module) -> DWARFIndex? {
        guard let handle = moduleHandle(for: module), let dwarf = ElfUtils.moduleDwarfHandle(handle) else { return nil }
        return DWARFIndex(owner: self, dwarf: dwarf)
    }
}
