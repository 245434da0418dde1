@testable import GoRuntime
import XCTest

/// The vote that turns a function's RIP-relative targets into a global's base address.
final class CodeReferencesTests: XCTestCase {
    private let fieldOffsets: Set<Int> = [0x10, 0x28, 0x1a0, 0x1a8, 0x2000]

    func testTheBaseMostFieldsAgreeOnWins() {
        let base: UInt64 = 0x5f_34e0
        // Four real field references, plus noise: stray displacements and another global's fields.
        let real = [0x10, 0x28, 0x1a0, 0x2000].map { base + UInt64($0) }
        let noise: [UInt64] = [0x58_cbf0, 0x58_cbf8, 0x5e_d160 + 0x28, 0x60_0000]
        let references = CodeReferences(targets: Set(real + noise))
        let candidates = references.candidateBases(fieldOffsets: fieldOffsets, minimumMatches: 3)
        XCTAssertEqual(candidates.first, base)
        XCTAssertEqual(candidates.count, 1, "noise never gathers three fields: \(candidates.map { String($0, radix: 16) })")
    }

    func testTooFewAgreeingFieldsGiveNoCandidate() {
        let references = CodeReferences(targets: [0x40_0010, 0x50_0028, 0x60_01a0])
        XCTAssertTrue(references.candidateBases(fieldOffsets: fieldOffsets, minimumMatches: 2).isEmpty)
    }
}
