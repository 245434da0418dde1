#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bounds-checked, read-only window on bytes owned by someone else
/// (usually an mmap'd file), with little-endian loads.
///
/// Every load checks bounds, so a corrupt size or offset read from a core
/// turns into an error instead of a crash. The view does not own its bytes:
/// keep the `MappedFile` or `OwnedBytes` it came from alive.
public struct ByteView: @unchecked Sendable {
    public let base: UnsafeRawBufferPointer

    public init(_ base: UnsafeRawBufferPointer) { self.base = base }

    public var count: Int { base.count }

    public func contains(offset: UInt64, count length: UInt64) -> Bool {
        offset <= UInt64(base.count) && length <= UInt64(base.count) - offset
    }

    /// Unchecked loads for hot loops that already checked the range.
    @inline(__always)
    public func loadUnchecked<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    public func load<T: FixedWidthInteger>(_ type: T.Type, at offset: UInt64) -> T? {
        guard contains(offset: offset, count: UInt64(MemoryLayout<T>.size)) else { return nil }
        return loadUnchecked(type, at: Int(offset))
    }

    public func slice(at offset: UInt64, count length: UInt64) -> ByteView? {
        guard contains(offset: offset, count: length) else { return nil }
        return ByteView(UnsafeRawBufferPointer(rebasing: base[Int(offset)..<Int(offset + length)]))
    }

    /// The bytes from `offset` up to the first NUL, at most `maxLength` of them.
    public func cString(at offset: UInt64, maxLength: Int) -> String? {
        guard offset <= UInt64(base.count) else { return nil }
        let start = Int(offset)
        let end = min(base.count, start + maxLength)
        var stop = start
        while stop < end, base[stop] != 0 { stop += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: base[start..<stop]), as: UTF8.self)
    }

    public var bytes: [UInt8] { Array(base) }

    /// Drops the resident pages wholly inside this view (`MADV_DONTNEED`), so
    /// a one-pass scan of a big core does not keep it all in RSS.
    ///
    /// Only for views of a read-only file mapping (`MappedFile`): those pages
    /// come back from the file when read again. On anonymous memory (an
    /// `OwnedBytes`) the kernel would zero them instead.
    public func releaseFileBackedPages() {
        guard let start = base.baseAddress else { return }
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let first = (UInt(bitPattern: start) + pageSize - 1) & ~(pageSize - 1)
        let last = (UInt(bitPattern: start) + UInt(base.count)) & ~(pageSize - 1)
        guard first < last, let pages = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pages, Int(last - first), MADV_DONTNEED)
    }
}

/// Heap bytes with a lifetime, for data read out of the inferior.
public final class OwnedBytes: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    public let count: Int

    public init(count: Int) {
        self.count = count
        storage = .allocate(byteCount: max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
    }

    public var mutableBytes: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: storage[0..<count])
    }

    public var view: ByteView { ByteView(UnsafeRawBufferPointer(mutableBytes)) }

    deinit { storage.deallocate() }
}
