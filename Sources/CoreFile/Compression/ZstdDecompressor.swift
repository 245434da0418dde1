import CZstd

/// Zstandard frames, concatenated or not. zstd's default window limit
/// (128 MiB) stays in force, so a hostile header cannot make us allocate more.
final class ZstdDecompressor: StreamDecompressor {
    private let stream: OpaquePointer
    private(set) var atStreamEnd = false

    init() throws(DecompressionFailure) {
        guard let stream = ZSTD_createDStream() else { throw DecompressionFailure(reason: "ZSTD_createDStream failed") }
        self.stream = stream
        let status = ZSTD_initDStream(stream)
        if ZSTD_isError(status) != 0 {
            ZSTD_freeDStream(stream)
            throw DecompressionFailure(reason: "ZSTD_initDStream: \(String(cString: ZSTD_getErrorName(status)))")
        }
    }

    deinit { ZSTD_freeDStream(stream) }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                inputEnded: Bool) throws(DecompressionFailure) -> (consumed: Int, produced: Int) {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var target = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let status = ZSTD_decompressStream(stream, &target, &source)
        if ZSTD_isError(status) != 0 {
            throw DecompressionFailure(reason: String(cString: ZSTD_getErrorName(status)))
        }
        // 0: a frame is complete and flushed; more input may start another.
        if source.pos > 0 || target.pos > 0 { atStreamEnd = status == 0 }
        return (source.pos, target.pos)
    }
}
