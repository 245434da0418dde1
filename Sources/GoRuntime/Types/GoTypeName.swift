import CoreFile
import ProcessImage

/// An `abi.Name` (`runtime.name` before 1.21): a flags byte, the name's length,
/// the name, then optionally a tag and a `nameOff` of the package path.
///
/// The length is a varint since Go 1.17 and two big-endian bytes before.
/// Decoding reads a bounded window and checks every length against it, so a
/// corrupt name yields nil, never a huge read.
struct GoTypeName: Equatable {
    var name: String
    var tag: String?
    /// `nameFlagEmbedded`: the struct field is embedded.
    var isEmbedded: Bool
    var isExported: Bool

    /// The longest name read; real names (even of struct types written out in full) stay far below.
    static let maxLength = 1 << 16

    static let exportedFlag: UInt8 = 1 << 0
    static let tagFlag: UInt8 = 1 << 1
    static let embeddedFlag: UInt8 = 1 << 3

    /// Reads the name at `address`; `varintLength` is `GoRelease.hasVarintNameLength`.
    static func read(at address: Address, memory: MemoryReader, varintLength: Bool = true) -> GoTypeName? {
        guard address != .zero, let header = readBytes(memory, at: address, count: 1 + 10)
            ?? readBytes(memory, at: address, count: 3) else { return nil }
        let flags = header[0]
        guard let (length, lengthBytes) = decodeLength(header, at: 1, varint: varintLength), length <= maxLength else { return nil }
        let nameStart = address.advanced(by: UInt64(1 + lengthBytes))
        guard let nameBytes = readBytes(memory, at: nameStart, count: length) else { return nil }
        var tag: String?
        if flags & tagFlag != 0 {
            let tagHeaderAddress = nameStart.advanced(by: UInt64(length))
            guard let tagHeader = readBytes(memory, at: tagHeaderAddress, count: 10) ?? readBytes(memory, at: tagHeaderAddress, count: 2),
                  let (tagLength, tagLengthBytes) = decodeLength(tagHeader, at: 0, varint: varintLength), tagLength <= maxLength,
                  let tagBytes = readBytes(memory, at: tagHeaderAddress.advanced(by: UInt64(tagLengthBytes)), count: tagLength)
            else { return nil }
            tag = String(decoding: tagBytes, as: UTF8.self)
        }
        return GoTypeName(name: String(decoding: nameBytes, as: UTF8.self), tag: tag,
                          isEmbedded: flags & embeddedFlag != 0, isExported: flags & exportedFlag != 0)
    }

    /// The length at `offset` in `bytes` and how many bytes encode it.
    static func decodeLength(_ bytes: [UInt8], at offset: Int, varint: Bool) -> (Int, Int)? {
        guard varint else {
            guard offset + 2 <= bytes.count else { return nil }
            return (Int(bytes[offset]) << 8 | Int(bytes[offset + 1]), 2)
        }
        var value = 0
        var shift = 0
        for index in offset..<min(bytes.count, offset + 4) {
            let byte = bytes[index]
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return (value, index - offset + 1) }
            shift += 7
        }
        return nil
    }

    private static func readBytes(_ memory: MemoryReader, at address: Address, count: Int) -> [UInt8]? {
        if count == 0 { return [] }
        return try? memory.readBytes(at: address, count: count)
    }
}
