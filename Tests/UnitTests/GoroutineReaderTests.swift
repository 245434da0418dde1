import CoreFile
@testable import GoRuntime
import XCTest

/// `g` and `m` read through each release's table from synthetic memory:
/// every field at its offset and at its own width, whatever its neighbours hold.
final class GoroutineReaderTests: XCTestCase {
    private func put(_ value: UInt64, width: Int, at offset: Int, in bytes: inout [UInt8]) {
        for index in 0..<width { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    func testEveryTableReadsAGoroutineFieldByField() throws {
        let gAddress: UInt64 = 0xc000_0010_00, mAddress: UInt64 = 0xc000_0020_00
        for table in GoReleaseTable.all {
            let layout = GoRuntimeLayout(table: table, goVersion: table.release, exact: true)
            let g = try layout.resolve(GLayout.self).get(), m = try layout.resolve(MLayout.self).get()
            // Every byte not written below is 0xFF, so a field read too wide or in the wrong place shows.
            var gBytes = [UInt8](repeating: 0xFF, count: g.size), mBytes = [UInt8](repeating: 0xFF, count: m.size)
            put(42, width: g.goid.size, at: g.goid.offset, in: &gBytes)
            put(UInt64(GoroutineStatus.waiting), width: g.status.size, at: g.status.offset, in: &gBytes)
            put(3, width: g.waitReason.size, at: g.waitReason.offset, in: &gBytes)
            put(0xc000_1000_00, width: 8, at: g.stackLo.offset, in: &gBytes)
            put(0xc000_1080_00, width: 8, at: g.stackHi.offset, in: &gBytes)
            put(0x47_1234, width: 8, at: g.schedPC.offset, in: &gBytes)
            put(0xc000_1070_00, width: 8, at: g.schedSP.offset, in: &gBytes)
            put(mAddress, width: 8, at: g.m.offset, in: &gBytes)
            if let parent = g.parentGoid { put(7, width: parent.size, at: parent.offset, in: &gBytes) }
            put(4321, width: m.procid.size, at: m.procid.offset, in: &mBytes)
            let memory = FakeMemory()
            memory.map(gBytes, at: gAddress)
            memory.map(mBytes, at: mAddress)

            let reader = try GoroutineReader(memory: memory, layout: layout, waitReasons: ["", "a", "b", "chan receive"])
            var buffer: [UInt8] = []
            let goroutine = try reader.read(Address(gAddress), buffer: &buffer)
            XCTAssertEqual(goroutine.id, 42, table.release)
            XCTAssertEqual(goroutine.status.base, GoroutineStatus.waiting, table.release)
            XCTAssertEqual(goroutine.waitReason, "chan receive", table.release)
            XCTAssertEqual(goroutine.stack, AddressRange(start: Address(0xc000_1000_00), end: Address(0xc000_1080_00)), table.release)
            XCTAssertEqual(goroutine.schedPC, Address(0x47_1234), table.release)
            XCTAssertEqual(goroutine.schedSP, Address(0xc000_1070_00), table.release)
            XCTAssertEqual(goroutine.threadID, 4321, table.release)
            XCTAssertEqual(goroutine.parentID, g.parentGoid == nil ? nil : 7, table.release)
        }
    }
}
