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

    /// The byte size of a global's type, such as a fixed-size array.
    public func variableSize(_ name: String) -> UInt64? {
        variables[name].flatMap { ElfUtils.type(of: $0.die) }.flatMap(ElfUtils.byteSize)
    }

    /// Constants whose names start with `prefix`, such as "runtime._G".
    public func constants(withPrefix prefix: String) -> [String: Int64] {
        constantValues.filter { $0.key.hasPrefix(prefix) }
    }

    public func size(ofType name: String) -> UInt64? { structures[name].flatMap(ElfUtils.byteSize) }

    /// The offset of `path` ("runtime.g.sched.pc": type "runtime.g", then member
    /// "sched", then its member "pc"), following members into nested structures.
    public func offset(of path: String, typeName: String) -> UInt64? {
        guard path.hasPrefix(typeName + "."), var type = structures[typeName] else { return nil }
        var total: UInt64 = 0
        let members = path.dropFirst(typeName.count + 1).split(separator: ".")
        for (index, memberName) in members.enumerated() {
            guard let member = ElfUtils.children(of: type).first(where: {
                $0.tag == DebugInfoEntry.member && ElfUtils.name(of: $0) == String(memberName)
            }), let offset = ElfUtils.unsignedAttribute(UInt32(DW_AT_data_member_location), of: member)
            else { return nil }
            total += offset
            if index < members.count - 1 {
                guard let next = DWARFIndex.resolvedStructure(ElfUtils.type(of: member)) else { return nil }
                type = next
            }
        }
        return total
    }

    /// Follows typedefs to the structure a member's type names.
    private static func resolvedStructure(_ die: DebugInfoEntry?) -> DebugInfoEntry? {
        var current = die
        for _ in 0..<8 {
            guard let die = current else { return nil }
            if die.tag == DebugInfoEntry.structure { return die }
            current = ElfUtils.type(of: die)
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
