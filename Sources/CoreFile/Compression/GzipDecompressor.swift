import CZlib

/// gzip members, one after another as `gzip -d` reads them.
final class GzipDecompressor: StreamDecompressor {
    /// 15-bit window, +16: expect a gzip header and trailer (not raw zlib).
    private static let gzipWindowBits: Int32 = 15 + 16

    /// zlib checks that the stream does not move between calls: it lives on the heap.
    private let stream: UnsafeMutablePointer<z_stream>
    private(set) var atStreamEnd = false

    init() throws(DecompressionFailure) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = CZlib_inflateInit2(stream, GzipDecompressor.gzipWindowBits)
        guard status == Z_OK else {
            stream.deallocate()
            throw DecompressionFailure(reason: "inflateInit2 failed (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                inputEnded: Bool) throws(DecompressionFailure) -> (consumed: Int, produced: Int) {
        if atStreamEnd, !input.isEmpty {
            // Another member follows the one that ended.
            inflateReset(stream)
            atStreamEnd = false
        }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(output.count)
        let status = inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR: break
        case Z_STREAM_END: atStreamEnd = true
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw DecompressionFailure(reason: message)
        }
        return (consumed, produced)
    }
}
