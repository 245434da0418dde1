import CoreFile
import ProcessImage
import Symbols
import XCTest

/// Our frames against `eu-stack -i` on the same core, frame for frame:
/// same pcs, same functions, same inlined frames.
final class EuStackAgreementTests: XCTestCase {
    func testFramesMatchEuStackOnEveryNativeFixture() throws {
        var comparedThreads = 0
        for (fixture, _) in try Fixtures.native() {
            let opened = try fixture.opened()
            let result = try Shell.run("/usr/bin/eu-stack", ["-i", "--core=\(try fixture.core())", "-e", opened.executable])
            XCTAssertEqual(result.status, 0, "eu-stack failed on \(fixture): \(result.stderr)")
            let expected = EuStackOutput.parse(result.stdout)

            let process = opened.process, symbols = try opened.native
            XCTAssertEqual(Set(expected.keys), Set(process.threads.map(\.tid)), "\(fixture)")
            for thread in process.threads {
                let ours = symbols.stack(of: thread).frames.map { EuStackOutput.Frame(pc: $0.pc.rawValue, function: $0.function ?? "") }
                XCTAssertEqual(ours, expected[thread.tid], "\(fixture) tid \(thread.tid)")
                comparedThreads += 1
            }
        }
        XCTAssertGreaterThanOrEqual(comparedThreads, 13)
    }
}

/// eu-stack's text output: "TID n:" then "#k 0xPC name" lines.
enum EuStackOutput {
    struct Frame: Equatable, CustomStringConvertible {
        var pc: UInt64
        var function: String
        var description: String { "0x\(String(pc, radix: 16)) \(function)" }
    }

    static func parse(_ text: String) -> [Int32: [Frame]] {
        var stacks: [Int32: [Frame]] = [:]
        var current: Int32?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("TID "), let tid = Int32(line.dropFirst(4).dropLast()) {
                current = tid
                stacks[tid] = []
            } else if line.hasPrefix("#"), let tid = current {
                let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                guard fields.count >= 2, let pc = UInt64(fields[1].dropFirst(2), radix: 16) else { continue }
                stacks[tid, default: []].append(Frame(pc: pc, function: fields.count > 2 ? String(fields[2]) : ""))
            }
        }
        return stacks
    }
}
