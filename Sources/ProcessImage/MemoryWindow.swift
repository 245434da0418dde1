import CoreFile

/// A stretch of the inferior's memory as one `ByteView`, addressed by `Address`.
///
/// Tables such as Go's pclntab are tens of megabytes, so a window borrows the
/// reader's bytes wherever it can and copies only as a last resort. Borrowed
/// bytes live as long as the reader that lent them.
public struct MemoryWindow: Sendable {
    public let start: Address
    public let bytes: ByteView
    /// Owns the bytes when they had to be copied.
    public let owner: OwnedBytes?

    public init(start: Address, bytes: ByteView, owner: OwnedBytes? = nil) {
        self.start = start
        self.bytes = bytes
        self.owner = owner
    }

    public var end: Address { start.advanced(by: UInt64(bytes.count)) }

    /// The offset of `[address, address + count)` in `bytes`, when all of it is inside.
    public func offset(of address: Address, count: UInt64) -> Int? {
        guard address >= start else { return nil }
        let offset = address.offset(from: start)
        return bytes.contains(offset: offset, count: count) ? Int(offset) : nil
    }

    /// A sub-window, borrowing the same bytes.
    public func window(at address: Address, count: UInt64) -> MemoryWindow? {
        guard let offset = offset(of: address, count: count),
              let slice = bytes.slice(at: UInt64(offset), count: count)
        else { return nil }
        return MemoryWindow(start: address, bytes: slice, owner: owner)
    }
}

extension MemoryReader {
    /// `count` bytes at `address`: borrowed when one view holds them all,
    /// else copied, but only up to `copyLimit` bytes, so that a corrupt length
    /// never becomes a huge allocation. Nil when a byte is unreadable.
    public func window(at address: Address, count: UInt64, copyLimit: UInt64) -> MemoryWindow? {
        if let view = view(at: address, count: count) { return MemoryWindow(start: address, bytes: view) }
        guard count > 0, count <= copyLimit, count <= UInt64(Int.max) else { return nil }
        let owned = OwnedBytes(count: Int(count))
        guard (try? read(into: owned.mutableBytes, at: address)) != nil else { return nil }
        return MemoryWindow(start: address, bytes: owned.view, owner: owned)
    }

    /// The available bytes from `address` on, as far as they run without a
    /// hole, and at most `maxCount` of them. Borrowed (up to the end of the
    /// first stretch) when the reader lends views, else copied, so `maxCount`
    /// bounds the copy. Nil when the byte at `address` is unreadable.
    public func contiguousWindow(at address: Address, maxCount: UInt64) -> MemoryWindow? {
        var firstCount: UInt64 = 0
        var runEnd: Address?
        forEachView(in: AddressRange(start: address, size: maxCount)) { start, view in
            if runEnd == nil, start == address { firstCount = UInt64(view.count); runEnd = address }
            if let end = runEnd, end == start { runEnd = start.advanced(by: UInt64(view.count)) }
        }
        guard let runEnd, firstCount > 0 else { return nil }
        if let view = view(at: address, count: firstCount) { return MemoryWindow(start: address, bytes: view) }
        return window(at: address, count: runEnd.offset(from: address), copyLimit: maxCount)
    }
}
