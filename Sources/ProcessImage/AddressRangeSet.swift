import CoreFile

/// A word predicate: "points into one of these ranges" (the heap's arenas,
/// a module's data), for conservative pointer scans.
///
/// The ranges are merged and sorted once. A test first checks the whole
/// span, which rejects most words (small integers, text); then a bucket
/// table over the span (at most 4096 buckets) narrows the search to the
/// ranges that start inside the word's bucket, usually none or one.
///
/// Why buckets and not a plain binary search: heap words are random, so each
/// step of a binary search is a coin flip for the branch predictor, and LLVM
/// turns a branch-free select in such a loop back into a branch (x86's cmov
/// converter). The table makes the search short and its branches predictable.
public struct AddressRangeSet: WordPredicate, Sendable {
    @usableFromInline let starts: [UInt64]
    @usableFromInline let ends: [UInt64]
    @usableFromInline let lowest: UInt64
    /// `highest - lowest`: a word matches only if `word - lowest` is below it.
    @usableFromInline let span: UInt64
    /// log2 of the bucket size.
    @usableFromInline let shift: UInt64
    /// For each bucket boundary, the last range starting at or below it; a
    /// word in bucket b lies in range `buckets[b] ... buckets[b + 1]` or in none.
    @usableFromInline let buckets: [Int32]

    static let maximumBuckets: UInt64 = 4096

    public init(_ ranges: [AddressRange]) {
        let merged = mergedSorted(ranges)
        starts = merged.map(\.start.rawValue)
        ends = merged.map(\.end.rawValue)
        lowest = starts.first ?? 0
        span = (ends.last ?? 0) &- lowest
        var shift: UInt64 = 0
        while span > 0, (span - 1) >> shift >= Self.maximumBuckets { shift += 1 }
        self.shift = shift
        let count = span == 0 ? 0 : Int((span - 1) >> shift) + 2
        var buckets = [Int32](repeating: 0, count: count)
        var range = 0
        for bucket in 0..<count {
            let boundary = lowest &+ (UInt64(bucket) << shift)
            while range + 1 < starts.count, starts[range + 1] <= boundary { range += 1 }
            buckets[bucket] = Int32(range)
        }
        self.buckets = buckets
    }

    public var ranges: [AddressRange] {
        zip(starts, ends).map { AddressRange(start: Address($0), end: Address($1)) }
    }

    public func contains(_ address: Address) -> Bool { matches(address.rawValue) }

    @inlinable
    public func matches(_ word: UInt64) -> Bool {
        let offset = word &- lowest
        guard offset < span else { return false }
        return buckets.withUnsafeBufferPointer { buckets in
            starts.withUnsafeBufferPointer { starts in
                let bucket = Int(truncatingIfNeeded: offset >> shift)
                var low = Int(buckets[bucket]), high = Int(buckets[bucket &+ 1])
                // The last range in [low, high] starting at or below the word.
                while low < high {
                    let middle = (low &+ high &+ 1) / 2
                    if starts[middle] <= word { low = middle } else { high = middle &- 1 }
                }
                return ends.withUnsafeBufferPointer { word < $0[low] }
            }
        }
    }
}
