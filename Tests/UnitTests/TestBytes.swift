import CoreFile
import ProcessImage

/// Little-endian byte building for hand-made ELF structures.
struct TestBytes {
    var bytes: [UInt8] = []

    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func string(_ text: String, paddedTo alignment: Int = 1) {
        bytes += Array(text.utf8) + [0]
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// One ELF note with 4-byte padding, as Linux writes them.
    mutating func note(owner: String, type: UInt32, descriptor: [UInt8]) {
        u32(UInt32(owner.utf8.count + 1))
        u32(UInt32(descriptor.count))
        u32(type)
        string(owner, paddedTo: 4)
        bytes += descriptor
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    func withView<R>(_ body: (ByteView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { try body(ByteView($0)) }
    }
}

/// An address space made of byte arrays at chosen addresses: the mock
/// program of drgn's tests, for code that reads the inferior.
final class FakeMemory: MemoryReader {
    var blocks: [(start: UInt64, bytes: [UInt8])] = []

    func map(_ bytes: [UInt8], at start: UInt64) { blocks.append((start, bytes)) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at address: Address) throws {
        for index in 0..<buffer.count {
            let cursor = address.rawValue + UInt64(index)
            guard let block = blocks.first(where: { cursor >= $0.start && cursor < $0.start + UInt64($0.bytes.count) }) else {
                throw CoreInspectError.unmapped(address: Address(cursor))
            }
            buffer[index] = block.bytes[Int(cursor - block.start)]
        }
    }
}
