import BitCollections
import CoreFile

/// What is known about one allocation.
///
/// A walker records `.free` or `.unknown` (allocated, reachability not yet decided); marking
/// turns `.unknown` into `.live` or `.garbage`. Garbage is allocated but unreachable: in a Go
/// core it is memory the next sweep would reclaim; in a C core it is what leak reports are made of.
public enum AllocationState: UInt8, CaseIterable, Sendable {
    case live
    case free
    case garbage
    case unknown

    /// Whether the allocator considers the memory in use. Only allocated rows can be marked,
    /// and only they are scanned for pointers: a pointer into a free chunk keeps nothing alive.
    public var isAllocated: Bool { self != .free }
}

/// Every allocation of a heap as a structure of arrays, sorted by address.
///
/// A row is an index into the columns. Rows do not overlap, so the allocation containing an
/// address (interior pointers included) is found by one binary search, narrowed first by a
/// coarse bucket index. Millions of rows cost a few flat arrays, never an object each.
/// Build a table with `AllocationTableBuilder`.
public struct AllocationTable: Sendable {
    /// Start addresses, strictly increasing.
    public let addresses: [UInt64]
    public let sizes: [UInt64]
    public internal(set) var states: [AllocationState]
    public private(set) var typeIDs: [TypeID]
    /// One word the walker keeps for itself: a span index, a chunk's flags, a pointer mask.
    public let allocatorWords: [UInt64]
    let index: AddressIndex

    init(addresses: [UInt64], sizes: [UInt64], states: [AllocationState],
         typeIDs: [TypeID], allocatorWords: [UInt64]) {
        self.addresses = addresses
        self.sizes = sizes
        self.states = states
        self.typeIDs = typeIDs
        self.allocatorWords = allocatorWords
        index = AddressIndex(addresses: addresses, sizes: sizes)
    }

    public static let empty = AllocationTableBuilder().build().table

    public var count: Int { addresses.count }
    public var isEmpty: Bool { addresses.isEmpty }

    public func address(of row: Int) -> Address { Address(addresses[row]) }

    public func range(of row: Int) -> AddressRange {
        AddressRange(start: Address(addresses[row]), size: sizes[row])
    }

    /// The lowest start and highest end of all rows: a quick rejection test for scans.
    public var bounds: AddressRange {
        AddressRange(start: Address(index.lowest), end: Address(index.highest))
    }

    /// The row whose `[address, address + size)` holds `address`. A pointer to the byte just
    /// past an allocation belongs to no row (unless the next allocation starts there).
    public func row(containing address: Address) -> Int? {
        let row = addresses.withUnsafeBufferPointer { starts in
            sizes.withUnsafeBufferPointer { sizes in
                index.row(containing: address.rawValue, starts: starts, sizes: sizes)
            }
        }
        return row < 0 ? nil : row
    }

    /// The rows that share at least one byte with `range`, and the zero-sized rows that start
    /// inside it, in address order.
    public func rows(overlapping range: AddressRange) -> Range<Int> {
        guard !range.isEmpty else { return 0..<0 }
        // Rows do not overlap, so both starts and ends increase: "entirely before the range"
        // holds for a prefix of the rows.
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            let start = addresses[middle]
            if start < range.start.rawValue && start + sizes[middle] <= range.start.rawValue {
                low = middle + 1
            } else {
                high = middle
            }
        }
        let first = low
        high = count
        while low < high {
            let middle = (low + high) / 2
            if addresses[middle] < range.end.rawValue { low = middle + 1 } else { high = middle }
        }
        return first..<low
    }

    /// Records reachability: allocated rows become `.live` if marked, `.garbage` if not.
    /// Free rows stay free.
    public mutating func applyMarks(_ marked: BitArray) {
        precondition(marked.count == count, "marks belong to another table")
        for row in 0..<count where states[row].isAllocated {
            states[row] = marked[row] ? .live : .garbage
        }
    }

    /// Replaces every row's type, for a type pass that runs after the walk (the walker only
    /// knows size classes; a later pass may know the objects' types).
    public mutating func replaceTypeIDs(_ ids: [TypeID]) {
        precondition(ids.count == count, "types belong to another table")
        typeIDs = ids
    }

    /// Runs `body` with unchecked access to the lookup columns, for the hot loops of marking
    /// and graph building. The pointers are valid only inside `body`.
    ///
    /// Resolving a pointer touches a row's start, its end and whether it is allocated; kept in
    /// three columns, that is three cache misses per random pointer. For the duration of
    /// `body` they are interleaved in one array of (start, end) pairs, a free row's end set
    /// to its start, so that one or two cache lines answer. The copy costs 16 bytes a row
    /// only while a scan runs.
    func withLookup<Result>(_ body: (TableLookup) throws -> Result) rethrows -> Result {
        var bounds = [UInt64](repeating: 0, count: count * 2)
        for row in 0..<count {
            bounds[2 * row] = addresses[row]
            bounds[2 * row + 1] = states[row].isAllocated ? addresses[row] + sizes[row] : addresses[row]
        }
        return try addresses.withUnsafeBufferPointer { starts in
            try sizes.withUnsafeBufferPointer { sizes in
                try states.withUnsafeBufferPointer { states in
                    try bounds.withUnsafeBufferPointer { bounds in
                        try body(TableLookup(index: index, starts: starts, sizes: sizes, states: states,
                                             allocatedBounds: bounds))
                    }
                }
            }
        }
    }
}

/// Borrowed columns of a table, for loops that resolve millions of words.
struct TableLookup: @unchecked Sendable {
    let index: AddressIndex
    let starts: UnsafeBufferPointer<UInt64>
    let sizes: UnsafeBufferPointer<UInt64>
    let states: UnsafeBufferPointer<AllocationState>
    /// Start and end of each row, interleaved; a free row ends where it starts.
    let allocatedBounds: UnsafeBufferPointer<UInt64>

    var count: Int { starts.count }

    /// The allocated row holding `value`, or -1: what a pointer word keeps alive.
    @inline(__always)
    func allocatedRow(containing value: UInt64) -> Int {
        index.allocatedRow(containing: value, bounds: allocatedBounds)
    }
}
