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
    private let pointer: UnsafeMutableRawPointer?

    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO (a path a core may name) would otherwise wait for a
        // writer forever; O_NOCTTY: a terminal device must not become our controlling one.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { throw CoreInspectError.unreadableFile(path: path, reason: MappedFile.errnoText()) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CoreInspectError.unreadableFile(path: path, reason: MappedFile.errnoText())
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw CoreInspectError.unreadableFile(path: path, reason: MappedFile.kindText(mode: info.st_mode))
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

    deinit {
        if let pointer { munmap(pointer, Int(size)) }
    }

    /// The file's bytes. Valid while this object lives.
    public var bytes: ByteView {
        ByteView(UnsafeRawBufferPointer(start: pointer, count: Int(size)))
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }

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
