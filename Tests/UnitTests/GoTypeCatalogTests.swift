import Analysis
import CoreFile
@testable import GoRuntime
import ProcessImage
import XCTest

/// The type catalog over descriptors written into synthetic memory with the
/// layouts of the oldest and newest release tables (`runtime._type` and `abi.Type`).
final class GoTypeCatalogTests: XCTestCase {
    private var tables: [GoReleaseTable] {
        let sorted = GoReleaseTable.all.sorted { ($0.goRelease ?? .go1_18) < ($1.goRelease ?? .go1_18) }
        return [sorted.first!, sorted.last!]
    }

    private struct NodeTypes {
        var types: SyntheticGoTypes
        let int = 0x100, node = 0x200, pointer = 0x400
    }

    /// `type Node struct { next *Node; val int }`: a struct that reaches itself
    /// through its pointer type. Node and *Node share one stored name, "*main.Node",
    /// which Node reads without its star (`TFlagExtraStar`).
    private func nodeTypes(_ table: GoReleaseTable) throws -> NodeTypes {
        var types = NodeTypes(types: try SyntheticGoTypes(table: table))
        var writer = types.types
        let starName = writer.name("*main.Node")
        let bitmap = writer.data([0b1])
        writer.header(at: types.int, size: 8, ptrBytes: 0, kind: .int, tflag: 0, nameOffset: writer.name("int"))
        writer.header(at: types.node, size: 16, ptrBytes: 8, kind: .struct, tflag: GoTypeFlags.named | GoTypeFlags.extraStar,
                      nameOffset: starName, gcdata: bitmap)
        writer.fields(of: types.node, [("next", types.pointer, 0), ("val", types.int, 8)])
        writer.header(at: types.pointer, size: 8, ptrBytes: 8, kind: .pointer, tflag: 0, nameOffset: starName, gcdata: bitmap)
        writer.put(writer.address(types.node).rawValue, at: types.pointer + writer.shapes.pointer.elem.offset, size: 8)
        types.types = writer
        return types
    }

    func testASelfReferencingStructIsReadOnceWithItsFieldsAndBitmap() throws {
        for table in tables {
            let types = try nodeTypes(table)
            let catalog = try types.types.catalog()
            let node = try XCTUnwrap(catalog.type(at: types.types.address(types.node)), table.release)
            XCTAssertEqual(catalog.name(of: node), "main.Node")
            let record = try XCTUnwrap(catalog.record(of: node))
            XCTAssertEqual([record.size, record.ptrBytes], [16, 8])
            XCTAssertEqual(record.kind, .struct)
            XCTAssertTrue(record.isNamed)
            let fields = catalog.links(of: node)
            XCTAssertEqual(fields.map(\.name), ["next", "val"])
            XCTAssertEqual(fields.map(\.offset), [0, 8])
            XCTAssertEqual(fields.map { catalog.name(of: $0.type) }, ["*main.Node", "int"])
            let pointer = try XCTUnwrap(fields.first?.type)
            XCTAssertEqual(catalog.record(of: pointer)?.elem, node, "the cycle closes on the same id")
            XCTAssertEqual(catalog.type(at: types.types.address(types.pointer)), pointer)
            XCTAssertEqual(catalog.pointerWords(of: node), [0])
            XCTAssertEqual(catalog.buildMask(of: node, words: 1), [0b1])
            XCTAssertEqual(catalog.recordedTypes.count, 3)
            XCTAssertEqual(catalog.warnings, [])
        }
    }

    /// `[3]*main.Node`, which no descriptor describes, as a heap walker names a backing array.
    func testAnArrayWithoutDescriptorRepeatsItsElementsBitmap() throws {
        let types = try nodeTypes(tables[1])
        let catalog = try types.types.catalog()
        let node = try XCTUnwrap(catalog.type(at: types.types.address(types.node)))
        let array = try XCTUnwrap(catalog.arrayType(of: node, count: 3))
        XCTAssertEqual(catalog.name(of: array), "[3]main.Node")
        XCTAssertEqual(catalog.record(of: array)?.size, 48)
        XCTAssertEqual(catalog.record(of: array)?.ptrBytes, 40)
        XCTAssertEqual(catalog.pointerWords(of: array), [0, 2, 4])
        XCTAssertNil(catalog.arrayType(of: node, count: UInt64.max / 8), "a size that overflows")
    }

    /// Each corrupt descriptor reads as nil, once, and all of them make one warning.
    func testCorruptDescriptorsReadAsNilWithOneWarning() throws {
        for table in tables {
            var writer = try SyntheticGoTypes(table: table)
            let name = writer.name("main.Bad")
            // A pointer prefix larger than the type.
            writer.header(at: 0x100, size: 8, ptrBytes: 16, kind: .struct, tflag: 0, nameOffset: name)
            // No valid kind.
            writer.header(at: 0x200, size: 8, ptrBytes: 0, kind: .invalid, tflag: 0, nameOffset: name)
            // A struct claiming 2^40 fields: refused before anything is allocated for them.
            writer.header(at: 0x300, size: 8, ptrBytes: 0, kind: .struct, tflag: 0, nameOffset: name)
            writer.put(1 << 40, at: 0x300 + writer.shapes.structType.fields.offset + 8, size: 8)
            // A name offset past the types section.
            writer.header(at: 0x500, size: 8, ptrBytes: 0, kind: .int, tflag: 0, nameOffset: SyntheticGoTypes.sectionSize + 64)
            let catalog = try writer.catalog()
            for offset in [0x100, 0x200, 0x300, 0x500] {
                XCTAssertNil(catalog.type(at: writer.address(offset)), "\(table.release) 0x\(String(offset, radix: 16))")
                XCTAssertNil(catalog.type(at: writer.address(offset)), "asked twice")
            }
            XCTAssertNil(catalog.type(at: Address(0x1000)), "outside the types section")
            XCTAssertNil(catalog.type(at: writer.address(0x104)), "misaligned")
            XCTAssertEqual(catalog.warnings.count, 1)
            XCTAssertEqual(catalog.warnings.first?.count, 6)
            XCTAssertEqual(catalog.recordedTypes, [])
        }
    }

    /// A field whose type is corrupt leaves the struct readable, with that field's type unknown.
    func testAStructWithACorruptFieldTypeKeepsItsOtherFields() throws {
        var writer = try SyntheticGoTypes(table: tables[1])
        writer.header(at: 0x100, size: 8, ptrBytes: 0, kind: .int, tflag: 0, nameOffset: writer.name("int"))
        writer.header(at: 0x200, size: 8, ptrBytes: 0, kind: .invalid, tflag: 0, nameOffset: writer.name("junk"))
        writer.header(at: 0x300, size: 16, ptrBytes: 0, kind: .struct, tflag: 0, nameOffset: writer.name("struct { a int; b junk }"))
        writer.fields(of: 0x300, [("a", 0x100, 0), ("b", 0x200, 8)])
        let catalog = try writer.catalog()
        let id = try XCTUnwrap(catalog.type(at: writer.address(0x300)))
        XCTAssertEqual(catalog.links(of: id).map { catalog.name(of: $0.type) }, ["int", "[unknown]"])
        XCTAssertEqual(catalog.warnings.first?.count, 1)
    }

    /// A type whose runtime bitmap is not in memory gets one built from its
    /// fields: a GC program before 1.24 (`KindGCProg`), an on-demand mask the
    /// runtime never built from 1.24 (`TFlagGCMaskOnDemand` with an empty cell).
    /// An on-demand cell the runtime filled is read like any bitmap.
    func testBitmapsMissingFromMemoryAreBuiltFromTheFields() throws {
        for table in tables {
            let onDemand = try XCTUnwrap(table.goRelease).hasGCMaskOnDemand
            var writer = try SyntheticGoTypes(table: table)
            let (int, pointer, pair, filledPair) = (0x100, 0x200, 0x300, 0x400)
            writer.header(at: int, size: 8, ptrBytes: 0, kind: .int, tflag: 0, nameOffset: writer.name("int"))
            let bitmap = writer.data([0b1])
            writer.header(at: pointer, size: 8, ptrBytes: 8, kind: .pointer, tflag: 0, nameOffset: writer.name("*int"), gcdata: bitmap)
            writer.put(writer.address(int).rawValue, at: pointer + writer.shapes.pointer.elem.offset, size: 8)
            // struct { a *int; b int; c *int }: pointers in words 0 and 2.
            let emptyCell = writer.data([UInt8](repeating: 0, count: 8))
            let program = writer.data([0xFF, 0xFF])  // never read: it is not a bitmap
            let tflag = onDemand ? GoTypeFlags.gcMaskOnDemand : 0
            let fields = [("a", pointer, UInt64(0)), ("b", int, 8), ("c", pointer, 16)]
            writer.header(at: pair, size: 24, ptrBytes: 24, kind: .struct, tflag: tflag,
                          nameOffset: writer.name("main.Pair"), gcdata: onDemand ? emptyCell : program)
            writer.fields(of: pair, fields)
            if !onDemand {
                let kind = writer.shapes.header.kind
                writer.put(UInt64(GoTypeKind.struct.rawValue | GoTypeFlags.kindGCProgram), at: pair + kind.offset, size: kind.size)
            }
            let filledCell = writer.data([UInt8](repeating: 0, count: 8))
            writer.put(writer.address(writer.data([0b101])).rawValue, at: filledCell, size: 8)
            writer.header(at: filledPair, size: 24, ptrBytes: 24, kind: .struct, tflag: tflag,
                          nameOffset: writer.name("main.FilledPair"), gcdata: onDemand ? filledCell : writer.data([0b101]))
            writer.fields(of: filledPair, fields)
            let catalog = try writer.catalog()
            let built = try XCTUnwrap(catalog.type(at: writer.address(pair)), table.release)
            XCTAssertEqual(catalog.record(of: built)?.pointerMask, .unavailable, "\(table.release): not in memory")
            XCTAssertEqual(catalog.pointerWords(of: built), [0, 2], table.release)
            let filled = try XCTUnwrap(catalog.type(at: writer.address(filledPair)))
            guard case .inProcess = catalog.record(of: filled)?.pointerMask else { return XCTFail("\(table.release): filled cell") }
            XCTAssertEqual(catalog.pointerWords(of: filled), [0, 2], table.release)
        }
    }

    private struct TypedRows: PointerMap {
        let masks: GoTypePointerMasks
        func pointerWords(ofRow row: Int, in table: AllocationTable) -> PointerWords { masks.pointerWords(of: table.typeIDs[row]) }
    }

    /// Frozen bitmaps drive the mark: a Node's `next` is followed, its `val`
    /// is not, even when the integer happens to equal an object's address.
    func testFrozenBitmapsMarkOnlyTheTypesPointerWords() throws {
        let types = try nodeTypes(tables[1])
        let catalog = try types.types.catalog()
        let node = try XCTUnwrap(catalog.type(at: types.types.address(types.node)))
        let heap = SyntheticMemory()
        let objects = [Address(0x10_0000), Address(0x10_0010), Address(0x10_0020)]
        heap.map(words: [objects[1].rawValue, objects[2].rawValue, 0, 0, 0, 0], at: objects[0])
        var builder = AllocationTableBuilder()
        for object in objects { builder.append(address: object, size: 16, state: .unknown, type: node) }
        let table = builder.build().table
        let masks = GoTypePointerMasks(catalog: catalog)
        XCTAssertTrue(masks.hasBitmap(node))
        let result = Marker(table: table, memory: heap, pointers: TypedRows(masks: masks), threads: 2)
            .mark(from: MarkRoots(words: [objects[0].rawValue]))
        XCTAssertEqual(Array(result.marked), [true, true, false])
    }
}
