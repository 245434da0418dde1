#if canImport(Glibc)
import Glibc
#endif

/// An unlinked file in /dev/shm that each input is written to, for the entry
/// points that take a path: the core is opened and mapped as a real one is.
final class ScratchFile {
    let path: String
    private let descriptor: Int32

    init() {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let name = "\(directory)/coreinspect-fuzz-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        descriptor = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        unlink(name)
        path = "/proc/self/fd/\(descriptor)"
    }

    deinit { close(descriptor) }

    func write(_ bytes: UnsafeRawBufferPointer) {
        _ = ftruncate(descriptor, 0)
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(done))
            guard written > 0 else { return }
            done += written
        }
    }
}
