/// Splits the leaked rows of a leak graph into clusters, each led by one direct leak.
///
/// Memcheck's rule: a leaked block that another leaked block points to is indirectly lost,
/// and the block holding a cluster, pointed to by no other leaked block, is definitely lost
/// (its "clique leader"). A cycle that nothing else points to has no such block, so one of
/// its blocks is chosen: Memcheck takes the first it meets in address order, and so does this.
///
/// Formally, over the leaked rows and every pointer between them: the strongly connected
/// components that no edge from another component enters are the clusters' heads; the lowest
/// row of each is its direct leak. Every other leaked row is indirect and belongs to the
/// lowest direct row that reaches it. Components come from Tarjan's algorithm with an
/// explicit stack, so a million-long leaked list cannot overflow anything.
struct LeakClusters {
    /// For each leaked row (in the order given), the row leading its cluster.
    let leaders: [Int]

    /// - Parameter leaked: the leaked rows, ascending.
    init(graph: LeakGraph, leaked: [Int]) {
        guard !leaked.isEmpty else {
            leaders = []
            return
        }
        var slotOfRow = [Int32](repeating: -1, count: graph.rowCount)
        for (slot, row) in leaked.enumerated() { slotOfRow[row] = Int32(slot) }
        let components = Self.components(graph: graph, leaked: leaked, slotOfRow: slotOfRow)
        let componentCount = Int(components.max() ?? -1) + 1
        // A component entered from another is held by a leaked block outside it.
        var entered = [Bool](repeating: false, count: componentCount)
        for (slot, row) in leaked.enumerated() {
            for edge in graph.edgeOffsets[row]..<graph.edgeOffsets[row + 1] {
                let target = slotOfRow[Int(graph.edges[edge] >> 1)]
                if target >= 0, components[Int(target)] != components[slot] { entered[Int(components[Int(target)])] = true }
            }
        }
        var componentLed = [Bool](repeating: false, count: componentCount)
        var owner = [Int32](repeating: -1, count: leaked.count)
        var stack: [Int32] = []
        // Directs in ascending order, each claiming what no lower direct reached. A row already
        // claimed is not entered again: all it reaches was reachable from its claimer too.
        for slot in leaked.indices where !entered[Int(components[slot])] && !componentLed[Int(components[slot])] {
            componentLed[Int(components[slot])] = true
            owner[slot] = Int32(slot)
            stack.append(Int32(slot))
            while let current = stack.popLast() {
                let row = leaked[Int(current)]
                for edge in graph.edgeOffsets[row]..<graph.edgeOffsets[row + 1] {
                    let target = slotOfRow[Int(graph.edges[edge] >> 1)]
                    if target >= 0, owner[Int(target)] < 0 {
                        owner[Int(target)] = Int32(slot)
                        stack.append(target)
                    }
                }
            }
        }
        leaders = owner.map { leaked[Int($0)] }
    }

    /// Tarjan's strongly connected components of the leaked rows: a component number per slot.
    private static func components(graph: LeakGraph, leaked: [Int], slotOfRow: [Int32]) -> [Int32] {
        let count = leaked.count
        var order = [Int32](repeating: -1, count: count)
        var lowLink = [Int32](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var component = [Int32](repeating: -1, count: count)
        var componentStack: [Int32] = []
        // (slot, next edge to look at) for each row whose edges are being walked.
        var calls: [(slot: Int32, cursor: Int)] = []
        var nextOrder: Int32 = 0
        var nextComponent: Int32 = 0

        func enter(_ slot: Int32) {
            order[Int(slot)] = nextOrder
            lowLink[Int(slot)] = nextOrder
            nextOrder += 1
            componentStack.append(slot)
            onStack[Int(slot)] = true
            calls.append((slot, graph.edgeOffsets[leaked[Int(slot)]]))
        }

        for root in 0..<count where order[root] < 0 {
            enter(Int32(root))
            while let (slot, start) = calls.last {
                let end = graph.edgeOffsets[leaked[Int(slot)] + 1]
                var cursor = start
                var descended = false
                while cursor < end {
                    let target = slotOfRow[Int(graph.edges[cursor] >> 1)]
                    cursor += 1
                    guard target >= 0 else { continue }
                    if order[Int(target)] < 0 {
                        calls[calls.count - 1].cursor = cursor
                        enter(target)
                        descended = true
                        break
                    }
                    if onStack[Int(target)] { lowLink[Int(slot)] = min(lowLink[Int(slot)], order[Int(target)]) }
                }
                if descended { continue }
                calls.removeLast()
                if let parent = calls.last { lowLink[Int(parent.slot)] = min(lowLink[Int(parent.slot)], lowLink[Int(slot)]) }
                if lowLink[Int(slot)] == order[Int(slot)] {
                    while let member = componentStack.popLast() {
                        onStack[Int(member)] = false
                        component[Int(member)] = nextComponent
                        if member == slot { break }
                    }
                    nextComponent += 1
                }
            }
        }
        return component
    }
}
