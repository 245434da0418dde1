import CoreFile

/// Every in-use span of a Go heap, as a structure of arrays sorted by start address.
///
/// A span index is a row of every column. The marking phase gets from an object row back to
/// its span through the table's allocator word (see `GoHeap.AllocatorWord`), then reads the
/// span's heap bits, inline mark bits, `largeType` and specials from here.
public struct GoSpanTable: Sendable {
    /// The `*mspan` itself.
    public internal(set) var spanAddresses: [UInt64] = []
    /// `startAddr`: the first object.
    public internal(set) var starts: [UInt64] = []
    public internal(set) var pageCounts: [UInt32] = []
    /// Bytes per object; the span's bytes for a large object (size class 0).
    public internal(set) var elementSizes: [UInt64] = []
    /// The object count the span records: never span bytes / element size, which would count
    /// the heap bits and inline mark bits at the span's tail as objects.
    public internal(set) var elementCounts: [UInt32] = []
    /// `spanClass`: size class << 1 | noscan.
    public internal(set) var spanClasses: [UInt8] = []
    /// `mSpanState` as read (only in-use spans are kept, so this is `mSpanInUse`).
    public internal(set) var states: [UInt8] = []
    public internal(set) var allocBits: [UInt64] = []
    public internal(set) var freeIndices: [UInt32] = []
    /// Objects the span counted allocated when read (`allocCount`), for cross-checks.
    public internal(set) var allocCounts: [UInt32] = []
    /// `largeType` (Go 1.22+, large spans): the object's `*abi.Type`; 0 while in flight or before 1.22.
    public internal(set) var largeTypes: [UInt64] = []
    /// The head of the span's `specials` list (finalizers, cleanups, profile records); 0 if none.
    public internal(set) var specials: [UInt64] = []
    /// Where the span's pointer bitmap starts (Go 1.22+, scan spans of objects up to 512 B); 0 if none.
    public internal(set) var heapBits: [UInt64] = []
    /// Where the 128-byte `spanInlineMarkBits` starts (Green Tea, Go 1.26+); 0 if none.
    public internal(set) var inlineMarkBits: [UInt64] = []

    public var count: Int { starts.count }

    public func sizeClass(of span: Int) -> Int { Int(spanClasses[span] >> 1) }
    public func isNoScan(_ span: Int) -> Bool { spanClasses[span] & 1 != 0 }
    public func bytes(of span: Int) -> UInt64 { UInt64(pageCounts[span]) * GoArenaIndex.pageSize }
    public func range(of span: Int) -> AddressRange {
        AddressRange(start: Address(starts[span]), size: bytes(of: span))
    }

    mutating func append(_ span: GoSpan) {
        spanAddresses.append(span.address.rawValue)
        starts.append(span.start.rawValue)
        pageCounts.append(span.pageCount)
        elementSizes.append(span.elementSize)
        elementCounts.append(span.elementCount)
        spanClasses.append(span.spanClass)
        states.append(span.state)
        allocBits.append(span.allocBits.rawValue)
        freeIndices.append(span.freeIndex)
        allocCounts.append(span.allocCount)
        largeTypes.append(span.largeType.rawValue)
        specials.append(span.specials.rawValue)
        heapBits.append(span.heapBits.rawValue)
        inlineMarkBits.append(span.inlineMarkBits.rawValue)
    }
}

/// One span as read and checked, before it joins the table.
struct GoSpan {
    var address: Address
    var start: Address
    var pageCount: UInt32
    var elementSize: UInt64
    var elementCount: UInt32
    var spanClass: UInt8
    var state: UInt8
    var allocBits: Address
    var freeIndex: UInt32
    var allocCount: UInt32
    var largeType: Address
    var specials: Address
    var heapBits = Address.zero
    var inlineMarkBits = Address.zero

    var sizeClass: Int { Int(spanClass >> 1) }
    var isNoScan: Bool { spanClass & 1 != 0 }
    var bytes: UInt64 { UInt64(pageCount) * GoArenaIndex.pageSize }
    var end: Address { start.advanced(by: bytes) }
}
