import CoreFile
import ProcessImage
import XCTest

/// Lengths read from a core decide how much `readBytes` reads: a lying one must fail before
/// anything that size is allocated, and a negative or wrapping one must not trap.
final class ReadBoundsTests: XCTestCase {
    private let base = Address(0x10000)

    private func memory() -> SyntheticMemory {
        let memory = SyntheticMemory()
        memory.map([UInt8](repeating: 7, count: 1 << 17), at: base)
        return memory
    }

    func testALyingLengthFailsWithoutAllocatingIt() throws {
        // 2^50 bytes could never be allocated: reaching the read at all proves the probe ran first.
        XCTAssertThrowsError(try memory().readBytes(at: base, count: 1 << 50)) { error in
            XCTAssertEqual(error as? CoreInspectError, .unmapped(address: base.advanced(by: (1 << 50) - 1)))
        }
    }

    func testNegativeAndWrappingLengthsThrow() {
        XCTAssertThrowsError(try memory().readBytes(at: base, count: -1))
        XCTAssertThrowsError(try memory().readBytes(at: Address(UInt64.max - 10), count: 1 << 20))
    }

    func testLargeReadsThatFitStillWork() throws {
        XCTAssertEqual(try memory().readBytes(at: base, count: 1 << 17), [UInt8](repeating: 7, count: 1 << 17))
        // One byte past the mapping: the probe finds it unmapped.
        XCTAssertThrowsError(try memory().readBytes(at: base, count: (1 << 17) + 1))
    }
}
