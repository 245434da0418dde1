import Atomics
import BitCollections

/// One bit per row, set by both cores at once: the mark bits of a parallel mark phase.
final class AtomicBitset: @unchecked Sendable {
    let count: Int
    private typealias Storage = UnsafeAtomic<UInt64>.Storage
    private let words: UnsafeMutablePointer<Storage>
    private let wordCount: Int

    init(count: Int) {
        self.count = count
        wordCount = (count + 63) / 64
        words = .allocate(capacity: max(wordCount, 1))
        words.initialize(repeating: Storage(0), count: max(wordCount, 1))
    }

    deinit {
        words.deinitialize(count: max(wordCount, 1))
        words.deallocate()
    }

    /// Sets the bit and says whether this call set it: exactly one caller wins each row,
    /// so each reachable row is scanned exactly once whatever the interleaving.
    @inline(__always)
    func testAndSet(_ index: Int) -> Bool {
        let word = UnsafeAtomic<UInt64>(at: words + (index >> 6))
        let bit: UInt64 = 1 << UInt64(index & 63)
        // A plain load first: most pointers lead to rows already marked, and a load does not
        // take the cache line away from the other core.
        if word.load(ordering: .relaxed) & bit != 0 { return false }
        return word.loadThenBitwiseOr(with: bit, ordering: .relaxed) & bit == 0
    }

    /// The bits as a `BitArray`; call once the workers have finished.
    func snapshot() -> BitArray {
        var bits = BitArray(repeating: false, count: count)
        for wordIndex in 0..<wordCount {
            var word = UnsafeAtomic<UInt64>(at: words + wordIndex).load(ordering: .relaxed)
            while word != 0 {
                bits[wordIndex * 64 + word.trailingZeroBitCount] = true
                word &= word - 1
            }
        }
        return bits
    }
}
