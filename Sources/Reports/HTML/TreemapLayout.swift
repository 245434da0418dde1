/// A rectangle in SVG user units.
struct LayoutRect: Equatable {
    var x: Double
    var y: Double
    var width: Double
    var height: Double

    var area: Double { width * height }

    /// The rectangle shrunk by `left`/`top`/`right`/`bottom`, never below zero size.
    func inset(top: Double, left: Double, bottom: Double, right: Double) -> LayoutRect {
        LayoutRect(x: x + left, y: y + top, width: max(0, width - left - right), height: max(0, height - top - bottom))
    }
}

/// The squarified treemap layout (Bruls, Huizing and van Wijk, 2000): tiles whose areas
/// are proportional to their values, laid in rows along the shorter side, each row
/// closed as soon as adding a tile would make its worst aspect ratio worse.
enum TreemapLayout {
    /// One rectangle per value, in the order given. Values should be sorted largest first
    /// (the algorithm's premise); zero and negative values get empty rectangles.
    static func squarify(_ values: [Double], in bounds: LayoutRect) -> [LayoutRect] {
        var rects = [LayoutRect](repeating: LayoutRect(x: bounds.x, y: bounds.y, width: 0, height: 0), count: values.count)
        let total = values.reduce(0) { $0 + max($1, 0) }
        guard total > 0, bounds.area > 0 else { return rects }
        let scale = bounds.area / total
        let areas = values.map { max($0, 0) * scale }
        var free = bounds
        var row: [Int] = []
        var rowArea = 0.0
        for index in areas.indices where areas[index] > 0 {
            let side = min(free.width, free.height)
            if row.isEmpty || worstRatio(rowArea + areas[index], largest: max(areas[row[0]], areas[index]),
                                         smallest: min(areas[row.last!], areas[index]), side: side)
                <= worstRatio(rowArea, largest: areas[row[0]], smallest: areas[row.last!], side: side) {
                row.append(index)
                rowArea += areas[index]
                continue
            }
            free = place(row, areas: areas, rowArea: rowArea, in: free, into: &rects)
            row = [index]
            rowArea = areas[index]
        }
        if !row.isEmpty { _ = place(row, areas: areas, rowArea: rowArea, in: free, into: &rects) }
        return rects
    }

    /// The worst aspect ratio in a row of total area `area` laid along a side of length `side`.
    private static func worstRatio(_ area: Double, largest: Double, smallest: Double, side: Double) -> Double {
        let sideSquared = side * side, areaSquared = area * area
        return max(sideSquared * largest / areaSquared, areaSquared / (sideSquared * smallest))
    }

    /// Lays a row along the shorter side of `free`; returns what is left of it.
    private static func place(_ row: [Int], areas: [Double], rowArea: Double, in free: LayoutRect,
                              into rects: inout [LayoutRect]) -> LayoutRect {
        if free.width >= free.height {
            // A column on the left, as wide as the row's area needs over the full height.
            let width = free.height > 0 ? rowArea / free.height : 0
            var y = free.y
            for index in row {
                let height = width > 0 ? areas[index] / width : 0
                rects[index] = LayoutRect(x: free.x, y: y, width: width, height: height)
                y += height
            }
            return LayoutRect(x: free.x + width, y: free.y, width: max(0, free.width - width), height: free.height)
        }
        let height = free.width > 0 ? rowArea / free.width : 0
        var x = free.x
        for index in row {
            let width = height > 0 ? areas[index] / height : 0
            rects[index] = LayoutRect(x: x, y: free.y, width: width, height: height)
            x += width
        }
        return LayoutRect(x: free.x, y: free.y + height, width: free.width, height: max(0, free.height - height))
    }
}
