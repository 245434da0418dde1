import HeapModule

/// A count of allocations and their bytes.
public struct Tally: Hashable, Sendable {
    public var count: UInt64 = 0
    public var bytes: UInt64 = 0

    public init(count: UInt64 = 0, bytes: UInt64 = 0) {
        self.count = count
        self.bytes = bytes
    }

    public mutating func add(bytes size: UInt64) {
        count += 1
        bytes &+= size
    }
}

/// Tallies split by allocation state, so one histogram row answers "live" and "garbage" both.
public struct StateTallies: Hashable, Sendable {
    public var live = Tally()
    public var free = Tally()
    public var garbage = Tally()
    public var unknown = Tally()

    public init() {}

    public subscript(state: AllocationState) -> Tally {
        get {
            switch state {
            case .live: live
            case .free: free
            case .garbage: garbage
            case .unknown: unknown
            }
        }
        set {
            switch state {
            case .live: live = newValue
            case .free: free = newValue
            case .garbage: garbage = newValue
            case .unknown: unknown = newValue
            }
        }
    }

    /// Everything the allocator holds as in use: live, garbage and not yet decided.
    public var allocated: Tally {
        Tally(count: live.count + garbage.count + unknown.count,
              bytes: live.bytes &+ garbage.bytes &+ unknown.bytes)
    }
}

/// Allocations counted by a key (a type, a size, a size class), each key's tallies split by state.
///
/// Buckets are in ascending key order, which is also the order of ties in `top`, so the same
/// table always renders the same way.
public struct Histogram<Key: Hashable & Comparable & Sendable>: Sendable {
    public struct Bucket: Hashable, Sendable {
        public var key: Key
        public var tallies: StateTallies
    }

    public let buckets: [Bucket]

    /// Counts every row of `table` under `key(row)`. One pass, one dictionary entry per key.
    public init(_ table: AllocationTable, key: (Int) -> Key) {
        var positions: [Key: Int] = [:]
        var buckets: [Bucket] = []
        for row in 0..<table.count {
            let rowKey = key(row)
            let position: Int
            if let known = positions[rowKey] {
                position = known
            } else {
                position = buckets.count
                positions[rowKey] = position
                buckets.append(Bucket(key: rowKey, tallies: StateTallies()))
            }
            buckets[position].tallies[table.states[row]].add(bytes: table.sizes[row])
        }
        self.buckets = buckets.sorted { $0.key < $1.key }
    }

    /// The sum of all buckets.
    public var total: StateTallies {
        var sum = StateTallies()
        for bucket in buckets {
            for state in AllocationState.allCases {
                sum[state].count += bucket.tallies[state].count
                sum[state].bytes &+= bucket.tallies[state].bytes
            }
        }
        return sum
    }

    /// The `n` buckets with the largest `measure`, largest first; ties keep key order, and
    /// buckets measuring 0 are left out. Keeps a heap of `n` candidates instead of sorting
    /// every bucket.
    public func top(_ n: Int, by measure: (StateTallies) -> UInt64) -> [Bucket] {
        guard n > 0 else { return [] }
        var best = Heap<RankedBucket>()
        for position in buckets.indices {
            let value = measure(buckets[position].tallies)
            guard value > 0 else { continue }
            best.insert(RankedBucket(measure: value, position: position))
            if best.count > n { _ = best.removeMin() }
        }
        var result: [Bucket] = []
        result.reserveCapacity(best.count)
        while let ranked = best.popMax() { result.append(buckets[ranked.position]) }
        return result
    }
}

/// Orders buckets from worst to best: smaller measure first, and on equal measure the later
/// bucket first, so that the earlier one wins the tie.
private struct RankedBucket: Comparable {
    var measure: UInt64
    var position: Int

    static func < (lhs: RankedBucket, rhs: RankedBucket) -> Bool {
        lhs.measure != rhs.measure ? lhs.measure < rhs.measure : lhs.position > rhs.position
    }
}

extension Histogram where Key == TypeID {
    /// One bucket per type id in use.
    public init(byTypeOf table: AllocationTable) {
        self.init(table) { table.typeIDs[$0] }
    }
}

extension Histogram where Key == UInt64 {
    /// One bucket per allocation size.
    public init(bySizeOf table: AllocationTable) {
        self.init(table) { table.sizes[$0] }
    }
}

extension Histogram where Key == Int {
    /// One bucket per size class: class i holds sizes up to `classSizes[i]` (ascending, as Go's
    /// `class_to_size` or glibc's bin limits), and class `classSizes.count` holds larger ones.
    public init(bySizeClassOf table: AllocationTable, classSizes: [UInt64]) {
        precondition(zip(classSizes, classSizes.dropFirst()).allSatisfy { $0 < $1 }, "class sizes must ascend")
        self.init(table) { row in
            let size = table.sizes[row]
            var low = 0
            var high = classSizes.count
            while low < high {
                let middle = (low + high) / 2
                if classSizes[middle] < size { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}

extension AllocationTable {
    /// Counts and bytes by state over the whole table.
    public var tallies: StateTallies {
        var result = StateTallies()
        for row in 0..<count { result[states[row]].add(bytes: sizes[row]) }
        return result
    }
}
