import Analysis
import CoreFile

/// A pointer word the walker follows: its value and, when the object graph already resolved
/// it, the allocated row it points into (-1: not known, look it up).
struct FollowedPointer {
    var value: UInt64
    var target: Int
}

/// The heap object a pending value lies in: its row and the range of its edges in the graph,
/// looked up when the object is claimed, so that following the value's pointers later does
/// not wait for one more random load.
struct HeapPlace {
    var row: Int32
    var edges: Range<Int>

    /// Not in a heap object (a global), or not known: pointers are read from the core.
    static let outside = HeapPlace(row: -1, edges: 0..<0)
}

/// Following pointer fields through the object graph instead of the core.
///
/// Marking's sequential pass already read every pointer word of the heap and resolved it to
/// a row. With the graph at hand, a typed field of a heap object is found among its row's
/// edges by its word index: no read of the core (whose pages that pass released), no search
/// of the allocation table. A word with no edge (nil, outside the heap, or a word the
/// runtime's pointer bits do not cover) is read from the core as before, so the result does
/// not depend on whether the graph is there.
extension GoHeapTypeWalker {
    /// Where row `row`'s values lie: the row, and its edges when the walker has the graph.
    func place(ofRow row: Int) -> HeapPlace {
        guard let graph else { return HeapPlace(row: Int32(row), edges: 0..<0) }
        return HeapPlace(row: Int32(row), edges: graph.edgeOffsets[row]..<graph.edgeOffsets[row + 1])
    }

    /// The pointer in the word at `address`, a word of the heap object at `place`.
    mutating func pointer(at address: UInt64, in place: HeapPlace) -> FollowedPointer {
        if place.row >= 0, let graph {
            let source = Int(place.row)
            let offset = address &- table.addresses[source]
            if offset < table.sizes[source], offset & 7 == 0,
               let edge = graph.edge(in: place.edges, atWord: UInt32(clamping: offset >> 3)) {
                let targetOffset = graph.edgeTargetOffset(edge)
                if targetOffset != ObjectGraph.unknownOffset {
                    let target = Int(graph.targets[edge])
                    counters.graphPointers += 1
                    return FollowedPointer(value: table.addresses[target] + UInt64(targetOffset), target: target)
                }
            }
        }
        counters.readPointers += 1
        return FollowedPointer(value: word(at: address), target: -1)
    }

    /// The allocated row holding `address`: what a pointer to it can type.
    func allocatedRow(containing address: UInt64) -> Int? {
        guard let row = table.row(containing: Address(address)), table.states[row].isAllocated else { return nil }
        return row
    }
}
