#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into our address space.
///
/// Cores are gigabytes, mostly never touched: mapping lets the kernel page in
/// only what we read, and keeps our own memory far below the core's size.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let size: UInt64
    /// The container the bytes were decompressed from, when `path` is a compressed core.
    public let compression: CompressionFormat?
    private let pointer: UnsafeMutableRawPointer?

    /// Maps `path` as it is.
    public convenience init(path: String) throws {
        try self.init(path: path, decompressing: false)
    }

    /// With `decompressing`, a zstd, xz or gzip file (told by its magic
    /// bytes) is first decompressed into an unlinked sparse file in
    /// `$TMPDIR` (see `CoreDecompression`), and that file is mapped.
    public init(path: String, decompressing: Bool) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO (a path a core may name) would otherwise wait for a
        // writer forever; O_NOCTTY: a terminal device must not become our controlling one.
        var fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw CoreInspectError.unreadableFile(path: path, reason: MappedFile.errnoText()) }
        defer { close(fd) }
        var info = try MappedFile.regularFileStatus(fd, path: path)
        compression = decompressing ? MappedFile.compressionFormat(fd) : nil
        if let compression {
            let plain = try CoreDecompression.decompress(fd, path: path, format: compression, compressedSize: UInt64(info.st_size))
            close(fd)
            fd = plain
            info = try MappedFile.regularFileStatus(fd, path: path)
        }
        size = UInt64(info.st_size)
        if size == 0 {
            pointer = nil
            return
        }
        let mapped = mmap(nil, Int(size), PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw CoreInspectError.unreadableFile(path: path, reason: MappedFile.errnoText())
        }
        pointer = mapped
    }

    /// Bytes built in memory (a synthetic core), in an anonymous mapping so they are released like a file's.
    public init(copying bytes: [UInt8], name: String) throws {
        path = name
        size = UInt64(bytes.count)
        compression = nil
        guard !bytes.isEmpty else {
            pointer = nil
            return
        }
        let mapped = mmap(nil, bytes.count, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw CoreInspectError.unreadableFile(path: name, reason: MappedFile.errnoText())
        }
        bytes.withUnsafeBytes { mapped.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        pointer = mapped
    }

    deinit {
        if let pointer { munmap(pointer, Int(size)) }
    }

    /// The file's bytes. Valid while this object lives.
    public var bytes: ByteView {
        ByteView(UnsafeRawBufferPointer(start: pointer, count: Int(size)))
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

    private static func regularFileStatus(_ fd: Int32, path: String) throws -> stat {
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CoreInspectError.unreadableFile(path: path, reason: MappedFile.errnoText())
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CoreInspectError.unreadableFile(path: path, reason: MappedFile.kindText(mode: info.st_mode))
        }
        return info
    }

    /// Reads the first bytes (and leaves the offset at 0, where decompression starts).
    private static func compressionFormat(_ fd: Int32) -> CompressionFormat? {
        var prefix = [UInt8](repeating: 0, count: CompressionFormat.magicLength)
        let count = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return CompressionFormat.detect(Array(prefix.prefix(count)))
    }

    static func kindText(mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory, not a file"
        case S_IFIFO: return "a FIFO, not a regular file"
        case S_IFCHR, S_IFBLK: return "a device, not a regular file"
        case S_IFSOCK: return "a socket, not a regular file"
        default: return "not a regular file"
        }
    }
}
