#if canImport(Glibc)
import Glibc
#endif

/// A path the core recorded, resolved inside a sysroot as `chroot` would resolve it: `..`
/// stops at the sysroot's root, and a symbolic link, absolute or relative, is followed inside
/// the sysroot, never out of it. The core is untrusted: its NT_FILE may name
/// `/../../etc/shadow`, and a sysroot copied from another machine holds absolute links such
/// as `lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2`, which mean
/// that machine's root, not ours.
enum SysrootPath {
    /// As the kernel's limit on links in one lookup (MAXSYMLINKS): more is a loop.
    static let maximumLinks = 40

    /// The real path under `sysroot` for `recorded`, with no symbolic link left in it; nil for
    /// a chain of more than `maximumLinks` links.
    static func resolve(_ recorded: String, in sysroot: String) -> String? {
        let root = sysroot.hasSuffix("/") && sysroot.count > 1 ? String(sysroot.dropLast()) : sysroot
        // Components still to walk, last one first.
        var pending = Array(recorded.split(separator: "/").reversed()).map(String.init)
        var resolved: [String] = []
        var links = 0
        while let component = pending.popLast() {
            if component == "." { continue }
            if component == ".." {
                _ = resolved.popLast()
                continue
            }
            let candidate = root + "/" + (resolved + [component]).joined(separator: "/")
            guard let target = linkTarget(candidate) else {
                resolved.append(component)
                continue
            }
            links += 1
            guard links <= maximumLinks else { return nil }
            if target.hasPrefix("/") { resolved.removeAll() }
            pending += target.split(separator: "/").reversed().map(String.init)
        }
        return root + "/" + resolved.joined(separator: "/")
    }

    /// The target of the symbolic link at `path`; nil when it is not one (or does not exist).
    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, Int(PATH_MAX))
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
