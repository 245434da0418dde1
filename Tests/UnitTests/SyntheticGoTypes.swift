import CoreFile
@testable import GoRuntime
import ProcessImage

/// Writes Go type descriptors into a fake types section, at the offsets a
/// release's layout table gives, so catalog tests need no core.
struct SyntheticGoTypes {
    static let sectionStart = Address(0x40_0000)
    static let sectionSize = 0x1_0000

    let layout: GoRuntimeLayout
    let shapes: GoTypeDescriptorShapes
    private(set) var bytes = [UInt8](repeating: 0, count: sectionSize)
    /// Where the next name or list goes; descriptors take the low half.
    private var dataCursor = sectionSize / 2

    var section: AddressRange { AddressRange(start: Self.sectionStart, size: UInt64(Self.sectionSize)) }

    init(table: GoReleaseTable) throws {
        layout = GoRuntimeLayout(table: table, goVersion: table.release, exact: true)
        shapes = try GoTypeDescriptorShapes(layout: layout)
    }

    func address(_ offset: Int) -> Address { Self.sectionStart.advanced(by: UInt64(offset)) }

    mutating func put(_ value: UInt64, at offset: Int, size: Int) {
        for index in 0..<size { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }

    /// An `abi.Name`: flags, varint length, the bytes. Returns its offset in the section.
    mutating func name(_ text: String, flags: UInt8 = 0) -> Int {
        let offset = dataCursor
        var encoded: [UInt8] = [flags]
        var length = text.utf8.count
        repeat {
            encoded.append(UInt8(length & 0x7F) | (length >= 0x80 ? 0x80 : 0))
            length >>= 7
        } while length > 0
        encoded += Array(text.utf8)
        bytes.replaceSubrange(offset..<offset + encoded.count, with: encoded)
        dataCursor += (encoded.count + 7) & ~7
        return offset
    }

    /// Raw bytes in the data half (a bitmap, a field list). Returns their offset.
    mutating func data(_ raw: [UInt8]) -> Int {
        let offset = dataCursor
        bytes.replaceSubrange(offset..<offset + raw.count, with: raw)
        dataCursor += (raw.count + 7) & ~7
        return offset
    }

    /// The common `abi.Type` header of a descriptor at `offset`.
    mutating func header(at offset: Int, size: UInt64, ptrBytes: UInt64, kind: GoTypeKind, tflag: UInt8, nameOffset: Int, gcdata: Int? = nil) {
        let header = shapes.header
        put(size, at: offset + header.typeSize.offset, size: header.typeSize.size)
        put(ptrBytes, at: offset + header.ptrBytes.offset, size: header.ptrBytes.size)
        put(UInt64(tflag), at: offset + header.tflag.offset, size: header.tflag.size)
        put(UInt64(kind.rawValue), at: offset + header.kind.offset, size: header.kind.size)
        put(gcdata.map { address($0).rawValue } ?? 0, at: offset + header.gcdata.offset, size: 8)
        put(UInt64(nameOffset), at: offset + header.str.offset, size: header.str.size)
    }

    /// A struct's field list: (name, type descriptor offset, field offset).
    mutating func fields(of structOffset: Int, _ fields: [(String, Int, UInt64)]) {
        let field = shapes.structField
        var list = [UInt8](repeating: 0, count: fields.count * field.size)
        var names: [Int] = []
        for (name, _, _) in fields { names.append(self.name(name)) }
        let listOffset = data(list)
        for (index, (_, type, fieldOffset)) in fields.enumerated() {
            let base = listOffset + index * field.size
            put(address(names[index]).rawValue, at: base + field.name.offset, size: 8)
            put(address(type).rawValue, at: base + field.type.offset, size: 8)
            put(fieldOffset, at: base + field.offset.offset, size: field.offset.size)
        }
        list = []
        let slice = shapes.structType.fields
        put(address(listOffset).rawValue, at: structOffset + slice.offset, size: 8)
        put(UInt64(fields.count), at: structOffset + slice.offset + 8, size: 8)
        put(UInt64(fields.count), at: structOffset + slice.offset + 16, size: 8)
    }

    /// `int`, `main.Node{next *main.Node; val int}` and `*main.Node` at these offsets: the types the
    /// typing and field-naming tests build on. Returns the all-pointers GC bitmap the others share.
    mutating func writeNodeTypes(int: Int, node: Int, pointer: Int) -> Int {
        let bits = data([UInt8](repeating: 0xff, count: 32))
        let starNode = name("*main.Node")
        header(at: int, size: 8, ptrBytes: 0, kind: .int, tflag: 0, nameOffset: name("int"))
        header(at: node, size: 16, ptrBytes: 8, kind: .struct, tflag: GoTypeFlags.named | GoTypeFlags.extraStar,
               nameOffset: starNode, gcdata: bits)
        fields(of: node, [("next", pointer, 0), ("val", int, 8)])
        header(at: pointer, size: 8, ptrBytes: 8, kind: .pointer, tflag: 0, nameOffset: starNode, gcdata: bits)
        put(address(node).rawValue, at: pointer + shapes.pointer.elem.offset, size: 8)
        return bits
    }

    func memory() -> SyntheticMemory {
        let memory = SyntheticMemory()
        memory.map(bytes, at: Self.sectionStart)
        return memory
    }

    func catalog() throws -> GoTypeCatalog {
        try GoTypeCatalog(memory: memory(), layout: layout, typesSection: section)
    }
}
