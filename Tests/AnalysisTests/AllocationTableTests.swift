import Analysis
import CoreFile
import XCTest

final class AllocationTableTests: XCTestCase {
    /// Rows with gaps and zero-sized rows, in one run (a Go arena: every bucket of the coarse
    /// index narrows the search) or in two clusters far apart (a main heap and mmapped chunks:
    /// a few buckets hold everything).
    private func randomTable(seed: UInt64, rows: Int, clustered: Bool = true) -> AllocationTable {
        var random = SplitMix64(seed: seed)
        var builder = AllocationTableBuilder()
        var cursor: UInt64 = 0x5555_5555_0000
        for row in 0..<rows {
            if clustered, row == rows / 2 { cursor = 0x7f12_3456_0000 }
            cursor += UInt64.random(in: 0...3, using: &random) * 16
            let size = UInt64.random(in: 0...40, using: &random) * 8
            builder.append(address: Address(cursor), size: size, state: .unknown)
            cursor += max(size, 8)
        }
        return builder.build().table
    }

    private func linearRow(in table: AllocationTable, containing value: UInt64) -> Int? {
        (0..<table.count).first { value >= table.addresses[$0] && value - table.addresses[$0] < table.sizes[$0] }
    }

    func testLookupAgreesWithALinearScan() {
        for seed in 1...12 as ClosedRange<UInt64> {
            let table = randomTable(seed: seed, rows: Int(seed) * 37, clustered: seed % 2 == 0)
            var random = SplitMix64(seed: seed &* 977)
            var probes: [UInt64] = [0, .max, table.bounds.start.rawValue - 1, table.bounds.end.rawValue]
            for row in 0..<table.count {
                let start = table.addresses[row]
                let end = start + table.sizes[row]
                probes += [start, start - 1, end, end - 1, start + UInt64.random(in: 0...table.sizes[row], using: &random)]
            }
            for probe in probes {
                XCTAssertEqual(table.row(containing: Address(probe)), linearRow(in: table, containing: probe),
                               "seed \(seed), probe \(Address(probe))")
            }
        }
    }

    func testAPointerOneByteAfterAnAllocationBelongsToNoRow() {
        var builder = AllocationTableBuilder()
        builder.append(address: Address(0x1000), size: 0x20, state: .unknown)
        builder.append(address: Address(0x1040), size: 0x10, state: .unknown)
        let table = builder.build().table
        XCTAssertEqual(table.row(containing: Address(0x101f)), 0)
        XCTAssertNil(table.row(containing: Address(0x1020)))
        XCTAssertEqual(table.row(containing: Address(0x1048)), 1)
        XCTAssertNil(table.row(containing: Address(0x1050)))
    }

    func testBuilderSortsAllColumnsTogetherAndRejectsOverlaps() {
        var random = SplitMix64(seed: 42)
        var rows: [(address: UInt64, size: UInt64)] = (0..<400).map { _ in
            (0x1000 + UInt64.random(in: 0..<2000, using: &random) * 8, UInt64.random(in: 1...6, using: &random) * 8)
        }
        rows.append((.max - 8, 16))
        var builder = AllocationTableBuilder()
        for (index, row) in rows.enumerated() {
            builder.append(address: Address(row.address), size: row.size, state: index % 3 == 0 ? .free : .unknown,
                           type: TypeID(rawValue: UInt32(index)), allocatorWord: UInt64(index))
        }
        let build = builder.build(keepingExamples: 3)

        // Oracle: sort by address then append order, keep each row that starts at or after the
        // end of the last kept one and does not wrap.
        var expected: [Int] = []
        var keptEnd: UInt64 = 0
        for index in rows.indices.sorted(by: { (rows[$0].address, $0) < (rows[$1].address, $1) }) {
            let row = rows[index]
            guard row.size <= UInt64.max - row.address else { continue }
            if let last = expected.last, row.address < keptEnd || row.address == rows[last].address { continue }
            expected.append(index)
            keptEnd = row.address + row.size
        }
        let table = build.table
        XCTAssertEqual(table.allocatorWords, expected.map { UInt64($0) })
        XCTAssertEqual(table.addresses, expected.map { rows[$0].address })
        XCTAssertEqual(table.sizes, expected.map { rows[$0].size })
        XCTAssertEqual(table.typeIDs, expected.map { TypeID(rawValue: UInt32($0)) })
        XCTAssertEqual(table.states, expected.map { $0 % 3 == 0 ? .free : .unknown })
        XCTAssertEqual(build.rejected.count, rows.count - expected.count)
        XCTAssertGreaterThan(build.rejected.count, 0)
        XCTAssertEqual(build.rejected.examples.count, 3)
        for example in build.rejected.examples {
            XCTAssertTrue(example.conflictsWith.map { $0.overlaps(example.rejected) || $0.start == example.rejected.start } ?? true)
        }
    }

    func testAWrappingRowIsRejectedWithoutAConflict() {
        var builder = AllocationTableBuilder()
        builder.append(address: Address(0xffff_ffff_ffff_fff0), size: 0x20, state: .unknown)
        let build = builder.build()
        XCTAssertEqual(build.table.count, 0)
        XCTAssertEqual(build.rejected.count, 1)
        XCTAssertNil(build.rejected.examples.first?.conflictsWith)
    }

    func testRowsOverlappingARangeAgreeWithALinearScan() {
        let table = randomTable(seed: 7, rows: 300)
        var random = SplitMix64(seed: 8)
        for _ in 0..<500 {
            let row = Int.random(in: 0..<table.count, using: &random)
            let start = table.addresses[row] + UInt64.random(in: 0...64, using: &random) - 32
            let range = AddressRange(start: Address(start), size: UInt64.random(in: 0...400, using: &random))
            // An empty range holds no byte, whatever AddressRange.overlaps says of it.
            let expected = range.isEmpty ? [] : (0..<table.count).filter { row in
                table.sizes[row] == 0 ? range.contains(table.address(of: row)) : range.overlaps(table.range(of: row))
            }
            XCTAssertEqual(Array(table.rows(overlapping: range)), expected, "range \(range)")
        }
    }

    func testAnEmptyTableHoldsNothing() {
        let table = AllocationTableBuilder().build().table
        XCTAssertTrue(table.isEmpty)
        XCTAssertNil(table.row(containing: Address(0)))
        XCTAssertNil(table.row(containing: Address(0xc000_0000_00)))
        XCTAssertEqual(table.rows(overlapping: AddressRange(start: Address(0), end: Address(.max))), 0..<0)
        XCTAssertEqual(table.tallies, StateTallies())
    }
}
