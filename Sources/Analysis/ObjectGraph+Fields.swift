extension ObjectGraph {
    /// An `edgeTargetOffsets` entry for a pointer more than 4 GiB into its target.
    public static let unknownOffset = UInt32.max

    /// Whether the graph kept where each edge lies (`build(…, recordingFields: true)`).
    public var recordsFields: Bool { edgeWords.count == targets.count }

    /// The edge whose pointer is word `word` of `row`, or nil when that word points into no
    /// allocated row or was not scanned. Needs `recordsFields`. A row's edges lie in word order,
    /// so this is a binary search over that row's edges alone.
    @inline(__always)
    public func edge(from row: Int, atWord word: UInt32) -> Int? {
        var low = edgeOffsets[row]
        var high = edgeOffsets[row + 1]
        while low < high {
            let middle = (low + high) >> 1
            let found = edgeWords[middle]
            if found == word { return middle }
            if found < word { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
