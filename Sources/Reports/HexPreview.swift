import CoreFile
import ProcessImage

/// The first bytes of an allocation, as a hex dump with ASCII beside it (`xxd`'s layout), so
/// a leaked string or a recognisable header shows what the block was.
public struct HexPreview: Encodable, Sendable {
    /// The bytes read, as lowercase hex without separators; fewer than asked where the
    /// allocation is shorter or the core lacks them.
    public var hex: String
    public var ascii: String

    static let bytesPerLine = 16

    public init(memory: any MemoryReader, address: Address, size: UInt64, limit: Int = 32) {
        let count = Int(min(UInt64(limit), size))
        let bytes = (try? memory.readBytes(at: address, count: count)) ?? []
        hex = bytes.map { Self.hexByte($0) }.joined()
        ascii = String(decoding: bytes.map { Self.printable($0) }, as: UTF8.self)
    }

    /// Lines of `hex bytes  |ascii|`, 16 bytes a line.
    public var lines: [String] {
        let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> String in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return String(hex[start..<hex.index(start, offsetBy: 2)])
        }
        let characters = Array(ascii)
        return stride(from: 0, to: bytes.count, by: Self.bytesPerLine).map { start in
            let end = min(start + Self.bytesPerLine, bytes.count)
            let column = bytes[start..<end].joined(separator: " ").padded(to: Self.bytesPerLine * 3 - 1)
            return column + "  |" + String(characters[start..<end]) + "|"
        }
    }

    private static func hexByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    private static func printable(_ byte: UInt8) -> UInt8 {
        (0x20..<0x7f).contains(byte) ? byte : UInt8(ascii: ".")
    }
}
