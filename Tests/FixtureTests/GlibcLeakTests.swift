import Analysis
import CoreFile
import Foundation
import GlibcMalloc
import XCTest

/// The manifest fields a leak check needs, beyond the walker tests' `CHeapTruth`.
struct CHeapLeakTruth: Decodable {
    struct Allocation: Decodable {
        var address: String
        var `class`: String
        /// The leaked block holding an indirect leak's cluster.
        var leader: String?
        /// Set on every block of a leaked cycle (the cycle's number).
        var cycle: Int?
    }

    var allocations: [Allocation]
}

/// `leaks` against the c-heap program's own manifest: every allocation it leaked is reported in
/// its class (indirect ones with their leader), and nothing it still holds or freed is, on
/// every glibc, with the -g and the stripped executable, with libc's debug info and without.
final class GlibcLeakTests: XCTestCase {
    func testEveryLeakIsReportedInItsClassAndNothingElse() throws {
        var checked = 0
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let truth = try JSONDecoder().decode(CHeapLeakTruth.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/truth.json")))
            for stripped in [false, true] {
                let (process, symbols) = try fixture.open(stripped: stripped)
                for method in [GlibcHeap.Method.automatic, .structureOnly] {
                    let heap = try GlibcHeap.read(process: process, symbols: symbols, method: method)
                    let check = NativeLeakCheck(table: heap.table, process: process, allocatorOwned: heap.isLibcOwned, headerBytes: 16)
                    let context = "glibc \(release) stripped=\(stripped) \(method)"
                    checked += Self.compare(truth: truth, table: heap.table, classification: check.classification, context: context)
                }
            }
        }
        XCTAssertGreaterThan(checked, 0)
    }

    /// Compares the manifest with the classification; returns the leaked allocations checked.
    private static func compare(truth: CHeapLeakTruth, table: AllocationTable, classification: LeakClassification,
                                context: String) -> Int {
        var manifestRows = Set<Int>()
        var leaked = 0
        for allocation in truth.allocations {
            guard let address = Address(parsing: allocation.address),
                  let row = table.row(containing: address), table.address(of: row) == address else {
                // A freed chunk merged into top is no row; the walker's tests check where it went.
                if allocation.class == "freed" { continue }
                XCTFail("\(context): \(allocation.address) (\(allocation.class)) is no row of the walk")
                continue
            }
            manifestRows.insert(row)
            let kind = classification.kinds[row]
            let leader = classification.leader(of: row).map { table.address(of: $0).hex }
            switch allocation.class {
            case "reachable":
                XCTAssertEqual(kind, .reachable, "\(context): \(allocation.address) is held by the program")
            case "freed":
                XCTAssertFalse(kind.isLeak, "\(context): \(allocation.address) was freed")
            case "direct", "possible":
                leaked += 1
                XCTAssertEqual(kind.name, allocation.class, "\(context): \(allocation.address)")
            case "indirect" where allocation.cycle != nil:
                // A cycle nothing else holds: the manifest names the block Memcheck would pick
                // (the lowest address) as the leader of the rest.
                leaked += 1
                XCTAssertEqual(kind, allocation.address == allocation.leader ? .direct : .indirect, "\(context): \(allocation.address)")
                XCTAssertEqual(leader, allocation.leader, "\(context): cycle block \(allocation.address)")
            case "indirect":
                leaked += 1
                XCTAssertEqual(kind, .indirect, "\(context): \(allocation.address)")
                XCTAssertEqual(leader, allocation.leader, "\(context): leader of \(allocation.address)")
            default:
                XCTFail("\(context): unknown class \(allocation.class)")
            }
        }
        // Rows the program did not allocate (libc's, the loader's) are never its leaks.
        for row in 0..<table.count where !manifestRows.contains(row) && classification.kinds[row].isLeak {
            XCTFail("\(context): \(table.address(of: row)) (\(table.sizes[row]) bytes), not the program's, reported as \(classification.kinds[row].name)")
        }
        return leaked
    }
}
