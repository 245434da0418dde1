/// Where a structure keeps its members: its size, and each direct member's
/// offset, size and kind, as DWARF describes it (or a table generated from
/// DWARF, for binaries without it).
public struct StructLayout: Hashable, Sendable {
    public var name: String
    public var size: UInt64
    /// In declaration order, which is offset order.
    public var fields: [FieldLayout]

    public init(name: String, size: UInt64, fields: [FieldLayout]) {
        self.name = name
        self.size = size
        self.fields = fields
    }

    /// The first member of that name (zero-size padding members are all named "_").
    public func field(named name: String) -> FieldLayout? { fields.first { $0.name == name } }
}

public struct FieldLayout: Hashable, Sendable {
    public var name: String
    public var offset: UInt64
    public var size: UInt64
    public var kind: FieldKind

    public init(_ name: String, offset: UInt64, size: UInt64, _ kind: FieldKind) {
        self.name = name
        self.offset = offset
        self.size = size
        self.kind = kind
    }
}

/// What a member holds, after typedefs are followed.
public enum FieldKind: Hashable, Sendable {
    /// A base type: integer, boolean, float or complex; `size` bytes of plain value.
    case integer
    /// A pointer, or a pointer-shaped type (a C function pointer; Go's
    /// unsafe.Pointer, map, chan and func values).
    case pointer
    case array(count: UInt64, elementSize: UInt64)
    /// A structure held by value, by its type name. Go's strings, slices and
    /// interfaces are structures named "string", "[]T" and "runtime.iface" or
    /// "runtime.eface".
    case structure(String)
}
