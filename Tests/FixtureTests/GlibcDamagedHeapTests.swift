import CoreFile
import Foundation
import GlibcMalloc
import ProcessImage
import Symbols
import XCTest

/// The walker on a real core whose heap was damaged on purpose: a chunk header overwritten and
/// a fastbin made to loop, as a buffer overrun and a double free would.
final class GlibcDamagedHeapTests: XCTestCase {
    private struct GdbFastbins: Decodable {
        struct Arena: Decodable { var address: String; var fastbin: [String] }
        var main_arena: String
        var arenas: [Arena]
    }

    func testCorruptHeaderAndLoopingFastbinAreReportedAndTheWalkGoesOn() throws {
        let fixture = try CHeapFixture(release: "2.36")
        let core = try Fixtures.decompressed(fixture.directory + "/core.xz")
        let walk = try JSONDecoder().decode(GdbFastbins.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/gdb-walk.json")))
        let main = try XCTUnwrap(walk.arenas.first { $0.address == walk.main_arena })
        XCTAssertGreaterThanOrEqual(main.fastbin.count, 2)
        let (head, second) = (hexValue(main.fastbin[0]), hexValue(main.fastbin[1]))
        // A program allocation in the main heap, well before its end: its header is the victim.
        let inMain = fixture.truth.allocations.filter { $0.arena == "main" && $0.free == nil && $0.usable < 4096 }
            .map(\.addressValue).sorted()
        let victim = try XCTUnwrap(inMain.dropFirst(inMain.count / 4).first)
        let later = try XCTUnwrap(inMain.last)

        let original = try ProcessImage(corePath: core, search: FileSearch(executable: fixture.directory + "/c-heap"))
        func fileOffset(_ address: UInt64) throws -> UInt64 {
            let index = try XCTUnwrap(original.memory.regionIndex(containing: Address(address)))
            let region = original.memory.regions[index]
            guard case let .core(offset) = region.source else { throw FixtureError("\(Address(address).hex) is not in the core") }
            return offset + (address - region.range.start.rawValue)
        }
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let damaged = scratch + "/damaged.core"
        XCTAssertEqual(try Shell.run("/bin/cp", ["--sparse=always", core, damaged]).status, 0)
        let file = try XCTUnwrap(FileHandle(forWritingAtPath: damaged))
        func write(_ value: UInt64, at address: UInt64) throws {
            try file.seek(toOffset: try fileOffset(address))
            file.write(withUnsafeBytes(of: value.littleEndian) { Data($0) })
        }
        try write(0xdead_beef_0ff0, at: victim - 8)  // the size field
        // The second fastbin chunk's safe-linked next now leads back to the head: a loop.
        try write((second >> 12) ^ (head - 16), at: second)
        try file.close()

        let search = FileSearch(executable: fixture.directory + "/c-heap")
        let process = try ProcessImage(corePath: damaged, search: search)
        let heap = try GlibcHeap.read(process: process, symbols: try NativeSymbols(process: process, search: search))
        let messages = heap.warnings.map(\.message)
        XCTAssertEqual(messages.filter { $0.contains("heap corruption near") }, ["heap corruption near \(Address(victim - 16).hex)"])
        XCTAssertTrue(messages.contains { $0.contains("fastbin") && $0.contains("loops") }, "\(messages)")
        // The walk resynchronised: a chunk far after the damage is still found, in use.
        let row = try XCTUnwrap(heap.table.row(containing: Address(later)))
        XCTAssertEqual(heap.table.addresses[row], later)
        XCTAssertEqual(heap.table.states[row], .unknown)
    }
}
