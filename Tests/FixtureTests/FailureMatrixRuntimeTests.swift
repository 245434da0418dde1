import CoreFile
import Foundation
import GoRuntime
import ProcessImage
import XCTest

/// docs/errors.md's rows about corrupt Go and glibc runtime structures and --timeout, each
/// made by damaging a sparse copy of a real fixture core at words found with coreinspect's
/// own readers on the undamaged core.
final class FailureMatrixRuntimeTests: FailureMatrixTestCase {
    static let goSection = "Corrupt Go runtime structures"
    static let glibcSection = "Corrupt glibc malloc structures"
    static let timeoutSection = "Long analyses cut short: `--timeout`"

    func testGoRows() throws {
        let original = try Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore").opened()
        let core = try original.fixture.core()
        let go = try original.go
        let process = original.process
        let index = try XCTUnwrap(try original.native.dwarfIndex(for: try XCTUnwrap(process.mainExecutable)))
        let allgs = Address(try XCTUnwrap(index.variableAddress("runtime.allgs")))
        let mheap = Address(try XCTUnwrap(index.variableAddress("runtime.mheap_")))
        let damaged = { (name: String, address: Address, value: UInt64) throws -> MatrixInput in
            MatrixInput(core: try self.patchedMemory(core, of: process, as: name, at: address, value: value),
                        executable: original.executable)
        }
        try checkRows(in: Self.goSection) { id in
            switch id {
            case "go-allgs-length": return try damaged("allgs", allgs.advanced(by: 8), 1 << 62)
            case "go-allgs-element":
                let array = try process.memory.readPointer(at: allgs)
                return try damaged("allgs-element", array.advanced(by: 3 * 8), 0xdead_0000_0000)
            case "go-allspans-length":
                let allspans = mheap.advanced(by: try go.layout.offset("runtime.mheap.allspans"))
                return try damaged("allspans", allspans.advanced(by: 8), 1 << 40)
            case "go-span-corrupt":
                let heap = try GoHeap.read(process: process, go: go)
                let span = Address(try XCTUnwrap(heap.spans.spanAddresses.first))
                let startAddr = try go.layout.offset("runtime.mspan.startAddr")
                return try damaged("span", span.advanced(by: startAddr), 0x10)
            case "go-pclntab-corrupt":
                let executable = try copy(original.executable, as: "go-hello")
                let file = try MappedFile(path: executable)
                let section = try XCTUnwrap(try ELFImage(view: file.bytes, path: executable).section(named: ".gopclntab"))
                try patch(executable, at: section.fileOffset, value: UInt64(0))
                return MatrixInput(core: core, executable: executable)
            default: return nil
            }
        }
    }

    func testGlibcRows() throws {
        let fixture = try CHeapFixture(release: "2.36")
        let core = try Fixtures.decompressed(fixture.directory + "/core.xz")
        let executable = fixture.directory + "/c-heap"
        let process = try ProcessImage(corePath: core, search: FileSearch(executable: executable))
        let walk = try JSONDecoder().decode(GdbArenas.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/gdb-walk.json")))
        let damaged = { (name: String, address: UInt64, value: UInt64) throws -> MatrixInput in
            MatrixInput(core: try self.patchedMemory(core, of: process, as: name, at: Address(address), value: value),
                        executable: executable, debugDirectory: fixture.truth.glibc_files.debugdir)
        }
        try checkRows(in: Self.glibcSection) { id in
            switch id {
            case "glibc-chunk-size":
                let inMain = fixture.truth.allocations.filter { $0.arena == "main" && $0.free == nil && $0.usable < 4096 }
                    .map(\.addressValue).sorted()
                let victim = try XCTUnwrap(inMain.dropFirst(inMain.count / 4).first)
                return try damaged("chunk-size", victim - 8, 0xdead_beef_0ff0)
            case "glibc-bin-loop":
                let main = try XCTUnwrap(walk.arenas.first { $0.address == walk.main_arena })
                XCTAssertGreaterThanOrEqual(main.fastbin.count, 2)
                let (head, second) = (hexValue(main.fastbin[0]), hexValue(main.fastbin[1]))
                // Safe-linking (glibc 2.32+): the stored link is (its own address >> 12) ^ target.
                return try damaged("bin-loop", second, (second >> 12) ^ (head - 16))
            case "glibc-tcache-loop":
                let entries = try XCTUnwrap(walk.tcaches.first { $0.entries.count >= 2 }).entries.map(hexValue)
                let reveal = { (entry: UInt64) throws -> UInt64 in (entry >> 12) ^ (try process.memory.readUInt64(at: Address(entry))) }
                XCTAssertEqual(try reveal(entries[0]), entries[1], "gdb lists a bin's entries in list order")
                return try damaged("tcache-loop", entries[1], (entries[1] >> 12) ^ entries[0])
            case "glibc-arena-loop":
                let others = walk.arenas.filter { $0.address != walk.main_arena }.map { hexValue($0.address) }
                try XCTSkipIf(others.count < 2, "the fixture has fewer than three arenas")
                // Which arena `next` leads to the second non-main one: follow the ring from main.
                let nextOffset: UInt64 = 2160  // malloc_state.next on 2.36 (DESIGN.md)
                var ring: [UInt64] = []
                var current = hexValue(walk.main_arena)
                for _ in 0..<8 {
                    current = try process.memory.readUInt64(at: Address(current + nextOffset))
                    if current == hexValue(walk.main_arena) { break }
                    ring.append(current)
                }
                XCTAssertEqual(Set(ring), Set(others), "the ring gdb walked")
                return try damaged("arena-loop", ring[1] + nextOffset, ring[0])
            default: return nil
            }
        }
    }

    func testTimeoutRows() throws {
        let go = Fixture(directory: Fixtures.testCores + "/go-hello", dump: "gcore")
        let glibc = try CHeapFixture(release: "2.36")
        try checkRows(in: Self.timeoutSection) { id in
            switch id {
            case "timeout-go-heap", "timeout-go-why": return MatrixInput(core: try go.core(), executable: try go.opened().executable)
            case "timeout-glibc-leaks":
                return MatrixInput(core: try Fixtures.decompressed(glibc.directory + "/core.xz"), executable: glibc.directory + "/c-heap",
                                   debugDirectory: glibc.truth.glibc_files.debugdir)
            default: return nil
            }
        }
    }

    /// A sparse copy of `core` with the 8 bytes at `address` (which the core holds) replaced.
    private func patchedMemory(_ core: String, of process: ProcessImage, as name: String, at address: Address,
                               value: UInt64) throws -> String {
        let index = try XCTUnwrap(process.memory.regionIndex(containing: address), "\(address.hex) is not mapped")
        let region = process.memory.regions[index]
        guard case let .core(offset) = region.source else { throw FixtureError("\(address.hex) is not in the core") }
        let path = try copy(core, as: name)
        try patch(path, at: offset + address.offset(from: region.range.start), value: value)
        return path
    }
}

/// The arenas of gdb's walk of the c-heap fixture (gdb-walk.json).
private struct GdbArenas: Decodable {
    struct Arena: Decodable { var address: String; var fastbin: [String] }
    struct Tcache: Decodable { var entries: [String] }
    var main_arena: String
    var arenas: [Arena]
    var tcaches: [Tcache]
}
