/// A coarse index over sorted, non-overlapping rows: the address span is cut into equal
/// power-of-two buckets, and each bucket remembers the few rows that can hold its addresses.
/// A lookup is then a binary search over those rows instead of over the whole table.
///
/// Where allocations cluster (glibc's main heap against its mmapped chunks far away) a bucket
/// can hold many rows; the search stays correct, only less narrowed.
struct AddressIndex: Sendable {
    let lowest: UInt64
    /// The highest end of any row.
    let highest: UInt64
    let shift: UInt64
    /// For bucket b, the last row starting at or below the bucket's first address (0 if none).
    /// One extra entry, so that `candidates[b + 1]` always exists.
    let candidates: [UInt32]

    init(addresses: [UInt64], sizes: [UInt64]) {
        precondition(addresses.count < Int(UInt32.max), "more rows than an index can address")
        guard let first = addresses.first else {
            lowest = 0
            highest = 0
            shift = 63
            candidates = [0, 0]
            return
        }
        var end: UInt64 = 0
        for row in addresses.indices { end = max(end, addresses[row] + sizes[row]) }
        lowest = first
        highest = max(end, first &+ 1)
        // About eight rows per bucket: the search then stays within one or two cache lines of
        // `starts`, and the bucket array (half a byte per row) stays small enough to be cached.
        let targetBuckets = UInt64(max(1, addresses.count / 8))
        let span = highest - lowest
        var bucketShift: UInt64 = 3
        while bucketShift < 63, (span >> bucketShift) > targetBuckets { bucketShift += 1 }
        shift = bucketShift
        let bucketCount = Int(span >> bucketShift) + 1
        var table = [UInt32](repeating: 0, count: bucketCount + 1)
        var next = 0
        for bucket in 0...bucketCount {
            let bucketStart = lowest &+ (UInt64(bucket) << bucketShift)
            while next < addresses.count, addresses[next] <= bucketStart { next += 1 }
            table[bucket] = UInt32(max(0, next - 1))
        }
        candidates = table
    }

    /// The row containing `value`, or -1.
    @inline(__always)
    func row(containing value: UInt64, starts: UnsafeBufferPointer<UInt64>,
             sizes: UnsafeBufferPointer<UInt64>) -> Int {
        let row = lastRow(startingAtOrBelow: value, starts: starts, stride: 1)
        return row >= 0 && value - starts[row] < sizes[row] ? row : -1
    }

    /// The row containing `value` in `bounds`, interleaved (start, end) pairs, or -1.
    @inline(__always)
    func allocatedRow(containing value: UInt64, bounds: UnsafeBufferPointer<UInt64>) -> Int {
        let row = lastRow(startingAtOrBelow: value, starts: bounds, stride: 2)
        return row >= 0 && value < bounds[2 * row + 1] ? row : -1
    }

    /// The last row whose start, read at `starts[stride * row]`, is at or below `value`; -1
    /// when `value` lies outside all rows.
    @inline(__always)
    private func lastRow(startingAtOrBelow value: UInt64, starts: UnsafeBufferPointer<UInt64>, stride: Int) -> Int {
        guard value >= lowest, value < highest else { return -1 }
        let bucket = Int((value - lowest) >> shift)
        // The answer lies in [low, high].
        var low = Int(candidates[bucket])
        var high = Int(candidates[bucket + 1])
        while low < high {
            let middle = (low + high + 1) >> 1
            if starts[stride * middle] <= value { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
