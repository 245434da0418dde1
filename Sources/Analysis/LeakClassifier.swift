import BitCollections
import Dispatch

/// The category of an allocation in a leak report, as LeakSanitizer and Valgrind's Memcheck
/// name them.
public enum LeakKind: UInt8, Sendable, CaseIterable {
    /// A chain of start pointers leads to it from a root ("still reachable").
    case reachable
    /// Reachable from the roots, but every chain passes through at least one interior pointer
    /// ("possibly lost").
    case possible
    /// Unreachable, and held by another leaked block ("indirectly lost"); its cluster's leader
    /// is the direct leak that holds it.
    case indirect
    /// Unreachable and held by no other leaked block, or the one block chosen to lead a leaked
    /// cycle ("definitely lost").
    case direct
    /// The allocator holds it free: never a leak, never a root.
    case free

    public var name: String {
        switch self {
        case .reachable: return "reachable"
        case .possible: return "possible"
        case .indirect: return "indirect"
        case .direct: return "direct"
        case .free: return "free"
        }
    }

    public var isLeak: Bool { self == .possible || self == .indirect || self == .direct }
}

/// Every row of a table in its leak category, with the leader of each leaked cluster.
public struct LeakClassification: Sendable {
    public let kinds: [LeakKind]
    /// For a direct or indirect row, the direct row leading its cluster (a direct row leads
    /// itself); -1 for every other row.
    public let leaders: [Int32]

    public func leader(of row: Int) -> Int? { leaders[row] < 0 ? nil : Int(leaders[row]) }
}

/// Sorts the rows of a leak graph into categories (see `LeakKind`).
///
/// Two marks run at once, one per core: from the roots through start pointers only, and
/// through any pointer. Rows only the second reaches are possible leaks; rows neither reaches
/// are leaked, and split into clusters (`LeakClusters`).
public enum LeakClassifier {
    /// - Parameters:
    ///   - rootRows: rows that are roots themselves (the allocator's own blocks, dynamic TLS):
    ///     reachable, and followed. Free rows among them are ignored.
    public static func classify(table: AllocationTable, graph: LeakGraph, rootRows: BitArray? = nil) -> LeakClassification {
        precondition(graph.rowCount == table.count, "the graph belongs to another table")
        let starts = rootRows.map { rows in
            rows.indices.filter { rows[$0] && table.states[$0].isAllocated }
        } ?? []
        var marks: [[UInt64]] = [[], []]
        marks.withUnsafeMutableBufferPointer { slots in
            let shared = UncheckedSendable(slots)
            DispatchQueue.concurrentPerform(iterations: 2) { pass in
                let throughInterior = pass == 1
                let rootRows = graph.rootEdges.lazy.filter { throughInterior || $0 & 1 == 0 }.map { Int($0 >> 1) }
                shared.value[pass] = graph.markWords(from: starts + rootRows, throughInterior: throughInterior)
            }
        }
        var kinds = [LeakKind](repeating: .reachable, count: table.count)
        var leaked: [Int] = []
        for row in 0..<table.count {
            let bit: UInt64 = 1 << UInt64(row & 63)
            if !table.states[row].isAllocated {
                kinds[row] = .free
            } else if marks[0][row >> 6] & bit != 0 {
                kinds[row] = .reachable
            } else if marks[1][row >> 6] & bit != 0 {
                kinds[row] = .possible
            } else {
                leaked.append(row)
            }
        }
        let clusters = LeakClusters(graph: graph, leaked: leaked)
        var leaders = [Int32](repeating: -1, count: table.count)
        for (slot, row) in leaked.enumerated() {
            let leader = clusters.leaders[slot]
            leaders[row] = Int32(leader)
            kinds[row] = leader == row ? .direct : .indirect
        }
        return LeakClassification(kinds: kinds, leaders: leaders)
    }
}

extension LeakGraph {
    /// The rows reachable from `starts` as mark words (bit r of word r / 64), following only
    /// start pointers unless `throughInterior`. One explicit stack, each row pushed once.
    func markWords(from starts: [Int], throughInterior: Bool) -> [UInt64] {
        var marks = [UInt64](repeating: 0, count: (rowCount + 63) / 64)
        let stack = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(rowCount, 1))
        defer { stack.deallocate() }
        var depth = 0
        let skipMask: UInt32 = throughInterior ? 0 : 1
        marks.withUnsafeMutableBufferPointer { marks in
            @inline(__always) func visit(_ row: Int) {
                let bit: UInt64 = 1 << UInt64(row & 63)
                if marks[row >> 6] & bit != 0 { return }
                marks[row >> 6] |= bit
                stack[depth] = UInt32(truncatingIfNeeded: row)
                depth += 1
            }
            for row in starts where row >= 0 && row < rowCount { visit(row) }
            edges.withUnsafeBufferPointer { edges in
                edgeOffsets.withUnsafeBufferPointer { offsets in
                    while depth > 0 {
                        depth -= 1
                        let row = Int(stack[depth])
                        for edge in offsets[row]..<offsets[row + 1] where edges[edge] & skipMask == 0 {
                            visit(Int(edges[edge] >> 1))
                        }
                    }
                }
            }
        }
        return marks
    }
}
