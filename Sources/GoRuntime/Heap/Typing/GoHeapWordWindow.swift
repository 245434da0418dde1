import CoreFile
import ProcessImage

/// The last stretch of the core the type walker read a word from, borrowed in place.
///
/// The walker reads millions of single words, mostly a few fields of one object after
/// another: each read through `MemoryReader.readUInt64` would search the regions and copy.
/// Keeping the aligned window around the last word answers the next fields with one load.
/// A reference type, so that the walker's non-mutating reads can refill it.
final class GoHeapWordWindow {
    /// Windows are aligned to their size; a core's regions are aligned to 4 KiB at least, so a
    /// window that straddles two regions is retried at 4 KiB.
    private static let sizes: [UInt64] = [64 << 10, 4 << 10]

    private let memory: MemoryReader
    private var start: UInt64 = 0
    private var bytes = ByteView(UnsafeRawBufferPointer(start: nil, count: 0))

    init(memory: MemoryReader) { self.memory = memory }

    /// The word at `address`, or 0 when the core does not hold it. Loads from the buffer
    /// directly: `ByteView`'s generic loads are not specialized across modules.
    @inline(__always)
    func word(at address: UInt64) -> UInt64 {
        let offset = address &- start
        if offset < UInt64(bytes.count), UInt64(bytes.count) - offset >= 8 {
            return UInt64(littleEndian: bytes.base.loadUnaligned(fromByteOffset: Int(offset), as: UInt64.self))
        }
        return refill(at: address)
    }

    private func refill(at address: UInt64) -> UInt64 {
        for size in Self.sizes {
            let windowStart = address & ~(size - 1)
            guard address - windowStart <= size - 8, let view = memory.view(at: Address(windowStart), count: size) else { continue }
            start = windowStart
            bytes = view
            return UInt64(littleEndian: view.base.loadUnaligned(fromByteOffset: Int(address - windowStart), as: UInt64.self))
        }
        return (try? memory.readUInt64(at: Address(address))) ?? 0
    }
}
