import CoreFile

/// A word predicate: "points into one of these ranges" (the heap's arenas,
/// a module's data), for conservative pointer scans.
///
/// The ranges are merged and sorted once; a test is a bounds check against
/// the whole span, which rejects most words (small integers, text), then a
/// binary search over the starts.
public struct AddressRangeSet: WordPredicate, Sendable {
    @usableFromInline let starts: [UInt64]
    @usableFromInline let ends: [UInt64]
    @usableFromInline let lowest: UInt64
    @usableFromInline let highest: UInt64

    public init(_ ranges: [AddressRange]) {
        let merged = mergedSorted(ranges)
        starts = merged.map(\.start.rawValue)
        ends = merged.map(\.end.rawValue)
        lowest = starts.first ?? 0
        highest = ends.last ?? 0
    }

    public var ranges: [AddressRange] {
        zip(starts, ends).map { AddressRange(start: Address($0), end: Address($1)) }
    }

    public func contains(_ address: Address) -> Bool { matches(address.rawValue) }

    @inlinable
    public func matches(_ word: UInt64) -> Bool {
        guard word &- lowest < highest &- lowest else { return false }
        return starts.withUnsafeBufferPointer { starts in
            // The last range starting at or below the word.
            var low = 0, count = starts.count
            while count > 1 {
                let half = count / 2
                if starts[low &+ half] <= word { low &+= half }
                count &-= half
            }
            return ends.withUnsafeBufferPointer { word < $0[low] }
        }
    }
}
