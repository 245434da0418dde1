/// Joins the edge lists that parallel workers extracted for consecutive runs of rows into one
/// compressed-sparse-rows pair (`offsets`, `targets`), as `ObjectGraph` and `LeakGraph` hold.
enum CompressedRows {
    /// Each part's offsets start at 0 and end with its edge count, which is where the next
    /// part's first row starts: that last offset is dropped so it is not written twice. Each
    /// part is emptied once copied, so the peak holds the edges about once and a half, not twice.
    static func join(_ parts: inout [(offsets: [UInt32], targets: [UInt32])], rowCount: Int) -> (offsets: [Int], targets: [UInt32]) {
        var offsets: [Int] = []
        offsets.reserveCapacity(rowCount + 1)
        var targets: [UInt32] = []
        targets.reserveCapacity(parts.reduce(0) { $0 + $1.targets.count })
        for index in parts.indices {
            let part = parts[index]
            parts[index] = ([], [])
            let base = targets.count
            for offset in part.offsets.dropLast() { offsets.append(base + Int(offset)) }
            targets.append(contentsOf: part.targets)
        }
        offsets.append(targets.count)
        return (offsets, targets)
    }

    /// A run's edge count as a part's offset: 4 bytes a row while the workers run, not 8.
    static func partOffset(_ count: Int) -> UInt32 {
        precondition(count < Int(UInt32.max), "more edges in one run than a graph part can count")
        return UInt32(count)
    }
}
