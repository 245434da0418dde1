/// The graph a dominator tree is over, numbered: node 0 the virtual root, then one node per
/// label group, one per root label, then the rows.
///
/// The root points to every group, to every label outside a group and to the rows unlabeled
/// roots hold; a group points to its labels; a label to the rows its root words hold; a row
/// to the rows it points to. The upper part (root and groups) is small and kept in its own
/// compressed rows; labels and rows read the object graph's arrays in place.
struct DominatorNodes {
    let graph: ObjectGraph
    let groupNames: [String]
    /// Per label: its group's index, -1 for none.
    let labelGroups: [Int32]
    let groupCount: Int
    let labelCount: Int
    let rowCount: Int
    let labelBase: Int
    let rowBase: Int
    private let upperOffsets: [Int]
    private let upperTargets: [UInt32]

    var count: Int { rowBase + rowCount }

    init(graph: ObjectGraph) {
        self.graph = graph
        var groupIndex: [String: Int32] = [:]
        var groupNames: [String] = []
        labelGroups = graph.rootLabels.map { label in
            guard !label.group.isEmpty else { return -1 }
            if let index = groupIndex[label.group] { return index }
            groupNames.append(label.group)
            groupIndex[label.group] = Int32(groupNames.count - 1)
            return Int32(groupNames.count - 1)
        }
        self.groupNames = groupNames
        groupCount = groupNames.count
        labelCount = graph.rootLabels.count
        rowCount = graph.rowCount
        labelBase = 1 + groupCount
        rowBase = labelBase + labelCount
        precondition(rowBase + rowCount < Int(DominatorTree.unreachable), "too many rows for 32-bit node numbers")
        var upper = [[UInt32]](repeating: [], count: 1 + groupCount)
        upper[0] = (0..<groupCount).map { UInt32(1 + $0) }
        for (label, group) in labelGroups.enumerated() { upper[Int(group) + 1].append(UInt32(labelBase + label)) }
        let firstRow = UInt32(rowBase)
        upper[0] += graph.unlabeledRootTargets.map { firstRow + $0 }
        var offsets = [0]
        for targets in upper { offsets.append(offsets[offsets.count - 1] + targets.count) }
        upperOffsets = offsets
        upperTargets = upper.flatMap { $0 }
    }

    @inline(__always) func group(of node: UInt32) -> Int? {
        node >= 1 && Int(node) < labelBase ? Int(node) - 1 : nil
    }

    @inline(__always) func label(of node: UInt32) -> Int? {
        Int(node) >= labelBase && Int(node) < rowBase ? Int(node) - labelBase : nil
    }

    @inline(__always) func row(of node: UInt32) -> Int? {
        Int(node) >= rowBase ? Int(node) - rowBase : nil
    }

    /// Where a node's successors are listed: indices into the upper targets (root and
    /// groups), the label edges or the row edges, by the node's kind.
    @inline(__always) func successorRange(of node: UInt32) -> Range<Int> {
        let node = Int(node)
        if node >= rowBase { return graph.edgeOffsets[node - rowBase]..<graph.edgeOffsets[node - rowBase + 1] }
        if node >= labelBase { return graph.labelEdgeOffsets[node - labelBase]..<graph.labelEdgeOffsets[node - labelBase + 1] }
        return upperOffsets[node]..<upperOffsets[node + 1]
    }

    /// The successor at `edge`, an index in `successorRange(of: node)`.
    @inline(__always) func successor(of node: UInt32, atEdge edge: Int) -> UInt32 {
        if Int(node) >= rowBase { return UInt32(rowBase) &+ graph.targets[edge] }
        if Int(node) >= labelBase { return UInt32(rowBase) &+ graph.labelEdgeTargets[edge] }
        return upperTargets[edge]
    }

    /// Calls `body` with every edge (source, target) of the nodes `numbers` marks visited:
    /// the small upper part and the labels first, then the rows in row order, reading the
    /// graph's edge arrays front to back.
    @inline(__always) func forEachEdge(numbers: UnsafeBufferPointer<UInt32>, _ body: (UInt32, UInt32) -> Void) {
        for node in 0..<UInt32(rowBase) where numbers[Int(node)] != DepthFirstSearch.unvisited {
            for edge in successorRange(of: node) { body(node, successor(of: node, atEdge: edge)) }
        }
        let firstRow = UInt32(rowBase)
        graph.edgeOffsets.withUnsafeBufferPointer { offsets in
            graph.targets.withUnsafeBufferPointer { targets in
                for row in 0..<rowCount where numbers[rowBase + row] != DepthFirstSearch.unvisited {
                    let source = firstRow &+ UInt32(row)
                    for edge in offsets[row]..<offsets[row + 1] { body(source, firstRow &+ targets[edge]) }
                }
            }
        }
    }
}
