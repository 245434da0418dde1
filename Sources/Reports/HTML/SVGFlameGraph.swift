/// A tree in flat arrays, every parent before its children: what a flame graph draws.
struct FlameTree {
    var names: [String] = []
    /// -1 for a root.
    var parents: [Int] = []
    /// What ends at the node itself (its own objects' bytes); a node's width is this plus its subtree's.
    var selfValues: [UInt64] = []
    var selfCounts: [Int] = []

    mutating func add(name: String, parent: Int, value: UInt64, count: Int) {
        precondition(parent < names.count, "a parent comes before its children")
        names.append(name)
        parents.append(parent)
        selfValues.append(value)
        selfCounts.append(count)
    }

    /// Each node's value with everything below it.
    func cumulative() -> (values: [UInt64], counts: [Int]) {
        var values = selfValues, counts = selfCounts
        for node in names.indices.reversed() where parents[node] >= 0 {
            values[parents[node]] += values[node]
            counts[parents[node]] += counts[node]
        }
        return (values, counts)
    }
}

/// An icicle graph (a flame graph with its roots at the top) as inline SVG: each row one
/// level deeper, each box as wide as what it holds. Boxes under `minimumWidth` are left
/// out with their subtree, which bounds the drawing however large the tree is.
enum SVGFlameGraph {
    static let width = 1200.0
    private static let rowHeight = 18.0
    private static let minimumWidth = 1.5

    /// - Parameter describe: the tooltip's text for a node's cumulative value and count.
    static func render(_ tree: FlameTree, maximumDepth: Int, label: String, describe: (UInt64, Int) -> String,
                       into html: inout HTML) {
        let (values, counts) = tree.cumulative()
        var children = [[Int]](repeating: [], count: tree.names.count)
        var roots: [Int] = []
        for node in tree.names.indices {
            if tree.parents[node] < 0 { roots.append(node) } else { children[tree.parents[node]].append(node) }
        }
        let byValue = { (a: Int, b: Int) in (values[a], tree.names[b]) > (values[b], tree.names[a]) }
        let total = roots.reduce(UInt64(0)) { $0 + values[$1] }
        guard total > 0 else { return }
        // Boxes to draw: node, depth, x; a stack instead of recursion, as deep trees are common.
        var boxes: [(node: Int, depth: Int, x: Double)] = []
        var pending: [(node: Int, depth: Int, x: Double)] = []
        var x = 0.0
        for root in roots.sorted(by: byValue) {
            pending.append((root, 0, x))
            x += Double(values[root]) / Double(total) * width
        }
        pending.reverse()
        while let (node, depth, left) = pending.popLast() {
            guard Double(values[node]) / Double(total) * width >= minimumWidth, depth < maximumDepth else { continue }
            boxes.append((node, depth, left))
            var childX = left
            var next: [(Int, Int, Double)] = []
            for child in children[node].sorted(by: byValue) {
                next.append((child, depth + 1, childX))
                childX += Double(values[child]) / Double(total) * width
            }
            pending += next.reversed()
        }
        let rows = (boxes.map(\.depth).max() ?? 0) + 1
        let height = Double(rows) * rowHeight
        html.element("svg", ["class": "flame", "viewBox": "0 0 \(Int(width)) \(SVGPalette.number(height))", "role": "img",
                             "aria-label": label]) { svg in
            for box in boxes {
                let boxWidth = Double(values[box.node]) / Double(total) * width
                let name = tree.names[box.node]
                let hue = box.depth == 0 ? SVGPalette.hue(of: name, in: 190...230) : SVGPalette.hue(of: name, in: 5...50)
                let share = Double(values[box.node]) / Double(total) * 100
                svg.element("g") { g in
                    g.element("title", text: "\(name): \(describe(values[box.node], counts[box.node])), \(SVGPalette.number(share))%")
                    g.empty("rect", ["x": SVGPalette.number(box.x), "y": SVGPalette.number(Double(box.depth) * rowHeight),
                                     "width": SVGPalette.number(max(boxWidth - 0.5, 0.5)), "height": SVGPalette.number(rowHeight - 1),
                                     "fill": SVGPalette.hsl(hue, saturation: 70, lightness: box.depth == 0 ? 72 : 62)])
                    if let fitted = SVGPalette.fitted(name, width: boxWidth) {
                        g.element("text", ["x": SVGPalette.number(box.x + 3), "y": SVGPalette.number(Double(box.depth) * rowHeight + 13),
                                           "class": "label"], text: fitted)
                    }
                }
            }
        }
    }
}
