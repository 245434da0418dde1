/// Joins the edge lists that parallel workers extracted for consecutive runs of rows into one
/// compressed-sparse-rows pair (`offsets`, `targets`), as `ObjectGraph` and `LeakGraph` hold.
enum CompressedRows {
    /// Each part's offsets start at 0 and end with its edge count, which is where the next
    /// part's first row starts: that last offset is dropped so it is not written twice.
    static func join(_ parts: [(offsets: [Int], targets: [UInt32])], rowCount: Int) -> (offsets: [Int], targets: [UInt32]) {
        var offsets: [Int] = []
        offsets.reserveCapacity(rowCount + 1)
        var targets: [UInt32] = []
        targets.reserveCapacity(parts.reduce(0) { $0 + $1.targets.count })
        for part in parts {
            let base = targets.count
            for offset in part.offsets.dropLast() { offsets.append(base + offset) }
            targets.append(contentsOf: part.targets)
        }
        offsets.append(targets.count)
        return (offsets, targets)
    }
}
