import CoreFile

/// Collects rows in any order, then sorts them once into an `AllocationTable`.
///
/// Walkers meet allocations in their own order (Go's `allspans`, glibc's arenas), so the
/// builder sorts one permutation and applies it to every column. Rows that overlap a row
/// kept before them, or whose end wraps past 2^64, are rejected and reported: a table with
/// overlaps would make "which allocation holds this address" ambiguous.
public struct AllocationTableBuilder {
    private var addresses: [UInt64] = []
    private var sizes: [UInt64] = []
    private var states: [AllocationState] = []
    private var typeIDs: [TypeID] = []
    private var allocatorWords: [UInt64] = []

    public init() {}

    /// Takes whole columns at once, for a walker that kept its own: they become the table's
    /// without a second copy when they are already sorted and disjoint (see `build`).
    public init(addresses: [UInt64], sizes: [UInt64], states: [AllocationState], typeIDs: [TypeID], allocatorWords: [UInt64]) {
        precondition(sizes.count == addresses.count && states.count == addresses.count
                     && typeIDs.count == addresses.count && allocatorWords.count == addresses.count,
                     "columns of different lengths")
        self.addresses = addresses
        self.sizes = sizes
        self.states = states
        self.typeIDs = typeIDs
        self.allocatorWords = allocatorWords
    }

    public var count: Int { addresses.count }

    public mutating func reserveCapacity(_ rows: Int) {
        addresses.reserveCapacity(rows)
        sizes.reserveCapacity(rows)
        states.reserveCapacity(rows)
        typeIDs.reserveCapacity(rows)
        allocatorWords.reserveCapacity(rows)
    }

    public mutating func append(address: Address, size: UInt64, state: AllocationState,
                                type: TypeID = .unknown, allocatorWord: UInt64 = 0) {
        addresses.append(address.rawValue)
        sizes.append(size)
        states.append(state)
        typeIDs.append(type)
        allocatorWords.append(allocatorWord)
    }

    /// Sorts by address and drops the rows that cannot be kept. Of two overlapping rows the
    /// one with the lower address stays; on equal addresses, the one appended first.
    public consuming func build(keepingExamples exampleLimit: Int = 16) -> AllocationTableBuild {
        // Walkers mostly append in order and rarely overlap: then the columns are the table as
        // they are, without an order and a kept list (two Ints a row) to allocate and compare.
        if isSortedWithoutOverlaps() {
            return AllocationTableBuild(table: AllocationTable(addresses: addresses, sizes: sizes, states: states,
                                                               typeIDs: typeIDs, allocatorWords: allocatorWords),
                                        rejected: RejectedRows())
        }
        let order = sortedOrder()
        var rejected = RejectedRows()
        var kept: [Int] = []
        kept.reserveCapacity(order.count)
        var keptEnd: UInt64 = 0
        var keptRange: AddressRange?
        for row in order {
            let start = addresses[row]
            let size = sizes[row]
            let range = AddressRange(start: Address(start), size: size)
            if size > UInt64.max - start {
                rejected.record(range, conflictsWith: nil, limit: exampleLimit)
            } else if let previous = keptRange, start < keptEnd || start == previous.start.rawValue {
                rejected.record(range, conflictsWith: previous, limit: exampleLimit)
            } else {
                kept.append(row)
                keptEnd = start + size
                keptRange = range
            }
        }
        let table: AllocationTable
        if kept.count == addresses.count && kept.elementsEqual(addresses.indices) {
            table = AllocationTable(addresses: addresses, sizes: sizes, states: states,
                                    typeIDs: typeIDs, allocatorWords: allocatorWords)
        } else {
            table = AllocationTable(addresses: kept.map { addresses[$0] }, sizes: kept.map { sizes[$0] },
                                    states: kept.map { states[$0] }, typeIDs: kept.map { typeIDs[$0] },
                                    allocatorWords: kept.map { allocatorWords[$0] })
        }
        return AllocationTableBuild(table: table, rejected: rejected)
    }

    /// Whether the rows were appended in strictly increasing address order, each ending at or
    /// before the next one starts and none wrapping past 2^64: the rows `build` keeps, all of them.
    private func isSortedWithoutOverlaps() -> Bool {
        var end: UInt64 = 0
        for row in addresses.indices {
            let start = addresses[row], size = sizes[row]
            guard size <= UInt64.max - start, row == 0 || start >= end && start > addresses[row - 1] else { return false }
            end = start + size
        }
        return true
    }

    /// Row indices in address order, ties in append order. Walkers mostly append in order,
    /// so an already sorted builder costs one comparison per row.
    private func sortedOrder() -> [Int] {
        var sorted = true
        var index = 1
        while sorted, index < addresses.count {
            sorted = addresses[index - 1] < addresses[index]
            index += 1
        }
        if sorted { return Array(addresses.indices) }
        // Sorting (address, position) pairs keeps the comparisons in one contiguous array.
        var keys = addresses.indices.map { SortKey(address: addresses[$0], position: UInt32($0)) }
        keys.sort()
        return keys.map { Int($0.position) }
    }
}

private struct SortKey: Comparable {
    var address: UInt64
    var position: UInt32

    static func < (lhs: SortKey, rhs: SortKey) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.position < rhs.position
    }
}

/// A built table and what had to be left out of it.
public struct AllocationTableBuild: Sendable {
    public var table: AllocationTable
    public var rejected: RejectedRows
}

/// Rows dropped while building a table: a count, and a few examples for one aggregated warning.
public struct RejectedRows: Sendable, Equatable {
    public struct Example: Sendable, Equatable {
        public var rejected: AddressRange
        /// The kept row it overlaps; nil when its end wraps past 2^64.
        public var conflictsWith: AddressRange?
    }

    public private(set) var count = 0
    public private(set) var examples: [Example] = []

    mutating func record(_ range: AddressRange, conflictsWith kept: AddressRange?, limit: Int) {
        count += 1
        if examples.count < limit { examples.append(Example(rejected: range, conflictsWith: kept)) }
    }
}
