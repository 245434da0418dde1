#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends bytes to a file but leaves every all-zero block unwritten, so it
/// stays a hole: a 1.5 GB core that is mostly untouched reservations costs
/// the disk only its written pages, as `cp --sparse=always` would.
struct SparseFileWriter {
    static let blockSize = 4096
    private static let zeroBlock = [UInt8](repeating: 0, count: blockSize)

    let descriptor: Int32
    /// Bytes appended so far, holes included: the file's logical size.
    private(set) var size: UInt64 = 0

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// Writes `bytes` at the end; runs of non-zero blocks go out in one write each.
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(SparseWriteFailure) {
        guard let base = bytes.baseAddress else { return }
        var position = 0
        var runStart: Int?
        while position < bytes.count {
            // Blocks are aligned on the file's offsets, not on the buffer's.
            let intoBlock = Int((size + UInt64(position)) % UInt64(SparseFileWriter.blockSize))
            let length = min(bytes.count - position, SparseFileWriter.blockSize - intoBlock)
            let isZero = SparseFileWriter.zeroBlock.withUnsafeBytes { memcmp(base + position, $0.baseAddress!, length) == 0 }
            if isZero {
                if let start = runStart { try write(base + start, count: position - start, at: size + UInt64(start)) }
                runStart = nil
            } else if runStart == nil {
                runStart = position
            }
            position += length
        }
        if let start = runStart { try write(base + start, count: bytes.count - start, at: size + UInt64(start)) }
        size += UInt64(bytes.count)
    }

    /// Extends the file over a trailing hole, which no write reached.
    func finish() throws(SparseWriteFailure) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw SparseWriteFailure(errno: errno) }
    }

    private func write(_ start: UnsafeRawPointer, count: Int, at offset: UInt64) throws(SparseWriteFailure) {
        var written = 0
        while written < count {
            let result = pwrite(descriptor, start + written, count - written, off_t(offset) + off_t(written))
            if result < 0 {
                if errno == EINTR { continue }
                throw SparseWriteFailure(errno: errno)
            }
            written += result
        }
    }
}

struct SparseWriteFailure: Error {
    var errno: Int32
    var reason: String { String(cString: strerror(errno)) }
}
