import CoreFile
import ProcessImage

/// How many bytes a descriptor occupies, for Go 1.27's module layout, which
/// lists descriptors by laying them end to end (`abi.Type.DescriptorSize`).
extension GoTypeCatalog {
    /// `abi.Method`: four 4-byte offsets, the same in every release.
    static let methodSize = 16
    /// `abi.Imethod`: a name offset and a type offset.
    static let interfaceMethodSize = 8

    func descriptorExtent(at descriptor: Address) -> Int? {
        guard let bytes = try? memory.readBytes(at: descriptor, count: shapes.readSize) else { return nil }
        return bytes.withUnsafeBytes { raw -> Int? in
            let view = ByteView(raw)
            guard let kind = GoTypeKind(kindByte: UInt8(truncatingIfNeeded: shapes.header.kind.load(from: view))) else { return nil }
            let tflag = UInt8(truncatingIfNeeded: shapes.header.tflag.load(from: view))
            let base = shapes.uncommonOffset(of: kind)
            var extent = base
            switch kind {
            case .struct: extent += Int(shapes.structType.fields.length.load(from: view)) * shapes.structField.size
            case .func:
                let outCount = shapes.function.outCount.load(from: view) & ((1 << (shapes.function.outCount.size * 8 - 1)) - 1)
                extent += Int(shapes.function.inCount.load(from: view) + outCount) * 8
            case .interface:
                guard let methods = shapes.interface?.methods.length.load(from: view) else { return nil }
                extent += Int(methods) * Self.interfaceMethodSize
            default: break
            }
            if tflag & GoTypeFlags.uncommon != 0 {
                guard let uncommon = shapes.uncommon, let counts = view.slice(at: UInt64(base), count: UInt64(uncommon.size)) else { return nil }
                extent += uncommon.size + Int(uncommon.methodCount.load(from: counts)) * Self.methodSize
            }
            return extent <= GoTypeDescriptorReader.maxLinks * 64 ? extent : nil
        }
    }

    /// `abi.ITab`'s size with its one-word `Fun` array.
    var itabStructureSize: Int? { shapes.itabSize }

    /// The number of methods of the interface descriptor at `address`.
    func interfaceMethodCount(at address: Address) -> Int? {
        guard let methods = shapes.interface?.methods,
              let length = try? memory.readUInt64(at: address.advanced(by: UInt64(methods.length.offset))),
              length <= UInt64(GoTypeDescriptorReader.maxLinks)
        else { return nil }
        return Int(length)
    }
}
