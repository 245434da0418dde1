/// `abi.Type` (`runtime._type` before Go 1.21): the descriptor every typed
/// allocation passes to the allocator, so present even in stripped binaries.
public struct ABITypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.Type", "runtime._type"]
    public let size: Int
    /// The described type's size (`Size_`).
    public let typeSize: GoIntegerField
    /// The prefix of the type that holds pointers.
    public let ptrBytes: GoIntegerField
    public let hash: GoIntegerField
    public let tflag: GoIntegerField
    /// `abi.Kind` (with flag bits before Go 1.25's `KindMask` cleanup).
    public let kind: GoIntegerField
    /// The pointer bitmap, or a GC program.
    public let gcdata: GoAddressField
    /// `nameOff` and `typeOff`: offsets from the module's `types`.
    public let str, ptrToThis: GoIntegerField

    public init(_ type: GoStructView) throws {
        size = type.size
        typeSize = try type.integer("Size_", "size")
        ptrBytes = try type.integer("PtrBytes", "ptrdata")
        hash = try type.integer("Hash", "hash")
        tflag = try type.integer("TFlag", "tflag")
        kind = try type.integer("Kind_", "kind")
        gcdata = try type.address("GCData", "gcdata")
        str = try type.integer("Str", "str")
        ptrToThis = try type.integer("PtrToThis", "ptrToThis")
    }
}

/// `abi.StructType`: a struct's fields, after its `abi.Type`.
public struct ABIStructTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.StructType", "runtime.structtype"]
    public let size: Int
    public let pkgPath: GoAddressField
    /// `[]abi.StructField`.
    public let fields: GoSliceField

    public init(_ type: GoStructView) throws {
        size = type.size
        pkgPath = try type.address("PkgPath", "pkgPath")
        fields = try type.slice("Fields", "fields")
    }
}

/// `abi.StructField`: one field's name, type and offset.
public struct ABIStructFieldLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.StructField", "runtime.structfield"]
    public let size: Int
    public let name: GoAddressField
    public let type: GoAddressField
    public let offset: GoIntegerField

    public init(_ field: GoStructView) throws {
        size = field.size
        name = try field.address("Name", "name")
        type = try field.address("Typ", "typ")
        offset = try field.integer("Offset", "offset")
    }
}

/// `abi.PtrType` and `abi.SliceType` share one shape: an `abi.Type`, then the element type.
public struct ABIPtrTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.PtrType", "runtime.ptrtype"]
    public let elem: GoAddressField
    public init(_ type: GoStructView) throws { elem = try type.address("Elem", "elem") }
}

public struct ABISliceTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.SliceType", "runtime.slicetype"]
    public let elem: GoAddressField
    public init(_ type: GoStructView) throws { elem = try type.address("Elem", "elem") }
}

/// `abi.ArrayType`: element type and length.
public struct ABIArrayTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.ArrayType", "runtime.arraytype"]
    public let elem: GoAddressField
    public let length: GoIntegerField

    public init(_ type: GoStructView) throws {
        elem = try type.address("Elem", "elem")
        length = try type.integer("Len", "len")
    }
}

/// `abi.MapType`: key and element types, and where a map's storage keeps them.
///
/// Bucket maps (before 1.24) name a bucket type; Swiss maps (`abi.SwissMapType`
/// in 1.24–1.25, `abi.MapType` again from 1.26) name a group type and its
/// slot geometry, which 1.27 split into separate key and element arrays.
public struct ABIMapTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.SwissMapType", "internal/abi.MapType", "runtime.maptype"]
    public let key, elem: GoAddressField
    /// `Bucket` of a bucket map, `Group` of a Swiss map.
    public let storageType: GoAddressField
    public let swiss: Swiss?

    public struct Swiss: Equatable {
        public let groupSize: GoIntegerField
        /// 1.24–1.26: slots of key then element, each `slotSize` bytes, element at `elemOff`.
        public let slotSize: GoIntegerField?
        public let elemOff: GoIntegerField?
        /// 1.27: keys and elements in two arrays inside the group.
        public let keysOff, keyStride, elemsOff, elemStride: GoIntegerField?
    }

    public init(_ type: GoStructView) throws {
        key = try type.address("Key", "key")
        elem = try type.address("Elem", "elem")
        storageType = try type.address("Group", "Bucket", "bucket")
        guard type.has("GroupSize") else {
            swiss = nil
            return
        }
        swiss = Swiss(groupSize: try type.integer("GroupSize"), slotSize: try type.optionalInteger("SlotSize"),
                      elemOff: try type.optionalInteger("ElemOff"), keysOff: try type.optionalInteger("KeysOff"),
                      keyStride: try type.optionalInteger("KeyStride"), elemsOff: try type.optionalInteger("ElemsOff"),
                      elemStride: try type.optionalInteger("ElemStride"))
    }
}

/// `abi.ChanType`: the element type of a channel.
public struct ABIChanTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.ChanType", "runtime.chantype"]
    public let elem: GoAddressField
    public init(_ type: GoStructView) throws { elem = try type.address("Elem", "elem") }
}

/// `abi.FuncType`: parameter counts; the `*abi.Type` of each parameter, then each
/// result, follow the structure (and its `UncommonType`, if the type has one).
public struct ABIFuncTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.FuncType", "runtime.functype"]
    public let size: Int
    public let inCount: GoIntegerField
    /// The top bit marks a variadic function.
    public let outCount: GoIntegerField

    public init(_ type: GoStructView) throws {
        size = type.size
        inCount = try type.integer("InCount", "inCount")
        outCount = try type.integer("OutCount", "outCount")
    }
}

/// `abi.InterfaceType`: the interface's methods, as `abi.Imethod` {nameOff, typeOff}.
public struct ABIInterfaceTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.InterfaceType", "runtime.interfacetype"]
    public let methods: GoSliceField
    public init(_ type: GoStructView) throws { methods = try type.slice("Methods", "mhdr") }
}

/// `abi.UncommonType`: present after the kind's structure when `TFlagUncommon` is set.
public struct ABIUncommonTypeLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.UncommonType", "runtime.uncommontype"]
    public let size: Int
    /// A `nameOff` of the package path.
    public let pkgPath: GoIntegerField
    /// How many `abi.Method` entries (16 bytes each) the type has.
    public let methodCount: GoIntegerField

    public init(_ type: GoStructView) throws {
        size = type.size
        pkgPath = try type.integer("PkgPath", "pkgpath")
        methodCount = try type.integer("Mcount", "mcount")
    }
}

/// `abi.ITab` (`runtime.itab` before 1.22): the interface and the concrete type an
/// interface value's first word points at.
public struct ITabLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/abi.ITab", "runtime.itab"]
    public let interface: GoAddressField
    public let type: GoAddressField

    public init(_ itab: GoStructView) throws {
        interface = try itab.address("Inter", "inter")
        type = try itab.address("Type", "_type")
    }
}

/// Where `runtime.moduledata` lists a module's type descriptors and itabs:
/// up to 1.26 as `typelinks` (`[]int32` offsets from `types`) and `itablinks`
/// (`[]*itab`); from 1.27 as the descriptors laid end to end in the first
/// `typedesclen` bytes of `types`, and the itabs in `itabsize` bytes at `types + itaboffset`.
public struct ModuleTypeLinksLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.moduledata"]
    public let typelinks, itablinks: GoSliceField?
    public let typeDescriptorsLength, itabOffset, itabSize: GoIntegerField?

    public init(_ moduledata: GoStructView) throws {
        typelinks = moduledata.has("typelinks") ? try moduledata.slice("typelinks") : nil
        itablinks = moduledata.has("itablinks") ? try moduledata.slice("itablinks") : nil
        typeDescriptorsLength = try moduledata.optionalInteger("typedesclen")
        itabOffset = try moduledata.optionalInteger("itaboffset")
        itabSize = try moduledata.optionalInteger("itabsize")
        guard typelinks != nil || typeDescriptorsLength != nil else {
            throw GoRuntimeError.missingField(type: "runtime.moduledata", field: "typelinks or typedesclen", release: moduledata.goVersion)
        }
    }
}
