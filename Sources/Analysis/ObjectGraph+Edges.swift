extension ObjectGraph {
    /// A graph from edges already in hand rather than read from memory: for walkers that find
    /// edges another way, and for tests of the analyses over the graph.
    ///
    /// - Parameters:
    ///   - successors: the rows each row points to, one entry per pointer.
    ///   - labelTargets: for each of `rootLabels`, the rows its root words point to.
    ///   - unlabeledRootTargets: rows held by roots without a label.
    public init(successors: [[UInt32]], rootLabels: [RootLabel] = [], labelTargets: [[UInt32]] = [],
                unlabeledRootTargets: [UInt32] = []) {
        precondition(labelTargets.count == rootLabels.count, "one target list per label")
        rowCount = successors.count
        edgeOffsets = successors.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        targets = successors.flatMap { $0 }
        unreadableChunks = 0
        edgeFields = []
        self.rootLabels = rootLabels
        labelEdgeOffsets = labelTargets.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        labelEdgeTargets = labelTargets.flatMap { $0 }
        labelEdgeSources = [UInt64](repeating: 0, count: labelEdgeTargets.count)
        self.unlabeledRootTargets = RootEdges.sortedUnique(unlabeledRootTargets)
        rootTargets = RootEdges.sortedUnique(unlabeledRootTargets + labelEdgeTargets)
    }
}
