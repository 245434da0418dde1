/// `internal/runtime/maps.Map`: a Swiss-table map, Go 1.24 on.
public struct SwissMapLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/runtime/maps.Map"]
    public let size: Int
    public let used: GoIntegerField
    public let seed: GoIntegerField
    /// One group when `dirLen` is 0 (a small map), else `dirLen` table pointers, with repeats.
    public let dirPtr: GoAddressField
    public let dirLen: GoIntegerField
    public let globalDepth: GoIntegerField
    public let clearSeq: GoIntegerField

    public init(_ map: GoStructView) throws {
        size = map.size
        used = try map.integer("used")
        seed = try map.integer("seed")
        dirPtr = try map.address("dirPtr")
        dirLen = try map.integer("dirLen")
        globalDepth = try map.integer("globalDepth")
        clearSeq = try map.integer("clearSeq")
    }
}

/// `internal/runtime/maps.table`: one table of a large Swiss map.
public struct SwissTableLayout: GoRuntimeStructure {
    public static let typeNames = ["internal/runtime/maps.table"]
    public let size: Int
    public let used, capacity, growthLeft, localDepth: GoIntegerField
    /// Tells the repeats in a map's directory apart.
    public let index: GoIntegerField
    /// `groups.data`: the first group; `groups.lengthMask`: group count - 1.
    public let groupsData: GoAddressField
    public let groupsLengthMask: GoIntegerField

    public init(_ table: GoStructView) throws {
        size = table.size
        used = try table.integer("used")
        capacity = try table.integer("capacity")
        growthLeft = try table.integer("growthLeft")
        localDepth = try table.integer("localDepth")
        index = try table.integer("index")
        groupsData = try table.address("groups.data")
        groupsLengthMask = try table.integer("groups.lengthMask")
    }
}

/// A Swiss-map group: an 8-byte control word, then 8 slots. It has no DWARF
/// type of its own; its geometry is in the map's type (`ABIMapTypeLayout.Swiss`).
public enum SwissGroup {
    public static let slotCount = 8
    public static let controlWordSize = 8
    /// Control bytes: empty, deleted, or full (high bit clear, low 7 bits of the hash).
    public static let emptyControl: UInt8 = 0x80
    public static let deletedControl: UInt8 = 0xFE

    public static func isFull(_ control: UInt8) -> Bool { control & 0x80 == 0 }
}

/// `runtime.hmap`: a bucket map, before Go 1.24 (and with GOEXPERIMENT=noswissmap until 1.26).
public struct BucketMapLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.hmap"]
    public let size: Int
    public let count: GoIntegerField
    public let flags: GoIntegerField
    /// log2 of the bucket count.
    public let bucketShift: GoIntegerField
    public let buckets, oldbuckets: GoAddressField
    public let nevacuate: GoIntegerField
    public let extra: GoAddressField

    public init(_ map: GoStructView) throws {
        size = map.size
        count = try map.integer("count")
        flags = try map.integer("flags")
        bucketShift = try map.integer("B")
        buckets = try map.address("buckets")
        oldbuckets = try map.address("oldbuckets")
        nevacuate = try map.integer("nevacuate")
        extra = try map.address("extra")
    }
}

/// `runtime.bmap`: a bucket's header, the top hash byte of each of its slots.
/// The keys, the elements and the overflow pointer follow, laid out by the map's type.
public struct BucketLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.bmap"]
    public let tophash: GoArrayField

    public init(_ bucket: GoStructView) throws { tophash = try bucket.array("tophash") }
}
