/// Shortest paths from the roots to objects: a breadth-first search over an `ObjectGraph`.
///
/// The search starts from a list of root edges (rows the roots point into, in the order the
/// caller prefers them: among paths of equal length, the one from the earlier root edge wins)
/// and records, for every row it reaches, the row or root edge it was first reached from.
/// That is one flat `UInt32` per row and one queue allocated once at the row count (each row
/// is queued at most once); nothing is allocated per row, and no memory is read.
public struct ObjectPaths: Sendable {
    /// A path from a root to a row: the root edge it leaves from, then the rows in order,
    /// from the row the root points into to the row asked for.
    public struct Path: Sendable, Equatable {
        /// Index into the root edges the search started from.
        public let rootEdge: Int
        public let rows: [UInt32]
    }

    public let rowCount: Int
    /// By row: the row it was reached from, `rowCount + k` when root edge k points to it,
    /// `unreached` when the search did not reach it.
    private let parents: [UInt32]
    private static let unreached = UInt32.max

    /// Searches from `rootEdges` (rows; an out-of-range row is skipped). With `target`, the
    /// search stops as soon as that row is reached: `path(to: target)` is then shortest, and
    /// paths to other rows are only those found so far.
    public init(graph: ObjectGraph, rootEdges: [UInt32], stoppingAt target: Int? = nil) {
        self.init(rowCount: graph.rowCount, edgeOffsets: graph.edgeOffsets, targets: graph.targets, targetShift: 0,
                  rootEdges: rootEdges, stoppingAt: target)
    }

    /// The same search over any compressed adjacency: the successors of row r are
    /// `targets[edgeOffsets[r] ..< edgeOffsets[r + 1]] >> targetShift` (a `LeakGraph` keeps a
    /// flag in each edge's low bit).
    init(rowCount: Int, edgeOffsets: [Int], targets: [UInt32], targetShift: UInt32, rootEdges: [UInt32],
         stoppingAt target: Int?) {
        self.rowCount = rowCount
        precondition(UInt64(rowCount) + UInt64(rootEdges.count) < UInt64(Self.unreached),
                     "rows and root edges must fit the parent encoding")
        var parents = [UInt32](repeating: Self.unreached, count: rowCount)
        let queue = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(rowCount, 1))
        defer { queue.deallocate() }
        var tail = 0
        parents.withUnsafeMutableBufferPointer { parents in
            var found = false
            for (edge, row) in rootEdges.enumerated() where Int(row) < rowCount && parents[Int(row)] == Self.unreached {
                parents[Int(row)] = UInt32(truncatingIfNeeded: rowCount + edge)
                queue[tail] = row
                tail += 1
                if Int(row) == target { found = true }
            }
            var head = 0
            targets.withUnsafeBufferPointer { targets in
                edgeOffsets.withUnsafeBufferPointer { offsets in
                    while head < tail, !found {
                        let row = Int(queue[head])
                        head += 1
                        for edge in offsets[row]..<offsets[row + 1] {
                            let next = Int(targets[edge] >> targetShift)
                            guard parents[next] == Self.unreached else { continue }
                            parents[next] = UInt32(truncatingIfNeeded: row)
                            queue[tail] = UInt32(truncatingIfNeeded: next)
                            tail += 1
                            if next == target {
                                found = true
                                break
                            }
                        }
                    }
                }
            }
        }
        self.parents = parents
    }

    /// Whether the search reached `row`.
    public func isReached(_ row: Int) -> Bool { row >= 0 && row < rowCount && parents[row] != Self.unreached }

    /// The path by which the search first reached `row`, or nil if it did not.
    public func path(to row: Int) -> Path? {
        guard isReached(row) else { return nil }
        var rows: [UInt32] = [UInt32(row)]
        var current = Int(parents[row])
        // Parents always lead to a row reached earlier, so this ends in at most rowCount steps.
        while current < rowCount {
            rows.append(UInt32(current))
            current = Int(parents[current])
        }
        return Path(rootEdge: current - rowCount, rows: rows.reversed())
    }
}

extension ObjectGraph {
    /// One shortest path from `rootEdges` to `row`, stopping the search as soon as it is found.
    public func shortestPath(to row: Int, from rootEdges: [UInt32]) -> ObjectPaths.Path? {
        ObjectPaths(graph: self, rootEdges: rootEdges, stoppingAt: row).path(to: row)
    }
}
