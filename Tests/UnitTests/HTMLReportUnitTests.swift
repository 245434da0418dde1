@testable import Reports
import XCTest

/// The HTML report's pieces without a core: escaping, the squarified layout, the icicle's sums.
final class HTMLReportUnitTests: XCTestCase {
    func testEscapingLeavesNoMarkupAndNoControlCharacters() {
        XCTAssertEqual(HTML.escape("<script>alert('x')</script> & \"q\""),
                       "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        XCTAssertEqual(HTML.escape("a\u{0}b\u{1b}[0m\tc\nd"), "a\u{FFFD}b\u{FFFD}[0m\tc\nd")
        var html = HTML()
        html.element("td", ["title": "\"><img>"], text: "</td><b>")
        XCTAssertEqual(html.markup, "<td title=\"&quot;&gt;&lt;img&gt;\">&lt;/td&gt;&lt;b&gt;</td>")
    }

    /// Areas proportional to values, inside the bounds, without overlaps (checked pairwise).
    func testSquarifiedTilesCoverTheBoundsInProportion() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let values = (0..<Int.random(in: 1...40, using: &generator)).map { _ in Double.random(in: 1...1000, using: &generator) }
                .sorted(by: >)
            let bounds = LayoutRect(x: 10, y: 20, width: 1200, height: 520)
            let rects = TreemapLayout.squarify(values, in: bounds)
            let total = values.reduce(0, +)
            for (value, rect) in zip(values, rects) {
                XCTAssertEqual(rect.area, value / total * bounds.area, accuracy: bounds.area * 1e-9)
                XCTAssertGreaterThanOrEqual(rect.x, bounds.x - 1e-6)
                XCTAssertGreaterThanOrEqual(rect.y, bounds.y - 1e-6)
                XCTAssertLessThanOrEqual(rect.x + rect.width, bounds.x + bounds.width + 1e-6)
                XCTAssertLessThanOrEqual(rect.y + rect.height, bounds.y + bounds.height + 1e-6)
            }
            for i in rects.indices {
                for j in rects.indices where j > i {
                    let overlapX = min(rects[i].x + rects[i].width, rects[j].x + rects[j].width) - max(rects[i].x, rects[j].x)
                    let overlapY = min(rects[i].y + rects[i].height, rects[j].y + rects[j].height) - max(rects[i].y, rects[j].y)
                    XCTAssertLessThan(max(overlapX, 0) * max(overlapY, 0), 1e-6, "tiles \(i) and \(j) overlap")
                }
            }
        }
    }

    /// Sixteen equal values in a square are a 4 × 4 grid of squares, where slicing would give strips.
    func testEqualValuesInASquareBecomeSquares() {
        let rects = TreemapLayout.squarify([Double](repeating: 5, count: 16), in: LayoutRect(x: 0, y: 0, width: 400, height: 400))
        for rect in rects {
            XCTAssertEqual(rect.width, 100, accuracy: 1e-9)
            XCTAssertEqual(rect.height, 100, accuracy: 1e-9)
        }
        XCTAssertEqual(Set(rects.map { "\($0.x),\($0.y)" }).count, 16)
    }

    /// A node's cumulative value is its own plus every descendant's, found here by climbing from each node.
    func testFlameTreeSumsEverySubtree() {
        var tree = FlameTree()
        var generator = SystemRandomNumberGenerator()
        for node in 0..<200 {
            tree.add(name: "n\(node)", parent: node == 0 || node % 17 == 0 ? -1 : Int.random(in: 0..<node, using: &generator),
                     value: UInt64.random(in: 0...1000, using: &generator), count: Int.random(in: 0...5, using: &generator))
        }
        var expectedValues = [UInt64](repeating: 0, count: 200), expectedCounts = [Int](repeating: 0, count: 200)
        for node in 0..<200 {
            var ancestor = node
            while ancestor >= 0 {
                expectedValues[ancestor] += tree.selfValues[node]
                expectedCounts[ancestor] += tree.selfCounts[node]
                ancestor = tree.parents[ancestor]
            }
        }
        let (values, counts) = tree.cumulative()
        XCTAssertEqual(values, expectedValues)
        XCTAssertEqual(counts, expectedCounts)
    }
}
