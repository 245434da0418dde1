import CoreFile

/// Views for readers that implement only `read(into:at:)`, such as small test
/// fakes: `forEachView` copies the range through one scratch buffer, so it
/// allocates once per call, never per word.
extension MemoryReader {
    public func view(at address: Address, count: UInt64) -> ByteView? { nil }

    public func releasePages(in range: AddressRange) {}

    public func forEachView(in range: AddressRange, _ body: (Address, ByteView) throws -> Void) rethrows {
        try forEachCopiedStretch(in: range, chunkSize: defaultCopyChunkSize, body)
    }

    /// The scratch buffer of the copying `forEachView`.
    public var defaultCopyChunkSize: Int { 64 * 1024 }

    /// `forEachView` by copying: reads `range` in chunks of at most
    /// `chunkSize` bytes (ending on 8-byte boundaries, so a chunk never splits
    /// a word) and passes each readable prefix on.
    ///
    /// A fault costs a second read up to the address the error names, then the
    /// hole is stepped over one byte at a time: fine for fakes with small
    /// holes, which is all this serves. Real readers override `forEachView`.
    public func forEachCopiedStretch(in range: AddressRange, chunkSize: Int,
                                     _ body: (Address, ByteView) throws -> Void) rethrows {
        guard !range.isEmpty else { return }
        let capacity = max(chunkSize, 16) & ~7
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { scratch.deallocate() }
        var cursor = range.start
        while cursor < range.end {
            // End the chunk on an aligned address so aligned words stay whole.
            let limit = min(range.end.rawValue, (cursor.rawValue &+ UInt64(capacity)) & ~7)
            let wanted = Int(max(limit, cursor.rawValue &+ 1) - cursor.rawValue)
            let readable = readablePrefix(at: cursor, count: wanted, into: scratch)
            if readable == 0 {
                cursor = cursor.advanced(by: 1)
                continue
            }
            try body(cursor, ByteView(UnsafeRawBufferPointer(rebasing: scratch[0..<readable])))
            cursor = cursor.advanced(by: UInt64(readable))
        }
    }

    /// How many bytes from `address` (up to `count`) read without a fault, copied into `buffer`.
    private func readablePrefix(at address: Address, count: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        do {
            try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: address)
            return count
        } catch {
            guard let fault = (error as? CoreInspectError)?.faultAddress, fault > address,
                  fault.offset(from: address) < UInt64(count)
            else { return 0 }
            let prefix = Int(fault.offset(from: address))
            let copied = (try? read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<prefix]), at: address)) != nil
            return copied ? prefix : 0
        }
    }
}

extension CoreInspectError {
    /// The address a memory read stopped at, for `.unmapped` and `.notInCore`.
    var faultAddress: Address? {
        switch self {
        case let .unmapped(address): return address
        case let .notInCore(address, _): return address
        default: return nil
        }
    }
}
