import Analysis

/// A graph of rows and root labels as plain adjacency lists, and its dominators found the
/// slow, obvious way: take a node away, mark again from the roots, see what became
/// unreachable. Shares no code with the module under test.
struct LabeledGraph {
    var successors: [[UInt32]]
    var labelTargets: [[UInt32]]
    var unlabeled: [UInt32]
    var sizes: [UInt64]
    /// Each label's group, "" for none.
    var groups: [String] = []

    var rowCount: Int { successors.count }

    var objectGraph: ObjectGraph {
        ObjectGraph(successors: successors,
                    rootLabels: labelTargets.indices.map {
                        RootLabel(kind: .global, name: "root\($0)", group: $0 < groups.count ? groups[$0] : "")
                    },
                    labelTargets: labelTargets, unlabeledRootTargets: unlabeled)
    }

    static func random(seed: UInt64, rows: Int, labels: Int, edgesPerRow: Double) -> LabeledGraph {
        var random = SplitMix64(seed: seed)
        func anyRow() -> UInt32 { UInt32.random(in: 0..<UInt32(rows), using: &random) }
        var successors = [[UInt32]](repeating: [], count: rows)
        for row in 0..<rows {
            let count = Int.random(in: 0...Int(edgesPerRow * 2), using: &random)
            // Self-loops and repeated edges come for free with random targets.
            successors[row] = (0..<count).map { _ in anyRow() }
        }
        let labelTargets = (0..<labels).map { _ in (0..<Int.random(in: 0...3, using: &random)).map { _ in anyRow() } }
        let unlabeled = (0..<Int.random(in: 0...1, using: &random)).map { _ in anyRow() }
        let sizes = (0..<rows).map { _ in UInt64.random(in: 1...64, using: &random) * 8 }
        let groups = labelTargets.map { _ in ["", "g0", "g1"].randomElement(using: &random)! }
        return LabeledGraph(successors: successors, labelTargets: labelTargets, unlabeled: unlabeled, sizes: sizes,
                            groups: groups)
    }

    /// The distinct groups, in the order their first label comes.
    var groupNames: [String] {
        var names: [String] = []
        for group in groups where !group.isEmpty && !names.contains(group) { names.append(group) }
        return names
    }

    private func group(of label: Int) -> String { label < groups.count ? groups[label] : "" }

    /// Rows reachable from the roots with `removedRow`, `removedLabel` or every label of
    /// `removedGroup` taken away.
    func reachable(removedRow: Int? = nil, removedLabel: Int? = nil, removedGroup: String? = nil) -> [Bool] {
        var marked = [Bool](repeating: false, count: rowCount)
        var work: [Int] = []
        var starts = unlabeled.map { Int($0) }
        for (label, targets) in labelTargets.enumerated() where label != removedLabel && group(of: label) != removedGroup {
            starts += targets.map { Int($0) }
        }
        for start in starts where start != removedRow && !marked[start] {
            marked[start] = true
            work.append(start)
        }
        while let row = work.popLast() {
            for target in successors[row].map({ Int($0) }) where target != removedRow && !marked[target] {
                marked[target] = true
                work.append(target)
            }
        }
        return marked
    }

    /// What removing a row or label loses: rows reachable before and not after (the removed
    /// row itself included).
    func lost(removedRow: Int? = nil, removedLabel: Int? = nil, removedGroup: String? = nil) -> [Int] {
        let before = reachable()
        let after = reachable(removedRow: removedRow, removedLabel: removedLabel, removedGroup: removedGroup)
        return (0..<rowCount).filter { before[$0] && !after[$0] }
    }

    /// Each row's immediate dominator by brute force: of the nodes whose removal cuts it off,
    /// the one every other such node also cuts off (the nearest).
    func immediateDominators() -> [DominatorTree.Dominator] {
        let before = reachable()
        // cutBy[w]: the rows and labels whose removal makes w unreachable, w itself excluded.
        var cutRows = [[Int]](repeating: [], count: rowCount)
        var cutLabels = [[Int]](repeating: [], count: rowCount)
        for row in 0..<rowCount where before[row] {
            for lost in lost(removedRow: row) where lost != row { cutRows[lost].append(row) }
        }
        for label in labelTargets.indices {
            for lost in lost(removedLabel: label) { cutLabels[lost].append(label) }
        }
        var cutGroups = [[Int]](repeating: [], count: rowCount)
        for (index, group) in groupNames.enumerated() {
            for lost in lost(removedGroup: group) { cutGroups[lost].append(index) }
        }
        return (0..<rowCount).map { row in
            guard before[row] else { return .unreachable }
            // The nearest dominator is the row dominated by all the others; a label sits
            // above every row it dominates, so it is nearest only when no row dominates, and
            // a group above its labels.
            if let nearest = cutRows[row].first(where: { candidate in
                cutRows[row].allSatisfy { $0 == candidate || cutRows[candidate].contains($0) }
            }) {
                return .row(nearest)
            }
            if let label = cutLabels[row].first { return .label(label) }
            if let group = cutGroups[row].first { return .group(group) }
            return .virtualRoot
        }
    }
}
