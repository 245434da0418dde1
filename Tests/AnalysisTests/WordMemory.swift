import CoreFile
import ProcessImage

/// A fake address space of a few regions. A read must lie inside one region, as it would inside
/// one mapping of a core; anything else faults. With `lendsViews`, it also lends zero-copy views
/// as a core's `AddressSpace` does, so both of the marker's read paths can be checked.
final class WordMemory: MemoryReader, @unchecked Sendable {
    // Stable storage: a lent view must outlive the call that lent it, as a core's mapping does.
    private var regions: [(start: UInt64, bytes: UnsafeMutableRawBufferPointer)] = []
    var lendsViews = false

    deinit { for region in regions { region.bytes.deallocate() } }

    func map(bytes: [UInt8], at start: UInt64) {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.copyBytes(from: bytes)
        regions.append((start, UnsafeMutableRawBufferPointer(rebasing: storage[0..<bytes.count])))
        regions.sort { $0.start < $1.start }
    }

    func map(words: [UInt64], at start: UInt64) {
        var bytes = [UInt8](repeating: 0, count: words.count * 8)
        bytes.withUnsafeMutableBytes { raw in
            for (index, word) in words.enumerated() {
                raw.storeBytes(of: word.littleEndian, toByteOffset: index * 8, as: UInt64.self)
            }
        }
        map(bytes: bytes, at: start)
    }

    /// The region bytes holding all of `[start, start + count)`, or nil.
    private func bytes(at start: UInt64, count: UInt64) -> UnsafeRawBufferPointer? {
        guard let region = regions.last(where: { $0.start <= start }),
              start - region.start <= UInt64(region.bytes.count),
              count <= UInt64(region.bytes.count) - (start - region.start) else { return nil }
        let offset = Int(start - region.start)
        return UnsafeRawBufferPointer(rebasing: region.bytes[offset..<offset + Int(count)])
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at address: Address) throws {
        guard let bytes = bytes(at: address.rawValue, count: UInt64(buffer.count)) else {
            throw CoreInspectError.unmapped(address: address)
        }
        buffer.copyMemory(from: bytes)
    }

    func view(at address: Address, count: UInt64) -> ByteView? {
        guard lendsViews else { return nil }
        return bytes(at: address.rawValue, count: count).map(ByteView.init)
    }

    /// The aligned word at `address`, for oracles; nil when unmapped.
    func word(at address: UInt64) -> UInt64? {
        var value: UInt64 = 0
        do {
            try withUnsafeMutableBytes(of: &value) { try read(into: $0, at: Address(address)) }
        } catch {
            return nil
        }
        return UInt64(littleEndian: value)
    }
}

/// A small deterministic generator, so a failing seed can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
