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

    /// How many successors a node has; `successor(of:at:)` reads them by index.
    @inline(__always) func successorCount(of node: UInt32) -> Int {
        let node = Int(node)
        if node >= rowBase { return graph.edgeOffsets[node - rowBase + 1] - graph.edgeOffsets[node - rowBase] }
        if node >= labelBase { return graph.labelEdgeOffsets[node - labelBase + 1] - graph.labelEdgeOffsets[node - labelBase] }
        return upperOffsets[node + 1] - upperOffsets[node]
    }

    @inline(__always) func successor(of node: UInt32, at index: Int) -> UInt32 {
        let node = Int(node)
        if node >= rowBase { return UInt32(rowBase) + graph.targets[graph.edgeOffsets[node - rowBase] + index] }
        if node >= labelBase { return UInt32(rowBase) + graph.labelEdgeTargets[graph.labelEdgeOffsets[node - labelBase] + index] }
        return upperTargets[upperOffsets[node] + index]
    }
}
