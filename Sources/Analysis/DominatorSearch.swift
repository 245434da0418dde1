/// A depth-first search of the dominator graph from the virtual root, with an explicit
/// stack: the DFS order, the DFS tree, and the predecessors by DFS number that semi-NCA needs.
/// The node → number map is dropped once the predecessors are built.
struct DepthFirstSearch {
    static let unvisited = UInt32.max

    /// The node of each DFS number; number 0 is the virtual root.
    let order: [UInt32]
    /// The DFS number of each number's parent in the DFS tree (0 for the root itself).
    private(set) var parents: [UInt32]
    /// The predecessors of DFS number w are `sources[offsets[w] ..< offsets[w + 1]]`;
    /// dropped (`dropPredecessors`) once semi-NCA has used them.
    private(set) var predecessorOffsets: [UInt32]
    private(set) var predecessorSources: [UInt32]

    init(nodes: DominatorNodes) {
        var numbers = [UInt32](repeating: Self.unvisited, count: nodes.count)
        (order, parents) = Self.search(nodes: nodes, numbers: &numbers)
        (predecessorOffsets, predecessorSources) = Self.predecessors(nodes: nodes, numbers: numbers, reached: order.count)
    }

    /// Hands over the parents and drops the predecessors: semi-NCA turns the parents into
    /// the immediate dominators in place, and nothing else needs either.
    mutating func takeParentsDroppingPredecessors() -> [UInt32] {
        predecessorOffsets = []
        predecessorSources = []
        defer { parents = [] }
        return parents
    }

    /// Numbers the nodes in DFS preorder. Each stack entry holds the node and the range of its
    /// successors still to visit, as indices into the array that lists them.
    private static func search(nodes: DominatorNodes, numbers: inout [UInt32]) -> ([UInt32], [UInt32]) {
        var order: [UInt32] = [0]
        var parents: [UInt32] = [0]
        // Capacity never touched costs address space only; growing by copying would briefly
        // hold two copies.
        order.reserveCapacity(nodes.count)
        parents.reserveCapacity(nodes.count)
        numbers[0] = 0
        var stack: [(node: UInt32, next: Int, end: Int)] = [(0, nodes.successorRange(of: 0).lowerBound,
                                                              nodes.successorRange(of: 0).upperBound)]
        numbers.withUnsafeMutableBufferPointer { numbers in
            while let (node, first, end) = stack.last {
                // Skip the visited successors in one go, so the stack is written once a tree edge.
                var next = first
                var found = unvisited
                while next < end {
                    let successor = nodes.successor(of: node, atEdge: next)
                    next += 1
                    if numbers[Int(successor)] == unvisited {
                        found = successor
                        break
                    }
                }
                guard found != unvisited else {
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next = next
                numbers[Int(found)] = UInt32(order.count)
                parents.append(numbers[Int(node)])
                order.append(found)
                let range = nodes.successorRange(of: found)
                stack.append((found, range.lowerBound, range.upperBound))
            }
        }
        return (order, parents)
    }

    /// Predecessors by DFS number, counted then filled, visiting the nodes in node order so
    /// the graph's edge arrays are read sequentially.
    private static func predecessors(nodes: DominatorNodes, numbers: [UInt32], reached: Int) -> ([UInt32], [UInt32]) {
        var offsets = [UInt32](repeating: 0, count: reached + 1)
        var edges = 0
        numbers.withUnsafeBufferPointer { numbers in
            offsets.withUnsafeMutableBufferPointer { offsets in
                nodes.forEachEdge(numbers: numbers) { _, target in
                    offsets[Int(numbers[Int(target)]) + 1] &+= 1
                    edges += 1
                }
            }
        }
        precondition(edges < Int(UInt32.max), "too many edges for 32-bit offsets")
        for number in 0..<reached { offsets[number + 1] &+= offsets[number] }
        var next = offsets
        var sources = [UInt32](repeating: 0, count: edges)
        numbers.withUnsafeBufferPointer { numbers in
            next.withUnsafeMutableBufferPointer { next in
                sources.withUnsafeMutableBufferPointer { sources in
                    nodes.forEachEdge(numbers: numbers) { source, target in
                        let slot = Int(numbers[Int(target)])
                        sources[Int(next[slot])] = numbers[Int(source)]
                        next[slot] &+= 1
                    }
                }
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
    /// The immediate dominator of each DFS number (0 for the root), computed in place of the
    /// DFS parents, which the first phase reads and the second overwrites.
    static func immediateDominators(search: inout DepthFirstSearch) -> [UInt32] {
        let semi = semiDominators(parents: search.parents, predecessorOffsets: search.predecessorOffsets,
                                  predecessorSources: search.predecessorSources)
        var idom = search.takeParentsDroppingPredecessors()
        idom.withUnsafeMutableBufferPointer { idom in
            for w in 1..<max(idom.count, 1) {
                var dominator = idom[w]
                while dominator > semi[w] { dominator = idom[Int(dominator)] }
                idom[w] = dominator
            }
        }
        return idom
    }

    private static func semiDominators(parents: [UInt32], predecessorOffsets: [UInt32], predecessorSources: [UInt32]) -> [UInt32] {
        let count = parents.count
        let none = UInt32.max
        var semi = (0..<UInt32(count)).map { $0 }
        var best = semi
        var ancestor = [UInt32](repeating: none, count: count)
        var path: [UInt32] = []
        semi.withUnsafeMutableBufferPointer { semi in
            best.withUnsafeMutableBufferPointer { best in
                ancestor.withUnsafeMutableBufferPointer { ancestor in
                    predecessorSources.withUnsafeBufferPointer { sources in
                        for w in stride(from: count - 1, to: 0, by: -1) {
                            var semiW = semi[w]
                            for edge in Int(predecessorOffsets[w])..<Int(predecessorOffsets[w + 1]) {
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
        return semi
    }
}
