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
        targets.withUnsafeBufferPointer { targets in
            edgeOffsets.withUnsafeBufferPointer { offsets in
                while let row = stack.popLast() {
                    for edge in offsets[Int(row)]..<offsets[Int(row) + 1] { visit(Int(targets[edge])) }
                }
            }
        }
        return marked
    }
}
