@testable import GoRuntime
import XCTest

final class MemoryProfileDifferenceTests: XCTestCase {
    private func record(_ allocs: Int64, _ frees: Int64, size: Int64 = 16, stack: [UInt64]) -> GoMemoryProfileRecord {
        GoMemoryProfileRecord(allocObjects: allocs, allocBytes: allocs * size, freeObjects: frees, freeBytes: frees * size,
                              objectSize: size, stack: stack)
    }

    private func profile(_ records: [GoMemoryProfileRecord]) -> GoMemoryProfile {
        GoMemoryProfile(rate: 1, cycle: 3, records: records, globalsSource: "DWARF", warnings: [])
    }

    func testSameStacksSubtractBaseOnlyStacksAreNegatedUnchangedOnesGo() {
        let base = profile([record(10, 2, stack: [0x10, 0x20]), record(5, 5, stack: [0x30]), record(4, 0, stack: [0x40])])
        let later = profile([record(25, 3, stack: [0x10, 0x20]), record(4, 0, stack: [0x40]), record(7, 0, size: 32, stack: [0x50])])
        let difference = later.subtracting(base)
        XCTAssertEqual(difference.records, [record(15, 1, stack: [0x10, 0x20]), record(7, 0, size: 32, stack: [0x50]),
                                            record(-5, -5, stack: [0x30])])
        XCTAssertEqual(difference.rate, 1)
    }

    func testBaseStacksSlideToTheNewLoadAddress() {
        let base = profile([record(3, 0, stack: [0x1010, 0x1020])])
        let later = profile([record(5, 1, stack: [0x5010, 0x5020])])
        XCTAssertEqual(later.subtracting(base, baseSlide: 0x4000).records, [record(2, 1, stack: [0x5010, 0x5020])])
        // Without the slide the stacks differ: both stay, the base's negated.
        XCTAssertEqual(later.subtracting(base).records.count, 2)
    }
}
