import Analysis
import CoreFile
@testable import GoRuntime
import ProcessImage
import XCTest

/// The heap type walker over a synthetic Go 1.27 heap: descriptors written with the release's
/// own table, spans and objects laid out by hand, so each rule is checked in isolation.
final class GoHeapTypingUnitTests: XCTestCase {
    /// Descriptor offsets in the synthetic types section.
    private enum Descriptor {
        static let int = 0x100, node = 0x200, pointer = 0x300, slice = 0x400, big = 0x500
        static let slot = 0x700, slots = 0x800, group = 0x900, map = 0xA00
    }

    private static let heapBase: UInt64 = 0x1000_0000
    private static let globals: UInt64 = 0x50_0000
    /// main.Node objects, 16 B each, in span 0.
    private static func node(_ index: UInt64) -> UInt64 { heapBase + 16 * index }
    private static let bigSlot = heapBase + 0x2000, backing = heapBase + 0x4000, groups = heapBase + 0x6000, mapHeader = heapBase + 0x8000

    private struct Fixture {
        var walker: GoHeapTypeWalker
        var catalog: GoTypeCatalog
        var types: SyntheticGoTypes
        func id(_ descriptor: Int) throws -> TypeID { try XCTUnwrap(catalog.type(at: types.address(descriptor))) }
        func row(_ address: UInt64) throws -> Int { try XCTUnwrap(walker.table.row(containing: Address(address))) }
        func name(ofRowAt address: UInt64) throws -> String { catalog.name(of: walker.rowTypes[try row(address)]) }
    }

    private func writeTypes(_ writer: inout SyntheticGoTypes) {
        let bits = writer.writeNodeTypes(int: Descriptor.int, node: Descriptor.node, pointer: Descriptor.pointer)
        writer.header(at: Descriptor.slice, size: 24, ptrBytes: 8, kind: .slice, tflag: 0, nameOffset: writer.name("[]*main.Node"), gcdata: bits)
        writer.put(writer.address(Descriptor.pointer).rawValue, at: Descriptor.slice + writer.shapes.slice.elem.offset, size: 8)
        writer.header(at: Descriptor.big, size: 600, ptrBytes: 8, kind: .struct, tflag: GoTypeFlags.named, nameOffset: writer.name("main.Big"), gcdata: bits)
        writer.fields(of: Descriptor.big, [("owner", Descriptor.pointer, 0)])
        // A Swiss map's group: a control word, then 8 slots of key and element.
        writer.header(at: Descriptor.slot, size: 16, ptrBytes: 16, kind: .struct, tflag: 0,
                      nameOffset: writer.name("struct { key int; elem *main.Node }"), gcdata: bits)
        writer.fields(of: Descriptor.slot, [("key", Descriptor.int, 0), ("elem", Descriptor.pointer, 8)])
        writer.header(at: Descriptor.slots, size: 128, ptrBytes: 128, kind: .array, tflag: 0,
                      nameOffset: writer.name("[8]struct { key int; elem *main.Node }"), gcdata: bits)
        writer.put(writer.address(Descriptor.slot).rawValue, at: Descriptor.slots + writer.shapes.array.elem.offset, size: 8)
        writer.put(8, at: Descriptor.slots + writer.shapes.array.length.offset, size: writer.shapes.array.length.size)
        writer.header(at: Descriptor.group, size: 136, ptrBytes: 136, kind: .struct, tflag: 0,
                      nameOffset: writer.name("map.group[int]*main.Node"), gcdata: bits)
        writer.fields(of: Descriptor.group, [("ctrl", Descriptor.int, 0), ("slots", Descriptor.slots, 8)])
        writer.header(at: Descriptor.map, size: 8, ptrBytes: 8, kind: .map, tflag: 0, nameOffset: writer.name("map[int]*main.Node"), gcdata: bits)
        let map = writer.shapes.map
        writer.put(writer.address(Descriptor.int).rawValue, at: Descriptor.map + map.key.offset, size: 8)
        writer.put(writer.address(Descriptor.pointer).rawValue, at: Descriptor.map + map.elem.offset, size: 8)
        writer.put(writer.address(Descriptor.group).rawValue, at: Descriptor.map + map.storageType.offset, size: 8)
    }

    /// Span 0: eight 16-byte nodes. Span 1: one 640-byte slot whose malloc header names main.Big,
    /// owning node 0. Span 2: a 48-byte backing array of three node pointers (1, 2, 3). Span 3: one
    /// group whose slot 0 holds node 4. Span 4: the Swiss map's header, pointing to that group.
    private func makeFixture() throws -> Fixture {
        let table = try XCTUnwrap(GoReleaseTable.all.first { $0.goRelease?.minor == 27 })
        var types = try SyntheticGoTypes(table: table)
        writeTypes(&types)
        let memory = types.memory()
        let mapLayout = try types.layout.resolve(SwissMapLayout.self).get()

        var spans = GoSpanTable()
        var builder = AllocationTableBuilder()
        func span(_ start: UInt64, size: UInt64, count: UInt32, sizeClass: UInt8, words: [UInt64]) {
            let index = spans.count
            spans.append(GoSpan(address: Address(0x70_0000 + UInt64(index) * 0x100), start: Address(start), pageCount: 1,
                                elementSize: size, elementCount: count, spanClass: sizeClass << 1, state: 1, allocBits: .zero,
                                freeIndex: count, allocCount: count, largeType: .zero, specials: .zero))
            for object in 0..<UInt64(count) {
                builder.append(address: Address(start + object * size), size: size, state: .unknown,
                               allocatorWord: GoHeap.AllocatorWord.make(span: index, spanClass: sizeClass << 1))
            }
            var padded = words
            padded += [UInt64](repeating: 0, count: Int(size * UInt64(count) / 8) - words.count)
            memory.map(words: padded, at: Address(start))
        }
        span(Self.heapBase, size: 16, count: 8, sizeClass: 2, words: [])
        span(Self.bigSlot, size: 640, count: 1, sizeClass: 30, words: [types.address(Descriptor.big).rawValue, Self.node(0)])
        span(Self.backing, size: 48, count: 1, sizeClass: 5, words: [Self.node(1), Self.node(2), Self.node(3)])
        var group = [UInt64](repeating: 0, count: 17)
        group[0] = 0x8080_8080_8080_8001 // slot 0 full, the others empty
        group[1] = 42
        group[2] = Self.node(4)
        span(Self.groups, size: 144, count: 1, sizeClass: 11, words: group)
        var header = [UInt64](repeating: 0, count: 6)
        header[mapLayout.dirPtr.offset / 8] = Self.groups
        span(Self.mapHeader, size: 48, count: 1, sizeClass: 5, words: header)

        let catalog = try GoTypeCatalog(memory: memory, layout: types.layout, typesSection: types.section)
        let walker = GoHeapTypeWalker(table: builder.build().table, spans: spans, catalog: catalog, memory: memory,
                                      layout: types.layout, functionName: { _ in nil })
        return Fixture(walker: walker, catalog: catalog, types: types)
    }

    func testAMallocHeaderTypesItsSlotAndThePointerToSlotPlus8() throws {
        var fixture = try makeFixture()
        var summary = GoHeapTypingSummary()
        fixture.walker.typeFromHeaders(summary: &summary)
        fixture.walker.propagate()
        let bigRow = try fixture.row(Self.bigSlot)
        XCTAssertEqual(fixture.walker.sources[bigRow], .header)
        XCTAssertEqual(try fixture.name(ofRowAt: Self.bigSlot), "main.Big")
        XCTAssertEqual(try fixture.name(ofRowAt: Self.node(0)), "main.Node", "reached through main.Big.owner at slot+8")
        XCTAssertEqual(fixture.walker.sources[try fixture.row(Self.node(0))], .propagated)
        // A pointer to slot+8 is the object itself; one to the slot's first word points into the header.
        XCTAssertFalse(fixture.walker.claim(Self.bigSlot, as: try fixture.id(Descriptor.node)))
        XCTAssertEqual(try fixture.name(ofRowAt: Self.bigSlot), "main.Big", "a header is never overridden")
        XCTAssertEqual(fixture.walker.sources[try fixture.row(Self.node(7))], .untyped, "nothing reached node 7")
    }

    func testASliceNamesItsBackingArrayByItsCap() throws {
        var fixture = try makeFixture()
        let slice = try fixture.id(Descriptor.slice)
        // A global []*main.Node of len 2, cap 3.
        let global = Self.globals + 0x100
        (fixture.walker.memory as? SyntheticMemory)?.map(words: [Self.backing, 2, 3], at: Address(global))
        fixture.walker.push(global, slice, limit: global + 24)
        fixture.walker.propagate()
        XCTAssertEqual(try fixture.name(ofRowAt: Self.backing), "[3]*main.Node")
        for node in 1...3 { XCTAssertEqual(try fixture.name(ofRowAt: Self.node(UInt64(node))), "main.Node", "node \(node), up to cap") }
        XCTAssertEqual(fixture.walker.sources[try fixture.row(Self.node(4))], .untyped)
    }

    func testASwissMapTypesItsHeaderItsGroupAndTheElementsOfFullSlots() throws {
        var fixture = try makeFixture()
        let global = Self.globals + 0x200
        (fixture.walker.memory as? SyntheticMemory)?.map(words: [Self.mapHeader], at: Address(global))
        fixture.walker.push(global, try fixture.id(Descriptor.map), limit: global + 8)
        fixture.walker.propagate()
        XCTAssertEqual(try fixture.name(ofRowAt: Self.mapHeader), "internal/runtime/maps.Map")
        XCTAssertEqual(try fixture.name(ofRowAt: Self.groups), "map.group[int]*main.Node", "a small map's directory is its one group")
        XCTAssertEqual(try fixture.name(ofRowAt: Self.node(4)), "main.Node")
        XCTAssertEqual((0..<8).filter { fixture.walker.sources[$0] != .untyped }, [4], "only the full slot's element")
    }

    func testStandardLibraryGlobalsAndProgramTypesAreToldApart() throws {
        for name in ["runtime.mheap_", "internal/cpu.X86", "vendor/golang.org/x/net/dns/dnsmessage.errBaseLen", "sync.poolCleanup"] {
            XCTAssertTrue(GoHeapTypeWalker.isStandardLibrary(variable: name), name)
        }
        for name in ["main.sessions", "github.com/acme/app/store.cache", "example.com/m.v"] {
            XCTAssertFalse(GoHeapTypeWalker.isStandardLibrary(variable: name), name)
        }
        let fixture = try makeFixture()
        XCTAssertTrue(fixture.walker.isProgramType(try fixture.id(Descriptor.node)), "main.Node")
        XCTAssertTrue(fixture.walker.isProgramType(try fixture.id(Descriptor.slice)), "[]*main.Node")
        XCTAssertFalse(fixture.walker.isProgramType(try fixture.id(Descriptor.int)), "int")
        XCTAssertFalse(fixture.walker.isProgramType(fixture.walker.fallbackType("internal/runtime/maps.Map")))
    }

    func testAnInterfaceWordTypesTheBoxedValueButAnInteriorPointerDoesNotRetypeItsObject() throws {
        var fixture = try makeFixture()
        let node = try fixture.id(Descriptor.node)
        // An `any` holding a main.Node: a struct is boxed, so the data word points to the value.
        (fixture.walker.memory as? SyntheticMemory)?.map(words: [0, Self.node(5)], at: Address(Self.globals))
        fixture.walker.walkInterface(at: Self.globals, typeWord: fixture.types.address(Descriptor.node).rawValue, isEmpty: true,
                                     limit: Self.globals + 16)
        fixture.walker.propagate()
        XCTAssertEqual(try fixture.name(ofRowAt: Self.node(5)), "main.Node")
        XCTAssertFalse(fixture.walker.claim(Self.node(6) + 8, as: node))
        XCTAssertEqual(fixture.walker.sources[try fixture.row(Self.node(6))], .untyped, "an interior pointer types no object")
    }
}
