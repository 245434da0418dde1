/// A treemap tile, or a group of tiles drawn inside it.
struct TreemapTile {
    var label: String
    var value: UInt64
    /// What the tooltip says after the label: sizes and counts.
    var detail: String
    var children: [TreemapTile] = []
}

/// A two-level squarified treemap as inline SVG: groups (live and garbage, a leak kind…)
/// with a caption strip, their tiles inside. Tooltips are SVG `<title>`s: no script needed.
enum SVGTreemap {
    static let width = 1200.0
    static let height = 520.0
    private static let captionHeight = 18.0
    private static let padding = 2.0

    static func render(_ groups: [TreemapTile], label: String, into html: inout HTML) {
        let shown = groups.filter { $0.value > 0 }.sorted { $0.value > $1.value }
        let bounds = LayoutRect(x: 0, y: 0, width: width, height: height)
        let rects = TreemapLayout.squarify(shown.map { Double($0.value) }, in: bounds)
        html.element("svg", ["class": "treemap", "viewBox": "0 0 \(Int(width)) \(Int(height))", "role": "img", "aria-label": label]) { svg in
            for (group, rect) in zip(shown, rects) where rect.area > 0 {
                let hue = SVGPalette.hue(of: group.label)
                svg.element("g", ["class": "group"]) { g in
                    g.element("title", text: group.label + ": " + group.detail)
                    tile(rect, fill: SVGPalette.hsl(hue, saturation: 35, lightness: 88), into: &g)
                    let children = group.children.filter { $0.value > 0 }.sorted { $0.value > $1.value }
                    caption(group.label + " " + group.detail, in: rect, bold: true, into: &g)
                    guard !children.isEmpty else { return }
                    let inner = rect.inset(top: captionHeight, left: padding, bottom: padding, right: padding)
                    let tiles = TreemapLayout.squarify(children.map { Double($0.value) }, in: inner)
                    for (index, (child, childRect)) in zip(children, tiles).enumerated() where childRect.area > 0 {
                        g.element("g") { leaf in
                            leaf.element("title", text: child.label + ": " + child.detail)
                            let family = SVGPalette.hue(of: SVGPalette.family(of: child.label))
                            tile(childRect, fill: SVGPalette.hsl(family, saturation: 55, lightness: 60 + (index * 7) % 22), into: &leaf)
                            caption(child.label, in: childRect, bold: false, into: &leaf)
                        }
                    }
                }
            }
        }
    }

    private static func tile(_ rect: LayoutRect, fill: String, into html: inout HTML) {
        html.empty("rect", ["x": SVGPalette.number(rect.x), "y": SVGPalette.number(rect.y),
                            "width": SVGPalette.number(rect.width), "height": SVGPalette.number(rect.height), "fill": fill])
    }

    /// The label at the tile's top left, when the tile is big enough to hold some of it.
    private static func caption(_ label: String, in rect: LayoutRect, bold: Bool, into html: inout HTML) {
        guard rect.height >= 14, let fitted = SVGPalette.fitted(label, width: rect.width) else { return }
        html.element("text", ["x": SVGPalette.number(rect.x + 3), "y": SVGPalette.number(rect.y + 13),
                              "class": bold ? "caption" : "label"], text: fitted)
    }
}
