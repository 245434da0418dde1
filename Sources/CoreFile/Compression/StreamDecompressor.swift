/// A compressed container coreinspect reads cores from, told apart by its
/// magic bytes, never by the file's name.
public enum CompressionFormat: String, Sendable {
    /// Zstandard: what systemd-coredump writes (`core.*.zst`).
    case zstd
    case xz
    case gzip

    /// The longest magic: xz's six bytes.
    static let magicLength = 6

    /// The format whose magic `prefix` starts with, or nil for anything else (a plain core).
    static func detect(_ prefix: [UInt8]) -> CompressionFormat? {
        func starts(_ magic: [UInt8]) -> Bool { prefix.count >= magic.count && Array(prefix.prefix(magic.count)) == magic }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return .xz }
        if starts([0x1F, 0x8B]) { return .gzip }
        return nil
    }

    func makeDecompressor() throws(DecompressionFailure) -> StreamDecompressor {
        switch self {
        case .zstd: return try ZstdDecompressor()
        case .xz: return try XzDecompressor()
        case .gzip: return try GzipDecompressor()
        }
    }
}

/// Why a compressed stream could not be decoded, in the library's words.
struct DecompressionFailure: Error {
    var reason: String
}

/// One streaming decoder over fixed buffers: the caller feeds input and
/// drains output in pieces, so memory does not grow with the core.
protocol StreamDecompressor: AnyObject {
    /// Decodes what it can of `input` into `output`. `inputEnded` says that
    /// nothing follows `input`.
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                inputEnded: Bool) throws(DecompressionFailure) -> (consumed: Int, produced: Int)

    /// True between complete frames (or streams, or gzip members): a stream
    /// that ends anywhere else was cut off.
    var atStreamEnd: Bool { get }
}
