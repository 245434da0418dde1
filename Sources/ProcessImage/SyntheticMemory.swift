import CoreFile

/// An address space built in memory: byte blocks placed at chosen addresses,
/// and mapped ranges whose bytes are missing. The mock program of drgn's
/// tests, so every walker can be unit-tested without a core.
///
/// It implements the whole reader API the way `AddressSpace` does: borrowed
/// views, stretch by stretch, and reads that tell an unmapped address from a
/// mapped one whose bytes are not in the core.
///
/// Map everything first, then read: reads from several threads at once are
/// safe (a parallel mark phase does that), mapping while others read is not.
public final class SyntheticMemory: MemoryReader, @unchecked Sendable {
    private struct Block {
        var range: AddressRange
        /// Nil for a mapping whose bytes are not available.
        var bytes: OwnedBytes?
        var file: String?
    }

    /// Sorted by start, disjoint.
    private var blocks: [Block] = []

    public init() {}

    /// The mapped ranges, in address order, available or not.
    public var mappedRanges: [AddressRange] { blocks.map(\.range) }

    /// Places `bytes` at `address`. Blocks must not overlap; adjacent ones stay
    /// separate stretches, as regions of a core do.
    public func map(_ bytes: [UInt8], at address: Address) {
        let owned = OwnedBytes(count: bytes.count)
        bytes.withUnsafeBytes { owned.mutableBytes.copyMemory(from: $0) }
        insert(Block(range: AddressRange(start: address, size: UInt64(bytes.count)), bytes: owned, file: nil))
    }

    /// Places little-endian words at `address`.
    public func map(words: [UInt64], at address: Address) {
        map(words.flatMap { word in withUnsafeBytes(of: word.littleEndian) { Array($0) } }, at: address)
    }

    /// Maps `range` without bytes, as a core maps what it left out: reads throw
    /// `.notInCore`, and views skip it.
    public func mapAbsent(_ range: AddressRange, file: String? = nil) {
        insert(Block(range: range, bytes: nil, file: file))
    }

    private func insert(_ block: Block) {
        let index = blocks.firstIndex { $0.range.start >= block.range.end } ?? blocks.count
        precondition(blocks.allSatisfy { !$0.range.overlaps(block.range) }, "SyntheticMemory: \(block.range) overlaps a block")
        blocks.insert(block, at: index)
    }

    /// The last block starting at or below `address`, if it holds it.
    private func blockIndex(containing address: Address) -> Int? {
        var low = 0, high = blocks.count
        while low < high {
            let mid = (low + high) / 2
            if blocks[mid].range.start <= address { low = mid + 1 } else { high = mid }
        }
        guard low > 0, blocks[low - 1].range.contains(address) else { return nil }
        return low - 1
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at address: Address) throws {
        var done = 0
        while done < buffer.count {
            let cursor = address.advanced(by: UInt64(done))
            guard let index = blockIndex(containing: cursor) else { throw CoreInspectError.unmapped(address: cursor) }
            let block = blocks[index]
            guard let bytes = block.bytes else { throw CoreInspectError.notInCore(address: cursor, file: block.file) }
            let offset = Int(cursor.offset(from: block.range.start))
            let count = min(buffer.count - done, bytes.count - offset)
            UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.view.base[offset..<(offset + count)]))
            done += count
        }
    }

    public func view(at address: Address, count: UInt64) -> ByteView? {
        guard let index = blockIndex(containing: address), let bytes = blocks[index].bytes else { return nil }
        return bytes.view.slice(at: address.offset(from: blocks[index].range.start), count: count)
    }

    public func forEachView(in range: AddressRange, _ body: (Address, ByteView) throws -> Void) rethrows {
        for block in blocks where block.range.overlaps(range) {
            guard let bytes = block.bytes else { continue }
            let start = max(block.range.start, range.start)
            let end = min(block.range.end, range.end)
            guard let slice = bytes.view.slice(at: start.offset(from: block.range.start), count: end.offset(from: start)) else { continue }
            try body(start, slice)
        }
    }
}
