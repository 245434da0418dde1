/// `abi.Kind`: what a Go type descriptor describes. The values are the
/// runtime's own and have not changed since Go 1.0.
public enum GoTypeKind: UInt8, CaseIterable, Sendable {
    case invalid = 0
    case bool, int, int8, int16, int32, int64
    case uint, uint8, uint16, uint32, uint64, uintptr
    case float32, float64, complex64, complex128
    case array, chan, `func`, interface, map, pointer, slice, string, `struct`, unsafePointer

    /// The kind in a descriptor's `Kind_` byte, which also held flag bits
    /// (`KindDirectIface`, and before 1.24 `KindGCProg`) above `KindMask`.
    init?(kindByte: UInt8) {
        self.init(rawValue: kindByte & GoTypeFlags.kindMask)
        if self == .invalid { return nil }
    }

    /// The kinds whose descriptor has a structure of its own after `abi.Type`.
    var hasExtendedDescriptor: Bool {
        switch self {
        case .array, .chan, .func, .interface, .map, .pointer, .slice, .struct: return true
        default: return false
        }
    }
}

/// The flag bits of a descriptor's `TFlag` and `Kind_` bytes (internal/abi/type.go, runtime/type.go before 1.21).
enum GoTypeFlags {
    /// `TFlagUncommon`: an `abi.UncommonType` follows the kind's structure.
    static let uncommon: UInt8 = 1 << 0
    /// `TFlagExtraStar`: the stored name starts with a '*' that is not part of it.
    static let extraStar: UInt8 = 1 << 1
    /// `TFlagNamed`: a defined type, such as `main.Session`.
    static let named: UInt8 = 1 << 2
    /// `TFlagGCMaskOnDemand` (1.24+): `GCData` points to a cell the runtime fills with the bitmap on first use.
    static let gcMaskOnDemand: UInt8 = 1 << 4
    /// `KindDirectIface` in the kind byte before 1.26, `TFlagDirectIface` from 1.26: an interface
    /// holding this type keeps the value itself in its data word, not a pointer to a boxed copy.
    static let directInterface: UInt8 = 1 << 5
    /// `KindGCProg` (before 1.24), in the kind byte: `GCData` is a GC program, not a bitmap.
    static let kindGCProgram: UInt8 = 1 << 6
    static let kindMask: UInt8 = (1 << 5) - 1
}

extension GoRelease {
    /// Go 1.24 replaced GC programs with masks the runtime builds on demand for large types.
    public var hasGCMaskOnDemand: Bool { minorRelease >= .go1_24 }
    /// Go 1.26 moved the direct-interface flag from the kind byte to `TFlag`.
    public var hasDirectInterfaceTFlag: Bool { minorRelease >= .go1_26 }
    /// Since Go 1.17 `abi.Name` stores its length as a varint; before, as two big-endian bytes.
    public var hasVarintNameLength: Bool { minorRelease >= GoRelease(major: 1, minor: 17) }
}
