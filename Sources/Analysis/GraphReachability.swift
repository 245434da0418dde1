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

    /// The rows reachable from `starts` (themselves included).
    ///
    /// Reachability does not depend on the order rows are scanned in, so they are scanned in
    /// descending row order wherever the edges allow: a marked row below the row being
    /// scanned waits in a pending bitmap, and a sweep from the top row down takes them in
    /// turn. `edgeOffsets` and `targets` are then read in address order, which the cache,
    /// the prefetcher and the TLB serve, rather than in the random order of a depth-first
    /// walk (on a heap of long linked lists that is one TLB miss and more per object). A row
    /// marked above the sweep (an edge to a higher row) is scanned depth-first at once,
    /// from an explicit stack, so that every row is still scanned exactly once.
    public func reachableRows(from starts: some Sequence<Int>, heldBack: BitArray? = nil) -> BitArray {
        let wordCount = (rowCount + 63) / 64
        var markWords = [UInt64](repeating: 0, count: wordCount)
        var pendingWords = [UInt64](repeating: 0, count: wordCount)
        if let heldBack {
            // Held-back rows start marked, so the walk skips them; they are cleared at the end.
            for row in heldBack.indices where heldBack[row] { markWords[row >> 6] |= 1 << UInt64(row & 63) }
        }
        // Each row is pushed at most once (it is marked when pushed), so the stack never
        // outgrows the row count: one allocation, no growth checks in the loop.
        let stack = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(rowCount, 1))
        defer { stack.deallocate() }
        markWords.withUnsafeMutableBufferPointer { marks in
            pendingWords.withUnsafeMutableBufferPointer { pending in
                targets.withUnsafeBufferPointer { targets in
                    edgeOffsets.withUnsafeBufferPointer { offsets in
                        var sweep = GraphSweep(marks: marks, pending: pending, stack: stack, targets: targets, offsets: offsets)
                        for row in starts where row >= 0 && row < rowCount { sweep.mark(row) }
                        sweep.run()
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

/// The state of one reachability sweep over borrowed buffers.
private struct GraphSweep {
    let marks: UnsafeMutableBufferPointer<UInt64>
    /// Marked rows not yet scanned, below the sweep.
    let pending: UnsafeMutableBufferPointer<UInt64>
    let stack: UnsafeMutableBufferPointer<UInt32>
    let targets: UnsafeBufferPointer<UInt32>
    let offsets: UnsafeBufferPointer<Int>
    var depth = 0
    /// The row being scanned by the sweep; rows below it are left to the sweep. Before the
    /// sweep starts every row is below it.
    var cursor = Int.max

    init(marks: UnsafeMutableBufferPointer<UInt64>, pending: UnsafeMutableBufferPointer<UInt64>,
         stack: UnsafeMutableBufferPointer<UInt32>, targets: UnsafeBufferPointer<UInt32>, offsets: UnsafeBufferPointer<Int>) {
        self.marks = marks
        self.pending = pending
        self.stack = stack
        self.targets = targets
        self.offsets = offsets
    }

    @inline(__always)
    mutating func mark(_ row: Int) {
        let bit: UInt64 = 1 << UInt64(row & 63)
        if marks[row >> 6] & bit != 0 { return }
        marks[row >> 6] |= bit
        if row < cursor {
            pending[row >> 6] |= bit
        } else {
            stack[depth] = UInt32(truncatingIfNeeded: row)
            depth += 1
        }
    }

    @inline(__always)
    mutating func scan(_ row: Int) {
        for edge in offsets[row]..<offsets[row + 1] { mark(Int(targets[edge])) }
    }

    /// Sweeps the pending rows from the highest down; rows marked above the sweep are
    /// scanned from the stack before it moves on.
    mutating func run() {
        var word = pending.count - 1
        while word >= 0 {
            // New pending rows can appear in this word (below the cursor): take the highest each time.
            while pending[word] != 0 {
                let bit = 63 - pending[word].leadingZeroBitCount
                pending[word] &= ~(1 << UInt64(bit))
                cursor = word << 6 | bit
                scan(cursor)
                while depth > 0 {
                    depth -= 1
                    scan(Int(stack[depth]))
                }
            }
            word -= 1
        }
    }
}
