import CoreFile

/// A test applied to every word a scan visits ("points into the heap").
///
/// Scans are generic over the predicate and `@inlinable`, so the compiler
/// specializes the loop for each predicate type and inlines `matches`: a scan
/// of gigabytes makes no call per word. Keep `matches` small and make the
/// conforming type a struct.
public protocol WordPredicate {
    func matches(_ word: UInt64) -> Bool
}

extension MemoryReader {
    /// Visits every 8-byte-aligned word that lies wholly inside `range` and
    /// whose bytes are available, in address order, and calls `body` with the
    /// word's address and value (little-endian) when `predicate` matches it.
    ///
    /// The loop runs over the reader's views (`forEachView`), region by
    /// region, straight over raw memory. A word split across two adjacent
    /// stretches is put together and tested like any other; a word that
    /// touches a hole is skipped. `range` may start and end anywhere.
    ///
    /// - Parameter releasingPages: drop each stretch's pages once scanned
    ///   (`releasePages(in:)`), so a one-pass scan of a large core keeps
    ///   little resident.
    @inlinable
    public func scanWords<Predicate: WordPredicate>(in range: AddressRange, matching predicate: Predicate,
                                                    releasingPages: Bool = false,
                                                    _ body: (Address, UInt64) throws -> Void) rethrows {
        try walkWords(in: range, matching: predicate, releasingPages: releasingPages) { address, word in
            try body(address, word)
            return true
        }
    }

    /// The first aligned word of `range` (as `scanWords` visits them) that
    /// `predicate` matches and `accept` confirms; `accept` may read around it.
    @inlinable
    public func firstWord<Predicate: WordPredicate>(in range: AddressRange, matching predicate: Predicate,
                                                    where accept: (Address, UInt64) throws -> Bool) rethrows -> Address? {
        var found: Address?
        try walkWords(in: range, matching: predicate, releasingPages: false) { address, word in
            guard try accept(address, word) else { return true }
            found = address
            return false
        }
        return found
    }

    /// How many aligned words of `range` match `predicate`.
    @inlinable
    public func countWords<Predicate: WordPredicate>(in range: AddressRange, matching predicate: Predicate,
                                                     releasingPages: Bool = false) -> Int {
        var count = 0
        scanWords(in: range, matching: predicate, releasingPages: releasingPages) { _, _ in count += 1 }
        return count
    }

    /// The loop behind the scans. `visit` returns false to stop the scan.
    @inlinable
    func walkWords<Predicate: WordPredicate>(in range: AddressRange, matching predicate: Predicate, releasingPages: Bool,
                                             _ visit: (Address, UInt64) throws -> Bool) rethrows {
        var partial = PartialWord()
        var stopped = false
        try forEachView(in: range) { start, view in
            guard !stopped, view.count > 0, let base = view.base.baseAddress else { return }
            let end = start.rawValue &+ UInt64(view.count)
            var offset = 0
            // Finish a word the previous stretch began.
            if partial.continues(at: start.rawValue) {
                offset = partial.fill(from: base, count: view.count)
                if let word = partial.completed() {
                    let address = Address(partial.address)
                    partial.reset()
                    if predicate.matches(word), try !visit(address, word) {
                        stopped = true
                        return
                    }
                }
            } else {
                partial.reset()
            }
            // The aligned words wholly inside both the stretch and the range.
            let stop = Int(min(end, range.end.rawValue) &- start.rawValue)
            offset = max(offset, Int((8 &- start.rawValue & 7) & 7))
            // Releasing pages goes by chunks: one region can be gigabytes.
            let chunk = releasingPages ? Self.releaseChunkSize : Int.max
            var released = 0
            while offset &+ 8 <= stop {
                let chunkStart = offset
                let chunkStop = stop &- offset > chunk ? offset &+ chunk : stop
                while offset &+ 8 <= chunkStop {
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    if predicate.matches(word), try !visit(start.advanced(by: UInt64(offset)), word) {
                        stopped = true
                        return
                    }
                    offset &+= 8
                }
                if releasingPages, offset < stop {
                    releasePages(in: AddressRange(start: start.advanced(by: UInt64(chunkStart)), end: start.advanced(by: UInt64(offset))))
                    released = offset
                }
            }
            // Keep the head of a word that runs past the stretch but not past the range.
            let tail = start.rawValue &+ UInt64(offset)
            if !partial.isActive, offset < view.count, tail & 7 == 0, tail &+ 8 <= range.end.rawValue {
                partial.begin(at: tail, from: base + offset, count: view.count - offset)
            }
            if releasingPages { releasePages(in: AddressRange(start: start.advanced(by: UInt64(released)), end: Address(end))) }
        }
    }
}

extension MemoryReader {
    /// How much a page-releasing scan reads before it releases: big enough
    /// that the madvise calls cost nothing, small enough to keep RSS low.
    @inlinable static var releaseChunkSize: Int { 8 << 20 }
}

/// The first bytes of an aligned word whose rest is in the next stretch.
@usableFromInline
struct PartialWord {
    @usableFromInline var address: UInt64 = 0
    @usableFromInline var filled = 0
    @usableFromInline var value: UInt64 = 0

    @inlinable init() {}

    @inlinable var isActive: Bool { filled > 0 }

    @inlinable func continues(at address: UInt64) -> Bool { filled > 0 && self.address &+ UInt64(filled) == address }

    @inlinable mutating func reset() { filled = 0 }

    @inlinable mutating func begin(at address: UInt64, from bytes: UnsafeRawPointer, count: Int) {
        self.address = address
        value = 0
        filled = 0
        _ = fill(from: bytes, count: count)
    }

    /// Takes bytes until the word is whole; returns how many it took.
    @inlinable mutating func fill(from bytes: UnsafeRawPointer, count: Int) -> Int {
        let taken = min(8 - filled, count)
        for index in 0..<taken {
            value |= UInt64(bytes.load(fromByteOffset: index, as: UInt8.self)) << (8 * UInt64(filled + index))
        }
        filled += taken
        return taken
    }

    @inlinable func completed() -> UInt64? { filled == 8 ? value : nil }
}
