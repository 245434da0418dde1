import CLzma

/// xz streams (concatenated ones too, as `xz` itself accepts them).
final class XzDecompressor: StreamDecompressor {
    /// liblzma's decoder needs about the dictionary size: 65 MiB for `xz -9`.
    /// A header asking for more than this is refused rather than obeyed.
    static let memoryLimit: UInt64 = 512 << 20

    private let stream: UnsafeMutablePointer<lzma_stream>
    private(set) var atStreamEnd = false

    init() throws(DecompressionFailure) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: CLzma_streamInit())
        let status = lzma_stream_decoder(stream, XzDecompressor.memoryLimit, CLzma_concatenated)
        guard status == LZMA_OK else {
            stream.deallocate()
            throw DecompressionFailure(reason: "lzma_stream_decoder: \(XzDecompressor.describe(status))")
        }
    }

    deinit {
        lzma_end(stream)
        stream.deallocate()
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                inputEnded: Bool) throws(DecompressionFailure) -> (consumed: Int, produced: Int) {
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_in = input.count
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = output.count
        // With LZMA_CONCATENATED, only LZMA_FINISH lets the decoder say the last stream ended.
        let status = lzma_code(stream, inputEnded ? LZMA_FINISH : LZMA_RUN)
        let consumed = input.count - stream.pointee.avail_in
        let produced = output.count - stream.pointee.avail_out
        switch status {
        case LZMA_OK: break
        case LZMA_STREAM_END: atStreamEnd = true
        // No progress possible: at the end of the input this means it was cut off, which the caller sees.
        case LZMA_BUF_ERROR: break
        default: throw DecompressionFailure(reason: XzDecompressor.describe(status))
        }
        return (consumed, produced)
    }

    static func describe(_ status: lzma_ret) -> String {
        switch status {
        case LZMA_MEM_ERROR: return "out of memory"
        case LZMA_MEMLIMIT_ERROR: return "the stream needs more than \(memoryLimit >> 20) MiB to decode"
        case LZMA_FORMAT_ERROR: return "not an xz stream"
        case LZMA_OPTIONS_ERROR: return "unsupported xz options"
        case LZMA_DATA_ERROR: return "compressed data is corrupt"
        default: return "liblzma error \(status.rawValue)"
        }
    }
}
