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

/// `coreinspect why` through the built binary on the c-heap dumps: one allocation of each kind
/// the manifest names, checked field by field against it.
final class NativeWhyCommandTests: XCTestCase {
    private struct Document: Decodable {
        struct Chunk: Decodable { var address: String; var state: String }
        struct Root: Decodable { var kind: String; var name: String }
        struct Step: Decodable { var to: String }
        struct Result: Decodable {
            var object: Chunk
            var state: String
            var root: Root?
            var steps: [Step]
            var leader: Chunk?
            var freeIn: String?
            var predecessors: [Chunk]
        }

        var result: Result
    }

    private func why(_ fixture: CHeapFixture, _ address: String) throws -> (status: Int32, result: Document.Result?, stderr: String) {
        let core = try Fixtures.decompressed(fixture.directory + "/core.xz")
        let run = try Shell.coreinspect(["why", core, address, "--exe", fixture.directory + "/c-heap",
                                         "--debug-dir", fixture.directory, "--json"])
        return (run.status, try? JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8)).result, run.stderr)
    }

    func testOneAllocationOfEachKindAgreesWithTheManifest() throws {
        for release in CHeapFixture.releases {
            let fixture = try CHeapFixture(release: release)
            let truth = try CHeapWhyTruth(fixture: fixture)
            var kinds = Set<String>()
            for allocation in truth.allocations where kinds.insert(allocation.rootKind ?? allocation.class + (allocation.free ?? "")).inserted {
                let (status, result, stderr) = try why(fixture, allocation.address)
                let context = "glibc \(release) \(allocation.address) \(allocation.root ?? allocation.class)"
                if allocation.free == "top" {
                    XCTAssertEqual(status, 6, "\(context): \(stderr)")
                    continue
                }
                XCTAssertEqual(status, 0, "\(context): \(stderr)")
                let answer = try XCTUnwrap(result, context)
                XCTAssertEqual(answer.object.address, allocation.address, context)
                switch allocation.class {
                case "freed":
                    XCTAssertEqual(answer.state, "free", context)
                    XCTAssertEqual(answer.freeIn, allocation.free, context)
                case "direct", "indirect":
                    let leadsCycle = allocation.cycle != nil && allocation.address == allocation.leader
                    XCTAssertEqual(answer.state, leadsCycle ? "direct" : allocation.class, context)
                    XCTAssertNil(answer.root, context)
                    if answer.state == "indirect" {
                        XCTAssertEqual(answer.leader?.address, allocation.leader, context)
                        XCTAssertFalse(answer.predecessors.isEmpty, context)
                    }
                case "possible":
                    XCTAssertEqual(answer.state, "possible", context)
                default:
                    XCTAssertEqual(answer.state, "reachable", context)
                    XCTAssertEqual(answer.steps.last?.to, allocation.address, context)
                    let root = try XCTUnwrap(answer.root, context)
                    switch allocation.rootKind {
                    case "global":
                        // The manifest names the variable and field ("main_roots.list"); the ELF symbol is the variable.
                        XCTAssertEqual(root.kind, "global", context)
                        let variable = allocation.root!.split(separator: " ")[1].split(separator: ".")[0]
                        XCTAssertTrue(root.name.hasPrefix(String(variable)), "\(context): \(root.name)")
                    case "tls": XCTAssertEqual(root.kind, "tls", context)
                    case "stack":
                        XCTAssertEqual(root.kind, "stack", context)
                        XCTAssertTrue(root.name.contains(" frame #"), "\(context): \(root.name)")
                    default: break
                    }
                }
            }
            XCTAssertGreaterThanOrEqual(kinds.count, 10, release)
            XCTAssertEqual(try why(fixture, "0x10").status, 6, release)
        }
    }
}
