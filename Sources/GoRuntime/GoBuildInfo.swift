import CoreFile
import ProcessImage

/// What `go version -m` shows: the toolchain version, the main module, its
/// dependencies and build settings.
///
/// The linker writes this into the `.go.buildinfo` blob at the start of the
/// data segment, and `-s -w` does not strip it, so it identifies stripped
/// binaries too. We read it from the process's memory (the data segment is
/// always in the core), so it works without the executable on disk.
public struct GoBuildInfo: Sendable, Equatable {
    public struct ModuleVersion: Sendable, Equatable {
        public var path: String
        public var version: String
        public var sum: String?
        public var replacement: String?
    }

    /// As the build info spells it ("go1.23.4", "devel go1.27-abc…"): what `info` shows.
    public var goVersion: String {
        didSet { release = GoRelease(goVersion) }
    }
    /// `goVersion` parsed, once: what code compares. Nil for a version GoRelease cannot read.
    public private(set) var release: GoRelease?
    /// The main package's import path (`path` line).
    public var path: String?
    public var mainModule: ModuleVersion?
    public var dependencies: [ModuleVersion]
    public var settings: [(key: String, value: String)]

    public init(goVersion: String, path: String? = nil, mainModule: ModuleVersion? = nil, dependencies: [ModuleVersion] = [],
                settings: [(key: String, value: String)] = []) {
        self.goVersion = goVersion
        release = GoRelease(goVersion)
        self.path = path
        self.mainModule = mainModule
        self.dependencies = dependencies
        self.settings = settings
    }

    public static func == (lhs: GoBuildInfo, rhs: GoBuildInfo) -> Bool {
        lhs.goVersion == rhs.goVersion && lhs.path == rhs.path && lhs.mainModule == rhs.mainModule
            && lhs.dependencies == rhs.dependencies && lhs.settings.map(\.key) == rhs.settings.map(\.key)
            && lhs.settings.map(\.value) == rhs.settings.map(\.value)
    }

    public func setting(_ key: String) -> String? { settings.first { $0.key == key }?.value }

    /// "\xff Go buildinf:", 16-byte aligned in the data segment.
    static let magic: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)
    static let headerSize = 32
    /// How far into the data segment to look; Go's own reader looks this far.
    static let searchLimit: UInt64 = 1 << 20

    /// Finds and decodes the build info of the process's executable; `nil` when it is not a Go program.
    public static func read(from process: ProcessImage) -> GoBuildInfo? {
        guard let executable = process.mainExecutable,
              let (headers, bias) = process.loadedProgramHeaders(of: executable)
        else { return nil }
        // The section says where the blob is, when the file is at hand.
        if let section = executable.located?.elf?.section(named: ".go.buildinfo"),
           let info = try? decode(at: Address(section.address &+ bias), memory: process.memory) {
            return info
        }
        // Otherwise search: .go.buildinfo starts the data segment, the first writable,
        // non-executable PT_LOAD, except in PIE binaries, where RELRO comes first.
        let dataSegments = headers.filter {
            $0.type == ProgramHeader.load && $0.flags & (ProgramHeader.writable | ProgramHeader.executable) == ProgramHeader.writable
        }
        for data in dataSegments {
            let start = Address(data.virtualAddress &+ bias)
            let length = min(data.fileSize, searchLimit)
            if let offset = findMagic(in: process.memory, from: start, length: length),
               let info = try? decode(at: start.advanced(by: offset), memory: process.memory) {
                return info
            }
        }
        return nil
    }

    /// The first 16-byte-aligned copy of the magic in `[start, start + length)`
    /// with room for the header after it, as an offset from `start`.
    private static func findMagic(in memory: MemoryReader, from start: Address, length: UInt64) -> UInt64? {
        let range = AddressRange(start: start, size: length)
        let found = memory.firstWord(in: range, matching: MagicPrefix()) { address, _ in
            guard address.isAligned(to: 16), address.advanced(by: UInt64(headerSize)) <= range.end,
                  let bytes = try? memory.readBytes(at: address, count: magic.count)
            else { return false }
            return bytes == magic
        }
        return found.map { $0.offset(from: start) }
    }

    /// The magic's first eight bytes as a little-endian word.
    struct MagicPrefix: WordPredicate {
        let prefix = magic[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }

        func matches(_ word: UInt64) -> Bool { word == prefix }
    }

    static func decode(at address: Address, memory: MemoryReader) throws -> GoBuildInfo? {
        let header = try memory.readBytes(at: address, count: headerSize)
        let pointerSize = Int(header[14])
        let flags = header[15]
        let inlineStrings = flags & 0x2 != 0
        let version: String
        let modinfo: [UInt8]
        if inlineStrings {
            // Go 1.18+: two varint-length-prefixed strings right after the header.
            var cursor = address.advanced(by: UInt64(headerSize))
            version = String(decoding: try readVarintString(memory: memory, cursor: &cursor), as: UTF8.self)
            modinfo = try readVarintString(memory: memory, cursor: &cursor)
        } else {
            // Before 1.18: pointers to Go string headers (data pointer, length).
            guard pointerSize == 8, flags & 0x1 == 0 else { return nil }
            version = String(decoding: try readGoString(memory: memory, header: try memory.readPointer(at: address.advanced(by: 16))), as: UTF8.self)
            modinfo = try readGoString(memory: memory, header: try memory.readPointer(at: address.advanced(by: 24)))
        }
        guard version.hasPrefix("go") || version.hasPrefix("devel") else { return nil }
        return parse(version: version, modinfo: stripSentinels(modinfo))
    }

    /// A corrupt length must not become a huge allocation: strings here are small.
    private static let maximumStringLength: UInt64 = 1 << 20

    private static func readVarintString(memory: MemoryReader, cursor: inout Address) throws -> [UInt8] {
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try memory.readBytes(at: cursor, count: 1)[0]
            cursor = cursor.advanced(by: 1)
            length |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            guard shift < 64 else { throw CoreInspectError.malformed(path: "go buildinfo", what: "bad varint") }
        }
        guard length <= maximumStringLength else {
            throw CoreInspectError.malformed(path: "go buildinfo", what: "string of \(length) bytes")
        }
        let bytes = try memory.readBytes(at: cursor, count: Int(length))
        cursor = cursor.advanced(by: length)
        return bytes
    }

    private static func readGoString(memory: MemoryReader, header: Address) throws -> [UInt8] {
        let data = try memory.readPointer(at: header)
        let length = try memory.readUInt64(at: header.advanced(by: 8))
        guard length <= maximumStringLength else {
            throw CoreInspectError.malformed(path: "go buildinfo", what: "string of \(length) bytes")
        }
        return try memory.readBytes(at: data, count: Int(length))
    }

    /// The linker wraps modinfo in 16-byte sentinels; the text is between them.
    /// Stripped as bytes: the sentinels are not UTF-8, and decoding them first
    /// would turn each bad byte into a 3-byte replacement and shift the cut.
    private static func stripSentinels(_ bytes: [UInt8]) -> String {
        guard bytes.count >= 33, bytes[bytes.count - 17] == UInt8(ascii: "\n") else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes[16..<(bytes.count - 16)], as: UTF8.self)
    }

    static func parse(version: String, modinfo: String) -> GoBuildInfo {
        var info = GoBuildInfo(goVersion: version)
        for line in modinfo.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let kind = fields.first else { continue }
            let module = fields.count >= 3
                ? ModuleVersion(path: fields[1], version: fields[2], sum: fields.count > 3 ? fields[3] : nil, replacement: nil)
                : nil
            switch kind {
            case "path" where fields.count >= 2: info.path = fields[1]
            case "mod": info.mainModule = module
            case "dep": if let module { info.dependencies.append(module) }
            case "=>" where fields.count >= 2:
                if !info.dependencies.isEmpty {
                    info.dependencies[info.dependencies.count - 1].replacement = fields[1...].joined(separator: " ")
                }
            case "build" where fields.count >= 2:
                let setting = fields[1...].joined(separator: "\t")
                if let equals = setting.firstIndex(of: "=") {
                    info.settings.append((String(setting[..<equals]), String(setting[setting.index(after: equals)...])))
                }
            default: break
            }
        }
        return info
    }
}
