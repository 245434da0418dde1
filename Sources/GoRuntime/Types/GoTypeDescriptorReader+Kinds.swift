import CoreFile
import ProcessImage

/// The lists some kinds keep outside their fixed structure: a struct's
/// fields, a function's parameter types, an interface's methods. Every count
/// is checked against `maxLinks` before anything is allocated for it.
extension GoTypeDescriptorReader {
    struct Field {
        var name: String
        var type: Address
        var offset: UInt64
        var embedded: Bool
    }

    /// The `[]abi.StructField` of a struct descriptor; nil if any field is unreadable or lies outside the struct.
    func readStructFields(_ view: ByteView, size: UInt64) -> [Field]? {
        let shapes = catalog.shapes
        let slice = shapes.structType.fields
        let data = slice.data.load(from: view)
        let count = slice.length.load(from: view)
        guard count <= UInt64(Self.maxLinks) else { return nil }
        if count == 0 { return [] }
        let fieldLayout = shapes.structField
        let stride = fieldLayout.size
        guard let bytes = try? catalog.memory.readBytes(at: data, count: Int(count) * stride) else { return nil }
        let varint = catalog.release?.hasVarintNameLength ?? true
        return bytes.withUnsafeBytes { raw -> [Field]? in
            var fields: [Field] = []
            fields.reserveCapacity(Int(count))
            for index in 0..<Int(count) {
                guard let entry = ByteView(raw).slice(at: UInt64(index * stride), count: UInt64(stride)) else { return nil }
                let offset = fieldLayout.offset.load(from: entry)
                guard offset <= size,
                      let name = GoTypeName.read(at: fieldLayout.name.load(from: entry), memory: catalog.memory, varintLength: varint)
                else { return nil }
                fields.append(Field(name: name.name, type: fieldLayout.type.load(from: entry), offset: offset, embedded: name.isEmbedded))
            }
            return fields
        }
    }

    /// A function's parameter then result types, which follow its `FuncType` and `UncommonType`.
    func readSignature(_ descriptor: Address, _ view: ByteView, tflag: UInt8) -> (types: [Address], parameterCount: Int, variadic: Bool)? {
        let function = catalog.shapes.function
        let inCount = Int(function.inCount.load(from: view))
        let outWord = Int(function.outCount.load(from: view))
        let variadicBit = 1 << (function.outCount.size * 8 - 1)
        let outCount = outWord & (variadicBit - 1)
        let total = inCount + outCount
        guard total <= Self.maxLinks else { return nil }
        if total == 0 { return ([], 0, outWord & variadicBit != 0) }
        var offset = function.size
        if tflag & GoTypeFlags.uncommon != 0 { offset += catalog.shapes.uncommon?.size ?? 16 }
        guard let bytes = try? catalog.memory.readBytes(at: descriptor.advanced(by: UInt64(offset)), count: total * 8) else { return nil }
        let types = bytes.withUnsafeBytes { raw in (0..<total).map { Address(raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) } }
        return (types, inCount, outWord & variadicBit != 0)
    }

    /// An interface's methods: names and function types, both offsets into the types section.
    /// Unreadable methods are left out: no object's layout depends on them.
    func readInterfaceMethods(_ view: ByteView) -> [(name: String, type: Address)] {
        guard let methods = catalog.shapes.interface?.methods else { return [] }
        let data = methods.data.load(from: view)
        let count = methods.length.load(from: view)
        guard count > 0, count <= UInt64(Self.maxLinks),
              let bytes = try? catalog.memory.readBytes(at: data, count: Int(count) * 8) else { return [] }
        let base = catalog.typesSection.start
        let varint = catalog.release?.hasVarintNameLength ?? true
        return bytes.withUnsafeBytes { raw in
            (0..<Int(count)).compactMap { index -> (String, Address)? in
                let nameOff = raw.loadUnaligned(fromByteOffset: index * 8, as: UInt32.self)
                let typeOff = raw.loadUnaligned(fromByteOffset: index * 8 + 4, as: UInt32.self)
                guard let name = GoTypeName.read(at: base.advanced(by: UInt64(nameOff)), memory: catalog.memory, varintLength: varint)
                else { return nil }
                return (name.name, base.advanced(by: UInt64(typeOff)))
            }
        }
    }
}
