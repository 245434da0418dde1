import Analysis
import CoreFile
import Foundation
import GlibcMalloc
import XCTest

/// What the c-heap program recorded about how it holds each allocation, for `why`.
struct CHeapWhyTruth: Decodable {
    struct Allocation: Decodable {
        var address: String
        var `class`: String
        /// How a reachable allocation is held: "global main_roots.list", "tls tls_roots.list",
        /// "stack tree", "dynamic-tls dtls_root", "separators".
        var root: String?
        var leader: String?
        var cycle: Int?
        var free: String?

        var rootKind: String? { root.flatMap { $0.split(separator: " ").first.map(String.init) } }
    }

    var allocations: [Allocation]

    init(fixture: CHeapFixture) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/truth.json")))
    }
}

/// `NativePathFinder.path(to:)` against the c-heap manifest: every allocation the program holds
/// from a global, a thread-local or a stack local is reached from a root of that kind, and no
/// leaked one is reached at all.
final class NativeWhyPathTests: XCTestCase {
    func testEveryHeldAllocationIsReachedFromItsKindOfRoot() throws {
        var checked = 0
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let truth = try CHeapWhyTruth(fixture: fixture)
            let (process, symbols) = try fixture.open()
            let heap = try GlibcHeap.read(process: process, symbols: symbols)
            let check = NativeLeakCheck(table: heap.table, process: process, allocatorOwned: heap.isLibcOwned, headerBytes: 16)
            let labels = check.roots.roots.labels
            let finder = NativePathFinder(check: check, table: heap.table, memory: process.memory, headerBytes: 16)
            for allocation in truth.allocations where allocation.class != "freed" {
                let row = try XCTUnwrap(heap.table.row(containing: Address(hexValue(allocation.address))), allocation.address)
                let path = finder.path(to: row)
                let context = "glibc \(release) \(allocation.address) \(allocation.root ?? allocation.class)"
                if ["direct", "indirect"].contains(allocation.class) {
                    XCTAssertNil(path, context)
                    continue
                }
                guard let expected = allocation.rootKind, ["global", "tls", "stack"].contains(expected) else { continue }
                guard case .word(let label, let word)? = path?.start, label >= 0, word != nil else {
                    XCTFail("\(context): no path from a root word: \(String(describing: path?.start))")
                    continue
                }
                let root = labels[Int(label)]
                switch expected {
                case "global": XCTAssertEqual(root.kind, .global, "\(context): \(root.name)")
                case "tls": XCTAssertTrue(root.name.hasSuffix(NativeRoots.threadStorageSuffix), "\(context): \(root.name)")
                default: XCTAssertTrue(root.name.hasSuffix(NativeRoots.stackSuffix), "\(context): \(root.name)")
                }
                XCTAssertEqual(path?.rows.last, row, context)
                // Each step's offset is a word of the chunk it leaves.
                for step in path?.steps ?? [] {
                    let offset = try XCTUnwrap(step.offset, context)
                    XCTAssertLessThan(offset, heap.table.sizes[step.from], context)
                    let word = try process.memory.readUInt64(at: Address(heap.table.addresses[step.from] + offset))
                    XCTAssertEqual(heap.table.row(containing: Address(word)), step.to, context)
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }
}
