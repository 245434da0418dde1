import Analysis
import CoreFile
@testable import GoRuntime
import XCTest

/// Naming the word at an offset inside a typed value, over Go 1.27 descriptors written by hand.
final class GoFieldPathTests: XCTestCase {
    private enum Descriptor {
        static let int = 0x100, node = 0x180, pointer = 0x200, nodes = 0x280, holder = 0x300
        static let slot = 0x380, slots = 0x400, group = 0x480, iface = 0x500
    }

    private struct Fixture {
        var catalog: GoTypeCatalog
        var types: SyntheticGoTypes
        var path: GoFieldPath
        func id(_ descriptor: Int) throws -> TypeID { try XCTUnwrap(catalog.type(at: types.address(descriptor))) }
        func name(_ offset: UInt64, in descriptor: Int) throws -> String { path.name(offset: offset, in: try id(descriptor)) }
    }

    /// `main.Node{next *main.Node; val int}`, `main.Holder{id int; nodes [4]*main.Node; shape any; head main.Node}`,
    /// and a Swiss group of `map[int]*main.Node`.
    private func makeFixture() throws -> Fixture {
        let table = try XCTUnwrap(GoReleaseTable.all.first { $0.goRelease?.minor == 27 })
        var writer = try SyntheticGoTypes(table: table)
        let bits = writer.writeNodeTypes(int: Descriptor.int, node: Descriptor.node, pointer: Descriptor.pointer)
        writer.header(at: Descriptor.nodes, size: 32, ptrBytes: 32, kind: .array, tflag: 0, nameOffset: writer.name("[4]*main.Node"), gcdata: bits)
        writer.put(writer.address(Descriptor.pointer).rawValue, at: Descriptor.nodes + writer.shapes.array.elem.offset, size: 8)
        writer.put(4, at: Descriptor.nodes + writer.shapes.array.length.offset, size: writer.shapes.array.length.size)
        writer.header(at: Descriptor.iface, size: 16, ptrBytes: 16, kind: .interface, tflag: 0, nameOffset: writer.name("interface {}"), gcdata: bits)
        writer.header(at: Descriptor.holder, size: 72, ptrBytes: 64, kind: .struct, tflag: GoTypeFlags.named,
                      nameOffset: writer.name("main.Holder"), gcdata: bits)
        writer.fields(of: Descriptor.holder, [("id", Descriptor.int, 0), ("nodes", Descriptor.nodes, 8),
                                              ("shape", Descriptor.iface, 40), ("head", Descriptor.node, 56)])
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
        let catalog = try writer.catalog()
        return Fixture(catalog: catalog, types: writer, path: GoFieldPath(catalog: catalog, layout: writer.layout))
    }

    func testStructFieldsAndArrayElementsAreNamedAsGoSpellsThem() throws {
        let fixture = try makeFixture()
        XCTAssertEqual(try fixture.name(0, in: Descriptor.node), ".next")
        XCTAssertEqual(try fixture.name(8 + 2 * 8, in: Descriptor.holder), ".nodes[2]")
        XCTAssertEqual(try fixture.name(56, in: Descriptor.holder), ".head.next")
        XCTAssertEqual(try fixture.name(48, in: Descriptor.holder), ".shape", "an interface's data word is the field itself")
        XCTAssertEqual(try fixture.name(0, in: Descriptor.pointer), "", "a pointer value is its own word")
    }

    func testAnOffsetPastTheTypeIsALaterElementOfAnArrayOfIt() throws {
        // A malloc header names an array's element; a slice's backing array gets [n]T from its cap.
        let fixture = try makeFixture()
        XCTAssertEqual(try fixture.name(3 * 16, in: Descriptor.node), "[3].next")
        let array = try XCTUnwrap(fixture.catalog.arrayType(of: try fixture.id(Descriptor.pointer), count: 6))
        XCTAssertEqual(fixture.path.name(offset: 40, in: array), "[5]")
        let unsized = fixture.catalog.intern(fallback: "[?]main.Node", size: 0, kind: .runtimeType)
        XCTAssertEqual(fixture.path.name(offset: 2 * 16, in: unsized), "[2].next")
    }

    func testMapSlotsAreKeysAndValuesWithoutTheirHashIndices() throws {
        let fixture = try makeFixture()
        XCTAssertEqual(try fixture.name(8 + 3 * 16 + 8, in: Descriptor.group), "map value")
        XCTAssertEqual(try fixture.name(8 + 5 * 16, in: Descriptor.group), "map key")
        let groups = try XCTUnwrap(fixture.catalog.arrayType(of: try fixture.id(Descriptor.group), count: 4))
        XCTAssertEqual(fixture.path.name(offset: 2 * 136 + 8 + 8, in: groups), "map value", "the group index is hidden too")
        XCTAssertEqual(fixture.path.name(offset: 136, in: groups), ".ctrl")
        let unsized = fixture.catalog.intern(fallback: "[?]map.group[int]*main.Node", size: 0, kind: .runtimeType)
        XCTAssertEqual(fixture.path.name(offset: 136 + 8 + 8, in: unsized), "map value", "a group array of unknown length")
        let directory = fixture.catalog.intern(fallback: GoRuntimeObjectName.swissDirectory, size: 0, kind: .runtimeType)
        XCTAssertEqual(fixture.path.name(offset: 24, in: directory), "[3]")
    }

    func testUntypedObjectsGetOffsetsAndRuntimeStructuresTheirLayoutsFields() throws {
        let fixture = try makeFixture()
        let untyped = fixture.catalog.intern(fallback: "[size class 3]", size: 32, kind: .sizeClass)
        XCTAssertEqual(fixture.path.name(offset: 0x18, in: untyped), "+0x18")
        XCTAssertEqual(fixture.path.name(offset: 0, in: untyped), "+0x0")
        let map = fixture.catalog.intern(fallback: "internal/runtime/maps.Map", size: 48, kind: .runtimeType)
        let dirPtr = try XCTUnwrap(fixture.types.layout.structure("internal/runtime/maps.Map")?.field(named: "dirPtr"))
        XCTAssertEqual(fixture.path.name(offset: dirPtr.offset, in: map), ".dirPtr")
    }
}
