import CoreFile

/// Reads the inferior's memory. `AddressSpace` reads a core; tests supply
/// fakes (`SyntheticMemory`, or anything implementing `read(into:at:)`), so
/// the layers above never need a real core to be tested.
///
/// Small reads copy (`readUInt64`, `readBytes`); tables are borrowed in place
/// (`view(at:count:)`, `window(at:count:copyLimit:)`); whole ranges are
/// scanned word by word with `scanWords(in:matching:)`.
public protocol MemoryReader: AnyObject {
    /// Fills `buffer` with the bytes at `address`, or throws `.unmapped` /
    /// `.notInCore` naming the first address that could not be read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at address: Address) throws

    /// One little-endian word. Unwinders read millions of these; a reader can
    /// answer without the generic copy.
    func readUInt64(at address: Address) throws -> UInt64

    /// The bytes of `[address, address + count)` borrowed in place, when the
    /// whole range lies inside one region whose bytes are available; nil
    /// otherwise, and callers fall back to `read(into:at:)`. The view stays
    /// valid as long as the reader does. Readers that own no bytes they could
    /// lend (the default) always answer nil.
    func view(at address: Address, count: UInt64) -> ByteView?

    /// Calls `body` with each available stretch of `range`, in address order,
    /// skipping what is unmapped or not in the core. Stretches never overlap;
    /// adjacent ones may come separately (a region boundary, or the default's
    /// bounded copies). A view passed to `body` is valid only during the call.
    func forEachView(in range: AddressRange, _ body: (Address, ByteView) throws -> Void) rethrows

    /// Hints that the pages behind `range` will not be read again soon, so
    /// they need not stay resident. Readers over mapped files drop them (they
    /// fault back in if read); others ignore it.
    func releasePages(in range: AddressRange)
}

extension MemoryReader {
    /// Reads above this size probe their last byte before allocating (see `readBytes`).
    static var probedReadBytes: Int { 1 << 16 }

    public func readInteger<T: FixedWidthInteger>(_ type: T.Type, at address: Address) throws -> T {
        var value = T.zero
        try withUnsafeMutableBytes(of: &value) { try read(into: $0, at: address) }
        return T(littleEndian: value)
    }

    public func readUInt64(at address: Address) throws -> UInt64 { try readInteger(UInt64.self, at: address) }

    public func readUInt32(at address: Address) throws -> UInt32 { try readInteger(UInt32.self, at: address) }

    public func readPointer(at address: Address) throws -> Address { Address(try readUInt64(at: address)) }

    /// Reads `count` bytes into a new array. For headers and strings, not hot loops.
    ///
    /// Counts come from the core: a large one is checked against the memory before anything is
    /// allocated, by reading its last byte first, so a lying length costs a fault, not gigabytes.
    public func readBytes(at address: Address, count: Int) throws -> [UInt8] {
        guard count >= 0 else { throw CoreInspectError.unmapped(address: address) }
        if count > Self.probedReadBytes {
            var last: UInt8 = 0
            let end = address.advanced(by: UInt64(count - 1))
            guard end > address else { throw CoreInspectError.unmapped(address: end) }
            try withUnsafeMutableBytes(of: &last) { try read(into: $0, at: end) }
        }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(into: $0, at: address) }
        return bytes
    }

    /// Reads a NUL-terminated string of at most `maxLength` bytes. Reads in
    /// chunks, and byte by byte once a chunk faults, so a string that ends
    /// just before the end of a mapping still reads.
    public func readCString(at address: Address, maxLength: Int = 4096) throws -> String {
        var collected: [UInt8] = []
        var cursor = address
        var chunkLimit = 64
        while collected.count < maxLength {
            let chunk = min(chunkLimit, maxLength - collected.count)
            let bytes: [UInt8]
            do {
                bytes = try readBytes(at: cursor, count: chunk)
            } catch where chunk > 1 {
                chunkLimit = 1
                continue
            }
            if let end = bytes.firstIndex(of: 0) {
                collected += bytes[..<end]
                break
            }
            collected += bytes
            cursor = cursor.advanced(by: UInt64(chunk))
        }
        return String(decoding: collected, as: UTF8.self)
    }
}
