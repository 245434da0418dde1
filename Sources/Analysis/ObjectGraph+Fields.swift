extension ObjectGraph {
    /// An `edgeTargetOffset` for a pointer 4 GiB or more into its target.
    public static let unknownOffset = UInt32.max

    /// Whether the graph kept where each edge lies (`build(…, recordingFields: true)`).
    public var recordsFields: Bool { edgeFields.count == targets.count }

    /// The index of the word holding edge `edge`'s pointer inside its source row.
    @inline(__always)
    public func edgeWord(_ edge: Int) -> UInt32 { UInt32(truncatingIfNeeded: edgeFields[edge] >> 32) }

    /// How many bytes into its target row edge `edge`'s pointer points, or `unknownOffset`.
    @inline(__always)
    public func edgeTargetOffset(_ edge: Int) -> UInt32 { UInt32(truncatingIfNeeded: edgeFields[edge]) }

    /// The edge whose pointer is word `word` of `row`, or nil when that word points into no
    /// allocated row or was not scanned. Needs `recordsFields`. A row's edges lie in word order,
    /// so this is a binary search over that row's edges alone.
    @inline(__always)
    public func edge(from row: Int, atWord word: UInt32) -> Int? {
        edge(in: edgeOffsets[row]..<edgeOffsets[row + 1], atWord: word)
    }

    /// As `edge(from:atWord:)`, given the row's edges (`edgeOffsets[row] ..< edgeOffsets[row + 1]`).
    @inline(__always)
    public func edge(in edges: Range<Int>, atWord word: UInt32) -> Int? {
        var low = edges.lowerBound
        var high = edges.upperBound
        while low < high {
            let middle = (low + high) >> 1
            let found = edgeWord(middle)
            if found == word { return middle }
            if found < word { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// One `edgeFields` entry; word indexes and offsets past 32 bits saturate.
    static func edgeField(word: UInt64, targetOffset: UInt64) -> UInt64 {
        UInt64(UInt32(clamping: word)) << 32 | UInt64(UInt32(clamping: targetOffset))
    }
}
