import Foundation
import FuzzTargets
import XCTest

/// Every input the fuzzers crashed on, replayed through the same entry point
/// (`FuzzTarget.run`) that libFuzzer drives: Tests/FuzzRegressions/TARGET/NAME
/// holds the input, NAME.expect a phrase the outcome must now contain (the
/// error or warning that replaced the crash).
final class FuzzRegressionTests: XCTestCase {
    static let regressions = Fixtures.packageRoot + "/Tests/FuzzRegressions"

    private func fixtures() throws -> FuzzFixtures {
        let testCores = Fixtures.testCores
        return FuzzFixtures(
            seedCores: [try Fixtures.decompressed(testCores + "/c-threads/kernel.core.xz"),
                        try Fixtures.decompressed(testCores + "/c-threads/gcore.core.xz")],
            goHeap: FuzzFixture(core: try Fixtures.decompressed(testCores + "/go-heap/go1.23.9/kernel.core.xz"),
                                executable: try Fixtures.decompressed(testCores + "/go-heap/go1.23.9/go-heap.xz")),
            glibcHeap: FuzzFixture(core: try Fixtures.decompressed(testCores + "/c-heap/glibc-2.36/core.xz"),
                                   executable: testCores + "/c-heap/glibc-2.36/c-heap"))
    }

    func testCrashInputsNowEndInAnErrorOrWarning() throws {
        let manager = FileManager.default
        let fixtures = try fixtures()
        var replayed = 0
        for name in FuzzTargetName.allCases {
            let directory = Self.regressions + "/" + name.rawValue
            let inputs = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasSuffix(".expect") }.sorted()
            guard !inputs.isEmpty else { continue }
            let target = try name.make(fixtures)
            for input in inputs {
                let path = directory + "/" + input
                let expected = try String(contentsOfFile: path + ".expect", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                let outcome = target.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
                XCTAssertTrue("\(outcome)".contains(expected), "\(name.rawValue)/\(input): \(outcome); expected \"\(expected)\"")
                replayed += 1
            }
        }
        print("replayed \(replayed) fuzz regression inputs")
    }

    /// The seeds are what the fuzzers start from: the shrunken cores must still be
    /// cores, and the patch-list targets must read their fixture when nothing is patched.
    func testSeedsReadCleanly() throws {
        let fixtures = try fixtures()
        for name in FuzzTargetName.allCases {
            let target = try name.make(fixtures)
            let seeds = try target.seeds()
            XCTAssertFalse(seeds.isEmpty, name.rawValue)
            // The first seed of a patch-list target is the empty list: the unpatched walk.
            for seed in seeds.prefix(name == .core || name == .memory || name == .notes ? seeds.count : 1) {
                guard case .read = target.run(seed) else {
                    XCTFail("\(name.rawValue): a seed of \(seed.count) bytes was refused: \(target.run(seed))")
                    continue
                }
            }
        }
    }
}
