import Analysis
import CoreFile

/// What one Go type descriptor says, in a compact form a heap walker can keep
/// for every type: its size, its pointer prefix and bitmap, and the types it
/// links to, as ids of the same catalog.
public struct GoTypeRecord: Hashable, Sendable {
    /// The address of the `abi.Type` this record was read from.
    public var descriptor: Address
    public var size: UInt64
    /// `PtrBytes` (`ptrdata`): only the first `ptrBytes` bytes can hold pointers.
    public var ptrBytes: UInt64
    public var kind: GoTypeKind
    /// `TFlag` as stored.
    public var tflag: UInt8
    /// The pointer bitmap, one bit per word of the first `ptrBytes` bytes.
    public var pointerMask: GoPointerMask
    /// The element of a pointer, slice, array, channel or map; `.unknown` otherwise.
    public var elem: TypeID
    /// The key of a map.
    public var key: TypeID
    /// The storage a map allocates: its group type from 1.24, its bucket type before.
    public var mapStorage: TypeID
    /// The length of an array.
    public var arrayLength: UInt64
    /// Struct fields, function parameters then results, or interface methods, in `GoTypeCatalog.links`.
    public var links: Range<Int>
    /// For a function, how many of `links` are parameters (the rest are results).
    public var parameterCount: Int
    public var isVariadic: Bool
    /// An interface holding this type keeps the value in its data word (pointer-shaped types,
    /// except pointers to the runtime's not-in-heap types);
    /// otherwise the data word points to a boxed copy of the value.
    public var isDirectInterface: Bool

    public var isNamed: Bool { tflag & GoTypeFlags.named != 0 }
    public var hasPointers: Bool { ptrBytes != 0 }
}

/// One entry of a type's `links`: a struct field (name, type, offset), a
/// function parameter or result (type only), or an interface method (name, and
/// the method's function type).
public struct GoTypeLink: Hashable, Sendable {
    public var name: String
    public var type: TypeID
    /// The field's offset in its struct; 0 for other links.
    public var offset: UInt64
    public var isEmbedded: Bool
}

/// Where a type's pointer bitmap is: the runtime's own (`GCData`), or one the
/// catalog built from the type's structure when the runtime keeps a GC program
/// (before 1.24) or had not yet built the mask it builds on demand (1.24+).
public enum GoPointerMask: Hashable, Sendable {
    /// No pointers.
    case none
    /// `wordCount` bits at `address` in the process, least significant bit first.
    case inProcess(address: Address, wordCount: Int)
    /// `wordCount` bits at `offset` in `GoTypeCatalog.builtMasks`.
    case built(offset: Int, wordCount: Int)
    /// Neither readable nor derivable (a corrupt or unreadable structure).
    case unavailable

    public var wordCount: Int {
        switch self {
        case let .inProcess(_, count), let .built(_, count): return count
        case .none, .unavailable: return 0
        }
    }
}
