/// `runtime.mheap`: the heap, through `mheap_`.
public struct MHeapLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.mheap"]
    public let size: Int
    /// `[]*mspan`: every span ever created.
    public let allspans: GoSliceField
    /// `[1 << arenaL1Bits]*[1 << arenaL2Bits]*heapArena`: the arena index.
    public let arenas: GoArrayField
    public let pagesInUse: GoIntegerField
    /// Go 1.25 on: the arenas holding heap spans (user arenas apart); before, `allArenas` held both.
    public let heapArenas: GoSliceField

    public init(_ mheap: GoStructView) throws {
        size = mheap.size
        allspans = try mheap.slice("allspans")
        arenas = try mheap.array("arenas")
        pagesInUse = try mheap.integer("pagesInUse")
        heapArenas = try mheap.slice("heapArenas", "allArenas")
    }
}

/// `runtime.heapArena`: the metadata of one 64 MiB arena.
public struct HeapArenaLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.heapArena"]
    public let size: Int
    /// `[pagesPerArena]*mspan`: the span of each page.
    public let spans: GoArrayField
    /// A bit per page: the page starts an in-use span.
    public let pageInUse: GoArrayField
    /// A bit per page: the page starts a span with specials.
    public let pageSpecials: GoArrayField
    /// The 1-bit-per-word pointer bitmap of the whole arena, before malloc headers (Go 1.21 and older).
    public let bitmap: GoArrayField?

    public init(_ arena: GoStructView) throws {
        size = arena.size
        spans = try arena.array("spans")
        pageInUse = try arena.array("pageInUse")
        pageSpecials = try arena.array("pageSpecials")
        bitmap = try arena.optionalArray("bitmap")
    }
}

/// `runtime.mspan`: a run of pages holding objects of one size class.
public struct MSpanLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.mspan"]
    public let size: Int
    public let next: GoAddressField
    public let startAddr: GoAddressField
    public let npages: GoIntegerField
    /// The object count; a uintptr before Go 1.22, a uint16 since. Never
    /// derive it from the span's bytes (heap bits and inline marks share them).
    public let nelems: GoIntegerField
    /// Objects below it are allocated; a uintptr before Go 1.22, a uint16 since.
    public let freeindex: GoIntegerField
    public let allocCount: GoIntegerField
    public let allocBits, gcmarkBits: GoAddressField
    public let elemsize: GoIntegerField
    /// `spanClass`: size class << 1 | noscan.
    public let spanclass: GoIntegerField
    /// `mSpanState` (mSpanInUse, mSpanManual…), inside `mSpanStateBox`.
    public let state: GoIntegerField
    public let limit: GoAddressField
    public let specials: GoAddressField
    public let allocCountBeforeCache: GoIntegerField
    /// The `*abi.Type` of a large object, Go 1.22 on (malloc headers).
    public let largeType: GoAddressField?

    public init(_ span: GoStructView) throws {
        size = span.size
        next = try span.address("next")
        startAddr = try span.address("startAddr")
        npages = try span.integer("npages")
        nelems = try span.integer("nelems")
        freeindex = try span.integer("freeindex")
        allocCount = try span.integer("allocCount")
        allocBits = try span.address("allocBits")
        gcmarkBits = try span.address("gcmarkBits")
        elemsize = try span.integer("elemsize")
        spanclass = try span.integer("spanclass")
        state = try span.integer("state.s", "state")
        limit = try span.address("limit")
        specials = try span.address("specials")
        allocCountBeforeCache = try span.integer("allocCountBeforeCache")
        largeType = try span.optionalAddress("largeType")
    }
}

/// `runtime.mcache`: a P's cache of spans, one per span class.
public struct MCacheLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.mcache"]
    public let size: Int
    /// `[numSpanClasses]*mspan`.
    public let alloc: GoArrayField
    public let tiny: GoAddressField
    public let tinyoffset: GoIntegerField
    public let tinyAllocs: GoIntegerField

    public init(_ cache: GoStructView) throws {
        size = cache.size
        alloc = try cache.array("alloc")
        tiny = try cache.address("tiny")
        tinyoffset = try cache.integer("tinyoffset")
        tinyAllocs = try cache.integer("tinyAllocs")
    }
}

/// `runtime.special`: the header of a finalizer, profile or other record on a span.
public struct SpecialLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.special"]
    public let size: Int
    public let next: GoAddressField
    /// The object's offset in its span: a uint16 before Go 1.24, a uintptr since.
    public let offset: GoIntegerField
    /// `_KindSpecialFinalizer`, `_KindSpecialProfile`, …
    public let kind: GoIntegerField

    public init(_ special: GoStructView) throws {
        size = special.size
        next = try special.address("next")
        offset = try special.integer("offset")
        kind = try special.integer("kind")
    }
}

/// `runtime.specialfinalizer`: a finalizer set with runtime.SetFinalizer.
public struct SpecialFinalizerLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.specialfinalizer"]
    public let size: Int
    public let fn: GoAddressField
    /// The finalizer's `*functype` and the object's `*ptrtype`.
    public let fint, ot: GoAddressField

    public init(_ finalizer: GoStructView) throws {
        size = finalizer.size
        fn = try finalizer.address("fn")
        fint = try finalizer.address("fint")
        ot = try finalizer.address("ot")
    }
}

/// `runtime.specialprofile`: marks a sampled object, pointing to its profile bucket.
public struct SpecialProfileLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.specialprofile"]
    public let size: Int
    public let bucket: GoAddressField

    public init(_ profile: GoStructView) throws {
        size = profile.size
        bucket = try profile.address("b")
    }
}
