import CoreFile

/// The native roots of a process that also runs a garbage-collected runtime beside its C heap
/// (a Go program that uses cgo): the runtime's own memory leaves the native roots, and what the
/// runtime holds alive comes back as roots of its own.
///
/// Why the runtime's memory is taken out: a thread running a goroutine has its SP inside a Go
/// heap arena, and "its stack from SP to the end of the mapping" would then be the rest of the
/// arena, free spans and unswept garbage included, whose stale words would keep C blocks alive
/// that nothing live holds. Instead the caller adds each goroutine's stack from its lowest live
/// SP to `stack.hi`, and every live object of the runtime's heap whole, every word read
/// conservatively: a C pointer kept in a `uintptr` or in a noscan object is invisible to Go's
/// collector but still holds the C block.
extension NativeRoots {
    /// Removes from every root range the parts inside `owned` (the runtime's heap arenas,
    /// goroutine stacks among them). Module data, TLS and system stacks stay as they are.
    public mutating func excludeRuntimeMemory(_ owned: [AddressRange]) {
        let owned = owned.filter { !$0.isEmpty }.sorted { $0.start < $1.start }
        guard !owned.isEmpty else { return }
        var kept: [MarkRoots.Range] = []
        kept.reserveCapacity(roots.ranges.count)
        for root in roots.ranges {
            for piece in Self.subtracting(owned, from: root.range) {
                kept.append(MarkRoots.Range(piece, pointers: root.pointers, label: root.label))
            }
        }
        roots.ranges = kept
    }

    /// Adds memory the runtime keeps alive as one labelled root each; `ranges` may be many
    /// (one per run of adjacent live objects), the label is shared.
    public mutating func addRuntimeRoots(_ ranges: [AddressRange], label: RootLabel) {
        guard !ranges.isEmpty else { return }
        let index = roots.addLabel(label)
        roots.ranges.reserveCapacity(roots.ranges.count + ranges.count)
        for range in ranges where !range.isEmpty { roots.ranges.append(MarkRoots.Range(range, label: index)) }
    }

    /// `range` less every range of `owned` (sorted by start).
    static func subtracting(_ owned: [AddressRange], from range: AddressRange) -> [AddressRange] {
        var pieces: [AddressRange] = []
        var start = range.start
        for hole in owned where hole.end > start && hole.start < range.end {
            if hole.start > start { pieces.append(AddressRange(start: start, end: hole.start)) }
            start = max(start, hole.end)
        }
        if start < range.end { pieces.append(AddressRange(start: start, end: range.end)) }
        return pieces
    }
}
