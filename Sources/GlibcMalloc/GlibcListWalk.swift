/// How a walk of one singly linked free list ended.
public enum GlibcListEnd: Equatable, Sendable {
    /// The list ended where glibc ends it (NULL, or back at the bin's head).
    case complete
    /// A node came round again: a double free, or damage. The nodes before it were visited once each.
    case cycle(at: UInt64)
    /// More nodes than any real list of this kind can hold.
    case tooLong
    /// A link that glibc itself would reject: misaligned or unreadable.
    case broken(at: UInt64)
}

/// Walks free lists with a bound and cycle detection, allocating nothing.
enum GlibcListWalk {
    /// Visits nodes from `first` until `isEnd` says the list ended. Cycles are caught with
    /// Brent's algorithm (a node compared against a checkpoint moved at powers of two), so a
    /// looping list costs at most about twice its length before the walk stops.
    static func walk(from first: UInt64, limit: Int, isEnd: (UInt64) -> Bool,
                     next: (UInt64) -> UInt64?, visit: (UInt64) -> Void) -> GlibcListEnd {
        var node = first
        var checkpoint = first
        var power = 1
        var sinceCheckpoint = 0
        var steps = 0
        while !isEnd(node) {
            guard node & 15 == 0 else { return .broken(at: node) }
            steps += 1
            guard steps <= limit else { return .tooLong }
            visit(node)
            guard let following = next(node) else { return .broken(at: node) }
            node = following
            if node == checkpoint && !isEnd(node) { return .cycle(at: node) }
            sinceCheckpoint += 1
            if sinceCheckpoint == power {
                checkpoint = node
                power *= 2
                sinceCheckpoint = 0
            }
        }
        return .complete
    }

    /// glibc ≥ 2.32's safe-linking (PROTECT_PTR / REVEAL_PTR): a tcache or fastbin `next` is
    /// stored XORed with the address of the field holding it, shifted right by 12.
    @inline(__always)
    static func reveal(_ stored: UInt64, fieldAddress: UInt64) -> UInt64 {
        stored ^ (fieldAddress >> 12)
    }
}
