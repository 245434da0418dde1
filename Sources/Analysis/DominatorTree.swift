/// Who dominates whom in the object graph, and what each row, root label and label group
/// retains: the bytes and objects that would become unreachable if it went away.
///
/// The tree is over one virtual root, the label groups (a goroutine's frames), the root
/// labels and the rows (see `DominatorNodes`). A row shared by two roots is dominated by the
/// virtual root and retained by neither: that is the difference from first-path attribution,
/// which charges it to whichever root a walk met first.
///
/// Built with the semi-NCA algorithm (`SemiNCA`): near-linear, with explicit stacks and flat
/// `UInt32` arrays indexed by DFS number, so a graph of millions of rows neither recurses
/// nor allocates per row.
public struct DominatorTree: Sendable {
    /// `immediateDominators` value of a row dominated only by the virtual root.
    public static let virtualRoot = UInt32.max
    /// `immediateDominators` value of a row no root reaches.
    public static let unreachable = UInt32.max - 1

    public enum Dominator: Equatable, Sendable {
        case row(Int)
        case label(Int)
        case group(Int)
        case virtualRoot
        case unreachable
    }

    public let rowCount: Int
    public let labelCount: Int
    /// Per row: the row (below `rowCount`), label (`rowCount + label`) or group
    /// (`rowCount + labelCount + group`) that immediately dominates it, `virtualRoot`, or
    /// `unreachable`.
    public let immediateDominators: [UInt32]
    /// Per row: the bytes and objects of its dominator subtree, itself included; 0 unreachable.
    public let retainedBytes: [UInt64]
    public let retainedObjects: [UInt32]
    /// Per label: the bytes and objects of the rows it dominates.
    public let labelRetainedBytes: [UInt64]
    public let labelRetainedObjects: [Int]
    /// The distinct non-empty `RootLabel.group`s, and each label's index among them (-1 none).
    public let groupNames: [String]
    public let labelGroups: [Int32]
    /// Per group: the bytes and objects of the rows it dominates (its labels' and what they share).
    public let groupRetainedBytes: [UInt64]
    public let groupRetainedObjects: [Int]
    /// Per row: the label its dominator chain passes through, -1 when none does (the row is
    /// shared between roots, or unreachable).
    public let dominatingLabels: [Int32]
    /// Per row: the group its dominator chain passes through, -1 when none does.
    public let dominatingGroups: [Int32]

    public func dominator(of row: Int) -> Dominator {
        let value = immediateDominators[row]
        if value == Self.virtualRoot { return .virtualRoot }
        if value == Self.unreachable { return .unreachable }
        if Int(value) < rowCount { return .row(Int(value)) }
        if Int(value) < rowCount + labelCount { return .label(Int(value) - rowCount) }
        return .group(Int(value) - rowCount - labelCount)
    }

    /// - Parameter sizes: each row's size in bytes (the allocation table's `sizes`).
    public init(graph: ObjectGraph, sizes: [UInt64]) {
        precondition(sizes.count == graph.rowCount, "one size per row")
        let nodes = DominatorNodes(graph: graph)
        let search = DepthFirstSearch(nodes: nodes)
        let idom = SemiNCA.immediateDominators(parents: search.parents, predecessors: search.predecessors())
        var tally = DominatorTally(nodes: nodes, order: search.order, idom: idom, sizes: sizes)
        rowCount = graph.rowCount
        labelCount = nodes.labelCount
        groupNames = nodes.groupNames
        labelGroups = nodes.labelGroups
        immediateDominators = tally.take(\.dominators)
        retainedBytes = tally.take(\.rowBytes)
        retainedObjects = tally.take(\.rowObjects)
        labelRetainedBytes = tally.labelBytes
        labelRetainedObjects = tally.labelObjects
        groupRetainedBytes = tally.groupBytes
        groupRetainedObjects = tally.groupObjects
        dominatingLabels = tally.take(\.rowLabels)
        dominatingGroups = tally.take(\.rowGroups)
    }
}

/// The tree mapped from DFS numbers back to rows, labels and groups, with subtree sums:
/// a node comes after its dominator in DFS order, so one backward pass sums every subtree and
/// one forward pass hands each row its dominating label and group.
struct DominatorTally {
    var dominators: [UInt32]
    var rowBytes: [UInt64]
    var rowObjects: [UInt32]
    var labelBytes: [UInt64]
    var labelObjects: [Int]
    var groupBytes: [UInt64]
    var groupObjects: [Int]
    var rowLabels: [Int32]
    var rowGroups: [Int32]

    init(nodes: DominatorNodes, order: [UInt32], idom: [UInt32], sizes: [UInt64]) {
        let reached = order.count
        var bytes = [UInt64](repeating: 0, count: reached)
        var objects = [UInt32](repeating: 0, count: reached)
        for number in 1..<max(reached, 1) {
            if let row = nodes.row(of: order[number]) {
                bytes[number] = sizes[row]
                objects[number] = 1
            }
        }
        for number in stride(from: reached - 1, to: 0, by: -1) {
            bytes[Int(idom[number])] &+= bytes[number]
            objects[Int(idom[number])] &+= objects[number]
        }
        dominators = [UInt32](repeating: DominatorTree.unreachable, count: nodes.rowCount)
        rowBytes = [UInt64](repeating: 0, count: nodes.rowCount)
        rowObjects = [UInt32](repeating: 0, count: nodes.rowCount)
        labelBytes = [UInt64](repeating: 0, count: nodes.labelCount)
        labelObjects = [Int](repeating: 0, count: nodes.labelCount)
        groupBytes = [UInt64](repeating: 0, count: nodes.groupCount)
        groupObjects = [Int](repeating: 0, count: nodes.groupCount)
        rowLabels = [Int32](repeating: -1, count: nodes.rowCount)
        rowGroups = [Int32](repeating: -1, count: nodes.rowCount)
        // The label and group above each DFS number, inherited from its dominator.
        var aboveLabel = [Int32](repeating: -1, count: reached)
        var aboveGroup = [Int32](repeating: -1, count: reached)
        for number in 1..<max(reached, 1) {
            let node = order[number]
            let parent = Int(idom[number])
            aboveLabel[number] = aboveLabel[parent]
            aboveGroup[number] = aboveGroup[parent]
            if let group = nodes.group(of: node) {
                aboveGroup[number] = Int32(group)
                groupBytes[group] = bytes[number]
                groupObjects[group] = Int(objects[number])
            } else if let label = nodes.label(of: node) {
                aboveLabel[number] = Int32(label)
                labelBytes[label] = bytes[number]
                labelObjects[label] = Int(objects[number])
            } else if let row = nodes.row(of: node) {
                dominators[row] = Self.encode(order[parent], nodes: nodes)
                rowBytes[row] = bytes[number]
                rowObjects[row] = objects[number]
                rowLabels[row] = aboveLabel[number]
                rowGroups[row] = aboveGroup[number]
            }
        }
    }

    private static func encode(_ node: UInt32, nodes: DominatorNodes) -> UInt32 {
        if let row = nodes.row(of: node) { return UInt32(row) }
        if let label = nodes.label(of: node) { return UInt32(nodes.rowCount + label) }
        if let group = nodes.group(of: node) { return UInt32(nodes.rowCount + nodes.labelCount + group) }
        return DominatorTree.virtualRoot
    }

    /// Moves an array out, so the tree does not hold a second copy while it is built.
    mutating func take<Element>(_ field: WritableKeyPath<DominatorTally, [Element]>) -> [Element] {
        defer { self[keyPath: field] = [] }
        return self[keyPath: field]
    }
}
