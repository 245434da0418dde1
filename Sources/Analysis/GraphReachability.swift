import BitCollections

extension ObjectGraph {
    /// The rows reachable from the roots, as the mark phase over the heap computes them,
    /// but from the extracted edges alone: no memory is read.
    ///
    /// Rows in `heldBack` are treated as absent: neither marked nor followed. Marking with
    /// one row held back and comparing is how retention is measured.
    public func reachableRows(heldBack: BitArray? = nil) -> BitArray {
        reachableRows(from: rootTargets.lazy.map { Int($0) }, heldBack: heldBack)
    }

    /// The rows reachable from `starts` (themselves included), with an explicit stack.
    public func reachableRows(from starts: some Sequence<Int>, heldBack: BitArray? = nil) -> BitArray {
        var marked = BitArray(repeating: false, count: rowCount)
        var stack: [UInt32] = []
        func visit(_ row: Int) {
            if marked[row] || heldBack?[row] == true { return }
            marked[row] = true
            stack.append(UInt32(row))
        }
        for row in starts { visit(row) }
        // Rows are taken from the stack a batch at a time: their edge ranges, then their
        // targets, are loads independent of each other, so the CPU overlaps their cache misses
        // instead of waiting for one row's edges before it can fetch the next row's.
        let batchLimit = 32
        var batch: [(start: Int, end: Int)] = Array(repeating: (0, 0), count: batchLimit)
        targets.withUnsafeBufferPointer { targets in
            edgeOffsets.withUnsafeBufferPointer { offsets in
                while !stack.isEmpty {
                    let batchCount = min(batchLimit, stack.count)
                    for slot in 0..<batchCount {
                        let row = Int(stack.removeLast())
                        batch[slot] = (offsets[row], offsets[row + 1])
                    }
                    for slot in 0..<batchCount {
                        for edge in batch[slot].start..<batch[slot].end { visit(Int(targets[edge])) }
                    }
                }
            }
        }
        return marked
    }
}
