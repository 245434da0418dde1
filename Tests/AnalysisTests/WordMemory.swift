import CoreFile
import ProcessImage

/// A fake address space of a few regions, implementing only `read(into:at:)`. A read must lie
/// inside one region, as it would inside one mapping of a core; anything else faults.
final class WordMemory: MemoryReader, @unchecked Sendable {
    private var regions: [(start: UInt64, bytes: [UInt8])] = []

    func map(bytes: [UInt8], at start: UInt64) {
        regions.append((start, bytes))
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

    func read(into buffer: UnsafeMutableRawBufferPointer, at address: Address) throws {
        let start = address.rawValue
        guard let region = regions.last(where: { $0.start <= start }),
              start - region.start <= UInt64(region.bytes.count),
              UInt64(buffer.count) <= UInt64(region.bytes.count) - (start - region.start) else {
            throw CoreInspectError.unmapped(address: address)
        }
        region.bytes.withUnsafeBytes { bytes in
            let offset = Int(start - region.start)
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + buffer.count]))
        }
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
