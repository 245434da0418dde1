/// A depth-first search of the dominator graph from the virtual root, with an explicit
/// stack: DFS numbers, the DFS tree, and the predecessors that semi-NCA needs.
struct DepthFirstSearch {
    static let unvisited = UInt32.max

    let nodes: DominatorNodes
    /// The DFS number of each node, `unvisited` for nodes no root reaches.
    private(set) var numbers: [UInt32]
    /// The node of each DFS number; number 0 is the virtual root.
    private(set) var order: [UInt32] = []
    /// The DFS number of each number's parent in the DFS tree (0 for the root itself).
    private(set) var parents: [UInt32] = []

    init(nodes: DominatorNodes) {
        self.nodes = nodes
        numbers = [UInt32](repeating: Self.unvisited, count: nodes.count)
        var stackNodes: [UInt32] = [0]
        var stackNext: [Int] = [0]
        var stackEnds: [Int] = [nodes.successorCount(of: 0)]
        numbers[0] = 0
        order.append(0)
        parents.append(0)
        while let top = stackNodes.last {
            let next = stackNext[stackNext.count - 1]
            guard next < stackEnds[stackEnds.count - 1] else {
                stackNodes.removeLast()
                stackNext.removeLast()
                stackEnds.removeLast()
                continue
            }
            stackNext[stackNext.count - 1] = next + 1
            let successor = nodes.successor(of: top, at: next)
            guard numbers[Int(successor)] == Self.unvisited else { continue }
            numbers[Int(successor)] = UInt32(order.count)
            parents.append(numbers[Int(top)])
            order.append(successor)
            stackNodes.append(successor)
            stackNext.append(0)
            stackEnds.append(nodes.successorCount(of: successor))
        }
    }

    /// The predecessors of every reached node, by DFS number (compressed sparse rows: the
    /// predecessors of w are `sources[offsets[w] ..< offsets[w + 1]]`), counted then filled.
    func predecessors() -> (offsets: [UInt32], sources: [UInt32]) {
        let reached = order.count
        var offsets = [UInt32](repeating: 0, count: reached + 1)
        var edges = 0
        for number in 0..<reached {
            let node = order[number]
            for index in 0..<nodes.successorCount(of: node) {
                offsets[Int(numbers[Int(nodes.successor(of: node, at: index))]) + 1] &+= 1
            }
            edges += nodes.successorCount(of: node)
        }
        precondition(edges < Int(UInt32.max), "too many edges for 32-bit offsets")
        for number in 0..<reached { offsets[number + 1] &+= offsets[number] }
        var next = offsets
        var sources = [UInt32](repeating: 0, count: edges)
        for number in 0..<reached {
            let node = order[number]
            for index in 0..<nodes.successorCount(of: node) {
                let target = Int(numbers[Int(nodes.successor(of: node, at: index))])
                sources[Int(next[target])] = UInt32(number)
                next[target] &+= 1
            }
        }
        return (offsets, sources)
    }
}

/// Semi-NCA over DFS numbers (Georgiadis, "Linear-time algorithms for dominators and related
/// problems", 2005): semi-dominators from the predecessors in reverse DFS order, evaluated
/// through a forest with path compression; then each immediate dominator is the nearest
/// ancestor of the DFS parent whose number is at most the semi-dominator.
enum SemiNCA {
    static func immediateDominators(parents: [UInt32], predecessors: (offsets: [UInt32], sources: [UInt32])) -> [UInt32] {
        let count = parents.count
        let none = UInt32.max
        var semi = (0..<UInt32(count)).map { $0 }
        var best = semi
        var ancestor = [UInt32](repeating: none, count: count)
        var path: [UInt32] = []
        semi.withUnsafeMutableBufferPointer { semi in
            best.withUnsafeMutableBufferPointer { best in
                ancestor.withUnsafeMutableBufferPointer { ancestor in
                    predecessors.sources.withUnsafeBufferPointer { sources in
                        for w in stride(from: count - 1, to: 0, by: -1) {
                            var semiW = semi[w]
                            for edge in Int(predecessors.offsets[w])..<Int(predecessors.offsets[w + 1]) {
                                let v = Int(sources[edge])
                                var candidate = UInt32(v)
                                if ancestor[v] != none {
                                    // Compress the path from v to its tree's root, nearest the root first, so
                                    // each vertex takes the smaller semi-dominator of its ancestor's path.
                                    var x = v
                                    while ancestor[Int(ancestor[x])] != none {
                                        path.append(UInt32(x))
                                        x = Int(ancestor[x])
                                    }
                                    while let y = path.popLast().map(Int.init) {
                                        let a = Int(ancestor[y])
                                        if semi[Int(best[a])] < semi[Int(best[y])] { best[y] = best[a] }
                                        ancestor[y] = ancestor[a]
                                    }
                                    candidate = best[v]
                                }
                                semiW = min(semiW, semi[Int(candidate)])
                            }
                            semi[w] = semiW
                            ancestor[w] = parents[w]
                        }
                    }
                }
            }
        }
        var idom = parents
        if count > 0 { idom[0] = 0 }
        for w in 1..<max(count, 1) {
            var dominator = idom[w]
            while dominator > semi[w] { dominator = idom[Int(dominator)] }
            idom[w] = dominator
        }
        return idom
    }
}
