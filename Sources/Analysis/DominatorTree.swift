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
        var search = DepthFirstSearch(nodes: nodes)
        let idom = SemiNCA.immediateDominators(search: &search)
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

/// The tree mapped from DFS numbers back to rows, labels and groups, with subtree sums.
///
/// A node comes after its dominator in DFS order, so one backward pass adds each node's sums
/// into its dominator's, and one forward pass hands each row the label and group above it.
/// Both write straight into the per-row, per-label and per-group results: no array per DFS
/// number beyond the order and the dominators themselves.
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
        // Local arrays, assigned once at the end: stored properties of `self` would be checked
        // for exclusive access on every one of the millions of updates.
        let (rowBase, labelBase) = (nodes.rowBase, nodes.labelBase)
        // Every row starts as itself (set in row order, not at DFS order's random rows); the
        // unreachable ones are cleared once the dominators say which they are.
        var rowBytes = sizes
        var rowObjects = [UInt32](repeating: 1, count: nodes.rowCount)
        var labelBytes = [UInt64](repeating: 0, count: nodes.labelCount)
        var labelObjects = [Int](repeating: 0, count: nodes.labelCount)
        var groupBytes = [UInt64](repeating: 0, count: nodes.groupCount)
        var groupObjects = [Int](repeating: 0, count: nodes.groupCount)
        rowBytes.withUnsafeMutableBufferPointer { rowBytes in
            rowObjects.withUnsafeMutableBufferPointer { rowObjects in
                for number in stride(from: order.count - 1, to: 0, by: -1) {
                    let node = Int(order[number])
                    let (bytes, objects): (UInt64, Int)
                    if node >= rowBase {
                        (bytes, objects) = (rowBytes[node - rowBase], Int(rowObjects[node - rowBase]))
                    } else if node >= labelBase {
                        (bytes, objects) = (labelBytes[node - labelBase], labelObjects[node - labelBase])
                    } else {
                        (bytes, objects) = (groupBytes[node - 1], groupObjects[node - 1])
                    }
                    let dominator = Int(order[Int(idom[number])])
                    if dominator >= rowBase {
                        rowBytes[dominator - rowBase] &+= bytes
                        rowObjects[dominator - rowBase] &+= UInt32(objects)
                    } else if dominator >= labelBase {
                        labelBytes[dominator - labelBase] &+= bytes
                        labelObjects[dominator - labelBase] &+= objects
                    } else if dominator >= 1 {
                        groupBytes[dominator - 1] &+= bytes
                        groupObjects[dominator - 1] &+= objects
                    }
                }
            }
        }
        var dominators = [UInt32](repeating: DominatorTree.unreachable, count: nodes.rowCount)
        var rowLabels = [Int32](repeating: -1, count: nodes.rowCount)
        var rowGroups = [Int32](repeating: -1, count: nodes.rowCount)
        dominators.withUnsafeMutableBufferPointer { dominators in
            rowLabels.withUnsafeMutableBufferPointer { rowLabels in
                rowGroups.withUnsafeMutableBufferPointer { rowGroups in
                    for number in 1..<max(order.count, 1) where Int(order[number]) >= rowBase {
                        let row = Int(order[number]) - rowBase
                        let dominator = order[Int(idom[number])]
                        dominators[row] = Self.encode(dominator, nodes: nodes)
                        let node = Int(dominator)
                        if node >= rowBase {
                            rowLabels[row] = rowLabels[node - rowBase]
                            rowGroups[row] = rowGroups[node - rowBase]
                        } else if node >= labelBase {
                            rowLabels[row] = Int32(node - labelBase)
                            rowGroups[row] = nodes.labelGroups[node - labelBase]
                        } else if node >= 1 {
                            rowGroups[row] = Int32(node - 1)
                        }
                    }
                }
            }
        }
        for row in 0..<nodes.rowCount where dominators[row] == DominatorTree.unreachable {
            rowBytes[row] = 0
            rowObjects[row] = 0
        }
        (self.dominators, self.rowBytes, self.rowObjects, self.rowLabels, self.rowGroups)
            = (dominators, rowBytes, rowObjects, rowLabels, rowGroups)
        (self.labelBytes, self.labelObjects, self.groupBytes, self.groupObjects) = (labelBytes, labelObjects, groupBytes, groupObjects)
    }

    /// A node as `immediateDominators` encodes it: row, label after the rows, group after the labels.
    @inline(__always)
    private static func encode(_ node: UInt32, nodes: DominatorNodes) -> UInt32 {
        let node = Int(node)
        if node >= nodes.rowBase { return UInt32(node - nodes.rowBase) }
        if node >= nodes.labelBase { return UInt32(nodes.rowCount + node - nodes.labelBase) }
        if node >= 1 { return UInt32(nodes.rowCount + nodes.labelCount + node - 1) }
        return DominatorTree.virtualRoot
    }

    /// Moves an array out, so the tree does not hold a second copy while it is built.
    mutating func take<Element>(_ field: WritableKeyPath<DominatorTally, [Element]>) -> [Element] {
        defer { self[keyPath: field] = [] }
        return self[keyPath: field]
    }
}
