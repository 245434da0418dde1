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
    ///
    /// The marks live in a plain word array while the walk runs (a `BitArray` subscript per
    /// edge costs more than the edge itself), and are copied into the result once.
    public func reachableRows(from starts: some Sequence<Int>, heldBack: BitArray? = nil) -> BitArray {
        let wordCount = (rowCount + 63) / 64
        var markWords = [UInt64](repeating: 0, count: wordCount)
        if let heldBack {
            // Held-back rows start marked, so the walk skips them; they are cleared at the end.
            for row in heldBack.indices where heldBack[row] { markWords[row >> 6] |= 1 << UInt64(row & 63) }
        }
        // Each row is pushed at most once (it is marked when pushed), so the stack never
        // outgrows the row count: one allocation, no growth checks in the loop.
        let stack = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(rowCount, 1))
        defer { stack.deallocate() }
        var depth = 0
        markWords.withUnsafeMutableBufferPointer { marks in
            @inline(__always) func visit(_ row: Int) {
                let bit: UInt64 = 1 << UInt64(row & 63)
                if marks[row >> 6] & bit != 0 { return }
                marks[row >> 6] |= bit
                stack[depth] = UInt32(truncatingIfNeeded: row)
                depth += 1
            }
            for row in starts where row >= 0 && row < rowCount { visit(row) }
            // Rows are taken from the stack a batch at a time: their edge ranges, then their
            // targets, are loads independent of each other, so the CPU overlaps their cache
            // misses instead of waiting for one row's edges before it can fetch the next row's.
            let batchLimit = 32
            var batchStarts = (0..<batchLimit).map { _ in 0 }
            var batchEnds = batchStarts
            targets.withUnsafeBufferPointer { targets in
                edgeOffsets.withUnsafeBufferPointer { offsets in
                    while depth > 0 {
                        let batchCount = min(batchLimit, depth)
                        for slot in 0..<batchCount {
                            depth -= 1
                            let row = Int(stack[depth])
                            batchStarts[slot] = offsets[row]
                            batchEnds[slot] = offsets[row + 1]
                        }
                        for slot in 0..<batchCount {
                            for edge in batchStarts[slot]..<batchEnds[slot] { visit(Int(targets[edge])) }
                        }
                    }
                }
            }
        }
        if let heldBack {
            for row in heldBack.indices where heldBack[row] { markWords[row >> 6] &= ~(1 << UInt64(row & 63)) }
        }
        var marked = BitArray(repeating: false, count: rowCount)
        for (index, word) in markWords.enumerated() where word != 0 {
            var remaining = word
            while remaining != 0 {
                marked[index << 6 | remaining.trailingZeroBitCount] = true
                remaining &= remaining - 1
            }
        }
        return marked
    }
}
