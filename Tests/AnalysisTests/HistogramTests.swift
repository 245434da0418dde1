import Analysis
import CoreFile
import XCTest

final class HistogramTests: XCTestCase {
    private func randomTable(seed: UInt64) -> AllocationTable {
        var random = SplitMix64(seed: seed)
        var builder = AllocationTableBuilder()
        var cursor: UInt64 = 0x1000
        for _ in 0..<2000 {
            // Few distinct sizes and types, so that ties in the top-N are common.
            let size = [16, 32, 48, 64, 4096].randomElement(using: &random)! as UInt64
            builder.append(address: Address(cursor), size: size, state: AllocationState.allCases.randomElement(using: &random)!,
                           type: TypeID(rawValue: UInt32.random(in: 0..<12, using: &random)))
            cursor += size
        }
        return builder.build().table
    }

    /// Tallies per key and state by brute force.
    private func bruteForce<Key: Hashable>(_ table: AllocationTable, key: (Int) -> Key) -> [Key: [AllocationState: Tally]] {
        var result: [Key: [AllocationState: Tally]] = [:]
        for row in 0..<table.count {
            var tally = result[key(row), default: [:]][table.states[row], default: Tally()]
            tally.count += 1
            tally.bytes += table.sizes[row]
            result[key(row), default: [:]][table.states[row]] = tally
        }
        return result
    }

    private func assertMatches<Key>(_ histogram: Histogram<Key>, _ expected: [Key: [AllocationState: Tally]],
                                    file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(histogram.buckets.map(\.key), expected.keys.sorted(), file: file, line: line)
        for bucket in histogram.buckets {
            for state in AllocationState.allCases {
                XCTAssertEqual(bucket.tallies[state], expected[bucket.key]?[state] ?? Tally(), "\(bucket.key) \(state)",
                               file: file, line: line)
            }
        }
    }

    func testHistogramsByTypeSizeAndSizeClassMatchBruteForce() {
        let table = randomTable(seed: 3)
        assertMatches(Histogram(byTypeOf: table), bruteForce(table) { table.typeIDs[$0] })
        assertMatches(Histogram(bySizeOf: table), bruteForce(table) { table.sizes[$0] })
        let classSizes: [UInt64] = [16, 48, 512]
        assertMatches(Histogram(bySizeClassOf: table, classSizes: classSizes),
                      bruteForce(table) { row in classSizes.firstIndex { table.sizes[row] <= $0 } ?? classSizes.count })
    }

    func testTalliesByStateSumTheTable() {
        let table = randomTable(seed: 4)
        let expected = bruteForce(table) { _ in 0 }[0]!
        for state in AllocationState.allCases {
            XCTAssertEqual(table.tallies[state], expected[state] ?? Tally())
            XCTAssertEqual(Histogram(byTypeOf: table).total[state], expected[state] ?? Tally())
        }
        let allocated = AllocationState.allCases.filter(\.isAllocated).compactMap { expected[$0] }
        XCTAssertEqual(table.tallies.allocated, Tally(count: allocated.reduce(0) { $0 + $1.count },
                                                      bytes: allocated.reduce(0) { $0 + $1.bytes }))
    }

    func testTopNEqualsAFullStableSort() {
        for seed in 5...10 as ClosedRange<UInt64> {
            let histogram = Histogram(byTypeOf: randomTable(seed: seed))
            let measures: [(StateTallies) -> UInt64] = [{ $0.live.bytes }, { $0.garbage.count }, { $0.allocated.count }]
            for measure in measures {
                // Oracle: every bucket sorted by measure, descending; Swift's sort is stable, and
                // buckets are in key order, so ties keep key order.
                let sorted = histogram.buckets.filter { measure($0.tallies) > 0 }
                    .sorted { measure($0.tallies) > measure($1.tallies) }
                for n in [0, 1, 3, 7, 100] {
                    XCTAssertEqual(histogram.top(n, by: measure).map(\.key), sorted.prefix(n).map(\.key), "seed \(seed), n \(n)")
                }
            }
        }
    }

    func testTiesKeepKeyOrder() {
        var builder = AllocationTableBuilder()
        for (index, type) in [3, 1, 2, 1, 3, 2].enumerated() {
            builder.append(address: Address(UInt64(0x1000 + index * 0x100)), size: 16, state: .live,
                           type: TypeID(rawValue: UInt32(type)))
        }
        let histogram = Histogram(byTypeOf: builder.build().table)
        XCTAssertEqual(histogram.top(2) { $0.live.count }.map(\.key.rawValue), [1, 2])
    }
}
