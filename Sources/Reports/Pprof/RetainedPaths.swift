import Analysis

/// The dominator tree of a heap folded into paths from a root down to an
/// object's type, with identical paths merged: the stacks of
/// `heap --profile-retained`. Each row's own bytes go to its path, so that a
/// path's cumulative value (what pprof shows as "cum" and draws as a flame
/// graph) is what the dominators along it retain.
///
/// Paths are a trie in flat arrays; each row climbs its dominator chain only
/// until it meets a row already placed, so every row is visited once.
struct RetainedPaths {
    /// A path step: a type (its `TypeID`), or a root (label, label group, or several roots).
    enum Frame: Hashable {
        case type(TypeID)
        case label(Int)
        case group(Int)
        case sharedRoots
    }

    /// Trie nodes: the step, the node above (-1 at a root), the number of type steps below the root.
    private(set) var frames: [Frame] = []
    private(set) var parents: [Int32] = []
    private(set) var depths: [Int32] = []
    /// Per node: the rows that ended their path there, and their bytes.
    private(set) var objects: [Int] = []
    private(set) var bytes: [UInt64] = []
    private var children: [ChildKey: Int32] = [:]

    private struct ChildKey: Hashable {
        var parent: Int32
        var frame: Frame
    }

    /// - Parameter maximumDepth: the most type steps below a root; deeper rows count at their ancestor's step.
    init(tree: DominatorTree, table: AllocationTable, maximumDepth: Int) {
        var nodeOfRow = [Int32](repeating: -1, count: table.count)
        var climb: [Int] = []
        for start in 0..<table.count where nodeOfRow[start] < 0 && tree.immediateDominators[start] != DominatorTree.unreachable {
            climb.removeAll(keepingCapacity: true)
            var row = start
            var base: Int32
            while true {
                climb.append(row)
                switch tree.dominator(of: row) {
                case .row(let parent) where nodeOfRow[parent] >= 0: base = nodeOfRow[parent]
                case .row(let parent): row = parent; continue
                case .label(let label): base = node(.label(label), under: -1)
                case .group(let group): base = node(.group(group), under: -1)
                case .virtualRoot, .unreachable: base = node(.sharedRoots, under: -1)
                }
                break
            }
            for placed in climb.reversed() {
                if depths[Int(base)] < Int32(maximumDepth) { base = node(.type(table.typeIDs[placed]), under: base) }
                nodeOfRow[placed] = base
                objects[Int(base)] += 1
                bytes[Int(base)] += table.sizes[placed]
            }
        }
    }

    private mutating func node(_ frame: Frame, under parent: Int32) -> Int32 {
        let key = ChildKey(parent: parent, frame: frame)
        if let node = children[key] { return node }
        let node = Int32(frames.count)
        frames.append(frame)
        parents.append(parent)
        depths.append(parent < 0 ? 0 : depths[Int(parent)] + 1)
        objects.append(0)
        bytes.append(0)
        children[key] = node
        return node
    }

    var nodeCount: Int { frames.count }

    /// The frames from `node` up to its root, leaf first, as pprof orders a sample's locations.
    func path(from node: Int) -> [Frame] {
        var path: [Frame] = []
        var current = Int32(node)
        while current >= 0 {
            path.append(frames[Int(current)])
            current = parents[Int(current)]
        }
        return path
    }
}
