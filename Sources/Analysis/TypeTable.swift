/// The index of a type in a `TypeTable`. Id 0 is always "[unknown]".
public struct TypeID: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let unknown = TypeID(rawValue: 0)

    public static func < (lhs: TypeID, rhs: TypeID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a type's name comes from, so reports can tell a real type from a fallback.
public enum TypeKind: UInt8, CaseIterable, Sendable {
    /// Nothing is known; only `TypeID.unknown` has it.
    case unknown
    /// A type the runtime names itself: a Go type descriptor, a DWARF type.
    case runtimeType
    /// A C++ class recognised by the vtable in its first word.
    case cppClass
    /// An untyped allocation counted by the allocator's size class: "[size class 5]".
    case sizeClass
    /// An untyped allocation counted by its size: "[48 bytes]".
    case byteCount
}

/// The names and sizes of the types allocations have, in the allocator's own naming.
///
/// Interning gives one id per name, so a walker can type millions of rows with a 4-byte id
/// each and histograms can count by id without comparing strings. The untyped fallbacks have
/// helpers, so every walker spells them alike and no allocation is left without a row.
public struct TypeTable: Sendable {
    public private(set) var names: [String] = []
    public private(set) var sizes: [UInt64] = []
    public private(set) var kinds: [TypeKind] = []
    private var idsByName: [String: TypeID] = [:]

    public init() {
        _ = intern("[unknown]", size: 0, kind: .unknown)
    }

    public var count: Int { names.count }

    public func name(of id: TypeID) -> String { names[Int(id.rawValue)] }
    public func size(of id: TypeID) -> UInt64 { sizes[Int(id.rawValue)] }
    public func kind(of id: TypeID) -> TypeKind { kinds[Int(id.rawValue)] }

    public func id(named name: String) -> TypeID? { idsByName[name] }

    /// The id of `name`, added if new. A name seen before keeps its first size and kind:
    /// ids stand for names, and two descriptors printing the same name count together.
    public mutating func intern(_ name: String, size: UInt64, kind: TypeKind) -> TypeID {
        if let id = idsByName[name] { return id }
        precondition(names.count < Int(UInt32.max), "too many types")
        let id = TypeID(rawValue: UInt32(names.count))
        names.append(name)
        sizes.append(size)
        kinds.append(kind)
        idsByName[name] = id
        return id
    }

    /// "[size class N]", for an untyped object of the allocator's size class `sizeClass`,
    /// whose slots are `size` bytes.
    public mutating func sizeClass(_ sizeClass: Int, size: UInt64) -> TypeID {
        intern("[size class \(sizeClass)]", size: size, kind: .sizeClass)
    }

    /// "[N bytes]", for an untyped allocation outside any size class.
    public mutating func byteCount(_ size: UInt64) -> TypeID {
        intern("[\(size) bytes]", size: size, kind: .byteCount)
    }
}
