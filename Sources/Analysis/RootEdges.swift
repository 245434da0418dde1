/// The root words that point into the heap, grouped by the label of their root (compressed
/// sparse rows, as the object graph's own edges).
///
/// Edges of label l are `targets[offsets[l] ..< offsets[l + 1]]`, one per root word, in the
/// order the roots were given, with `sources` the address of the word (0 for a register or a
/// word read from a runtime structure). Roots without a label keep only their targets.
struct RootEdges {
    var labels: [RootLabel]
    var offsets: [Int]
    var targets: [UInt32]
    var sources: [UInt64]
    /// Rows that unlabeled roots point into, ascending, each once.
    var unlabeledTargets: [UInt32]
    /// Every row any root points into, ascending, each once.
    var allTargets: [UInt32]

    init(roots: MarkRoots, scanner: PointerScanner) {
        labels = roots.labels
        var edgeLabels: [Int32] = []
        var edgeTargets: [UInt32] = []
        var edgeSources: [UInt64] = []
        var unlabeled: [UInt32] = []
        func add(row: Int, source: UInt64, label: Int32) {
            if label >= 0, Int(label) < roots.labels.count {
                edgeLabels.append(label)
                edgeTargets.append(UInt32(row))
                edgeSources.append(source)
            } else {
                unlabeled.append(UInt32(row))
            }
        }
        for (index, word) in roots.words.enumerated() {
            let row = scanner.lookup.allocatedRow(containing: word)
            if row >= 0 { add(row: row, source: 0, label: roots.label(ofWord: index)) }
        }
        for root in roots.ranges {
            scanner.forEachPointer(start: root.range.start.rawValue, size: root.range.size,
                                   pointers: root.pointers) { row, source, _ in
                add(row: row, source: source, label: root.label)
            }
        }
        // A counting sort by label keeps each label's edges in root order.
        var offsets = [Int](repeating: 0, count: labels.count + 1)
        for label in edgeLabels { offsets[Int(label) + 1] += 1 }
        for index in labels.indices { offsets[index + 1] += offsets[index] }
        var next = offsets
        var targets = [UInt32](repeating: 0, count: edgeTargets.count)
        var sources = [UInt64](repeating: 0, count: edgeTargets.count)
        for edge in edgeTargets.indices {
            let slot = next[Int(edgeLabels[edge])]
            targets[slot] = edgeTargets[edge]
            sources[slot] = edgeSources[edge]
            next[Int(edgeLabels[edge])] = slot + 1
        }
        self.offsets = offsets
        self.targets = targets
        self.sources = sources
        unlabeledTargets = Self.sortedUnique(unlabeled)
        allTargets = Self.sortedUnique(unlabeled + edgeTargets)
    }

    static func sortedUnique(_ rows: [UInt32]) -> [UInt32] {
        let sorted = rows.sorted()
        var result: [UInt32] = []
        result.reserveCapacity(sorted.count)
        for value in sorted where result.last != value { result.append(value) }
        return result
    }
}
