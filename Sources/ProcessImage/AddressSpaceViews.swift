import CoreFile

/// Zero-copy access to an `AddressSpace`: views borrow the mapped core and
/// files, which live as long as the address space.
extension AddressSpace {
    public func view(at address: Address, count: UInt64) -> ByteView? {
        guard let index = regionIndex(containing: address), let bytes = regionBytes[index] else { return nil }
        return bytes.slice(at: address.offset(from: regions[index].range.start), count: count)
    }

    public func forEachView(in range: AddressRange, _ body: (Address, ByteView) throws -> Void) rethrows {
        var index = firstRegion(endingAfter: range.start)
        while index < regions.count, regions[index].range.start < range.end {
            defer { index += 1 }
            guard let bytes = regionBytes[index], let (start, slice) = clip(bytes, of: index, to: range) else { continue }
            try body(start, slice)
        }
    }

    /// Drops the resident pages behind `range`: the core and the files are
    /// mapped read-only and private, so the pages come back from disk if read.
    public func releasePages(in range: AddressRange) {
        var index = firstRegion(endingAfter: range.start)
        while index < regions.count, regions[index].range.start < range.end {
            defer { index += 1 }
            guard let bytes = regionBytes[index], let (_, slice) = clip(bytes, of: index, to: range) else { continue }
            slice.releaseFileBackedPages()
        }
    }

    /// The part of region `index`'s available bytes inside `range`, and its address.
    private func clip(_ bytes: ByteView, of index: Int, to range: AddressRange) -> (Address, ByteView)? {
        let regionStart = regions[index].range.start
        let start = max(regionStart, range.start)
        let end = min(regionStart.advanced(by: UInt64(bytes.count)), range.end)
        guard start < end, let slice = bytes.slice(at: start.offset(from: regionStart), count: end.offset(from: start)) else { return nil }
        return (start, slice)
    }
}
