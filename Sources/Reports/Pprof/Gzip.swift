import CZlib

/// gzip compression through zlib: pprof files are gzip-compressed protobufs.
public enum Gzip {
    /// zlib failed: the function and its return code (Z_MEM_ERROR, Z_STREAM_ERROR …).
    public struct Failure: Error, CustomStringConvertible {
        public let function: String
        public let code: Int32
        public var description: String { "zlib \(function) failed with code \(code)" }
    }

    /// `bytes` as one gzip member (RFC 1952), at zlib's default level.
    public static func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        // 15 window bits + 16 asks deflate for a gzip header and trailer instead of zlib's.
        let gzipWindowBits: Int32 = 15 + 16
        let defaultMemoryLevel: Int32 = 8
        let status = CZlib_deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzipWindowBits, defaultMemoryLevel,
                                        Z_DEFAULT_STRATEGY)
        guard status == Z_OK else { throw Failure(function: "deflateInit2", code: status) }
        defer { deflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))))
        var input = bytes
        let result = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = UInt32(destination.count)
                // deflateBound sized the output for the whole input, so one call finishes the stream.
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { throw Failure(function: "deflate", code: result) }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    /// The bytes of a gzip stream (one or more members), for reading pprof files back.
    public static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        let status = CZlib_inflateInit2(&stream, 15 + 32)  // + 32: detect a gzip or zlib header
        guard status == Z_OK else { throw Failure(function: "inflateInit2", code: status) }
        defer { inflateEnd(&stream) }

        var input = bytes
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var result: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while result != Z_STREAM_END {
                let produced = chunk.withUnsafeMutableBufferPointer { destination -> Int in
                    stream.next_out = destination.baseAddress
                    stream.avail_out = UInt32(destination.count)
                    result = inflate(&stream, Z_NO_FLUSH)
                    return destination.count - Int(stream.avail_out)
                }
                guard result == Z_OK || result == Z_STREAM_END else { throw Failure(function: "inflate", code: result) }
                output.append(contentsOf: chunk[..<produced])
                if result == Z_OK, produced == 0, stream.avail_in == 0 { throw Failure(function: "inflate", code: Z_BUF_ERROR) }
            }
        }
        return output
    }
}
