import Analysis
import XCTest

final class GrowthTests: XCTestCase {
    /// Random tallies on overlapping keys against a direct computation of every key's change.
    func testRowsHoldEveryChangedKeyOnceMostGrownFirst() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<50 {
            func tallies() -> [String: Tally] {
                var result: [String: Tally] = [:]
                for _ in 0..<Int.random(in: 0..<30, using: &random) {
                    result["type \(Int.random(in: 0..<40, using: &random))"] =
                        Tally(count: UInt64.random(in: 0..<5, using: &random), bytes: UInt64.random(in: 0..<3, using: &random) * 16)
                }
                return result
            }
            let old = tallies(), new = tallies()
            let rows = Growth.rows(old: old, new: new)
            var expected: [String: (Int64, Int64)] = [:]
            for key in Set(old.keys).union(new.keys) {
                let before = old[key] ?? Tally(), after = new[key] ?? Tally()
                if before != after {
                    expected[key] = (Int64(after.count) - Int64(before.count), Int64(after.bytes) - Int64(before.bytes))
                }
            }
            XCTAssertEqual(rows.count, expected.count)
            for row in rows {
                XCTAssertEqual(expected[row.key].map { [$0.0, $0.1] }, [row.count, row.bytes], row.key)
            }
            for (first, second) in zip(rows, rows.dropFirst()) {
                XCTAssertTrue(first.bytes > second.bytes || first.bytes == second.bytes
                              && (first.count > second.count || first.count == second.count && first.key < second.key))
            }
        }
    }

    func testSumAddsCountsAndBytes() {
        XCTAssertEqual(Tally.sum([Tally(count: 2, bytes: 32), Tally(count: 1, bytes: 8)]), Tally(count: 3, bytes: 40))
        XCTAssertEqual(Tally.sum([]), Tally())
    }
}
