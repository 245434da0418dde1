/// The graph with every edge turned around, for the analyses that walk from an object
/// towards the roots: dominators, "who holds this".
public struct ReversedObjectGraph: Sendable {
    /// The rows pointing to row r are `sources[edgeOffsets[r] ..< edgeOffsets[r + 1]]`,
    /// ascending, one entry per pointer word as in the forward graph.
    public let edgeOffsets: [Int]
    public let sources: [UInt32]

    public func predecessors(of row: Int) -> ArraySlice<UInt32> {
        sources[edgeOffsets[row]..<edgeOffsets[row + 1]]
    }
}

extension ObjectGraph {
    /// Turns the edges around with a counting sort: two passes, no per-row arrays.
    public func reversed() -> ReversedObjectGraph {
        var offsets = [Int](repeating: 0, count: rowCount + 1)
        for target in targets { offsets[Int(target) + 1] += 1 }
        for row in 0..<rowCount { offsets[row + 1] += offsets[row] }
        var next = offsets
        var sources = [UInt32](repeating: 0, count: targets.count)
        // Sources are visited in ascending order, so each row's predecessors come out sorted.
        for source in 0..<rowCount {
            for edge in edgeOffsets[source]..<edgeOffsets[source + 1] {
                let target = Int(targets[edge])
                sources[next[target]] = UInt32(source)
                next[target] += 1
            }
        }
        return ReversedObjectGraph(edgeOffsets: offsets, sources: sources)
    }
}
