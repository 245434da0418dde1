import CoreFile
import ProcessImage

/// The C library a process loaded, and its release as libc itself states it.
public struct GlibcLibrary: Sendable {
    public var module: Module
    public var version: GlibcVersion
    /// The whole banner's distribution part, as "Debian GLIBC 2.36-9+deb12u14", when present.
    public var banner: String

    /// libc.so.6 among the process's modules, or nil for a program without glibc (static, musl).
    public static func module(in process: ProcessImage) -> Module? {
        process.modules.first { module in
            let file = module.name.split(separator: "/").last.map(String.init) ?? module.name
            return file == "libc.so.6" || (file.hasPrefix("libc-2.") && file.hasSuffix(".so"))
        }
    }

    /// Finds libc and reads its version from the banner in its read-only data ("GNU C Library
    /// (Debian GLIBC 2.36-9+deb12u14) stable release version 2.36."), from the core or, where
    /// the core left the pages out, from the file on disk that NT_FILE names.
    public static func find(in process: ProcessImage) throws -> GlibcLibrary {
        guard let module = module(in: process) else { throw GlibcMallocError.noLibc }
        guard let found = versionBanner(in: module.range, memory: process.memory) else {
            throw GlibcMallocError.noVersion(module: module.name)
        }
        return GlibcLibrary(module: module, version: found.version, banner: found.banner)
    }

    private static let marker = Array("stable release version ".utf8)
    private static let prefix = Array("GNU C Library (".utf8)

    static func versionBanner(in range: AddressRange, memory: MemoryReader) -> (version: GlibcVersion, banner: String)? {
        var result: (GlibcVersion, String)?
        memory.forEachView(in: range) { _, view in
            guard result == nil, let hit = firstOffset(of: marker, in: view.base) else { return }
            let tail = view.base[(hit + marker.count)...].prefix(16).prefix { $0 != 0 && $0 != UInt8(ascii: "\n") }
            let text = String(decoding: tail, as: UTF8.self)
            // "2.36." — drop the sentence's full stop.
            let number = text.split(separator: ".").prefix(2).joined(separator: ".")
            guard let version = GlibcVersion(number) else { return }
            var banner = ""
            let searchStart = max(0, hit - 128)
            if let open = firstOffset(of: prefix, in: UnsafeRawBufferPointer(rebasing: view.base[searchStart..<hit])) {
                let inside = view.base[(searchStart + open + prefix.count)..<hit].prefix { $0 != UInt8(ascii: ")") }
                banner = String(decoding: inside, as: UTF8.self)
            }
            result = (version, banner)
        }
        return result
    }

    private static func firstOffset(of needle: [UInt8], in haystack: UnsafeRawBufferPointer) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return index }
            }
            index += 1
        }
        return nil
    }
}
