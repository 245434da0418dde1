/// One ELF note: owner name, type and descriptor bytes.
public struct ELFNote: Sendable {
    public var owner: String
    public var type: UInt32
    public var descriptor: ByteView
    /// Offset of the note header within the note segment, for messages.
    public var offset: UInt64

    public var kind: NoteType { NoteType(owner: owner, type: type) }

    /// The GNU build-id (owner "GNU", NT_GNU_BUILD_ID).
    public var gnuBuildID: BuildID? {
        guard kind == .gnuBuildID, descriptor.count > 0 else { return nil }
        return BuildID(bytes: descriptor.bytes)
    }

    /// The Go toolchain's build ID (owner "Go", type 4), the only one Go's
    /// linker writes unless asked for a GNU one.
    public var goBuildID: BuildID? {
        guard kind == .goBuildID, descriptor.count > 0 else { return nil }
        return BuildID(bytes: descriptor.bytes, kind: .go)
    }

    /// The identity to check a file against: the GNU build-id, else Go's.
    public static func identity(in notes: [ELFNote]) -> BuildID? {
        notes.lazy.compactMap(\.gnuBuildID).first ?? notes.lazy.compactMap(\.goBuildID).first
    }

    /// Parses every note in a note segment.
    ///
    /// Stops at the first note that does not fit and says why: everything
    /// before it is still good, and a partial answer beats none.
    public static func parseAll(_ segment: ByteView) -> (notes: [ELFNote], problem: String?) {
        var notes: [ELFNote] = []
        var offset: UInt64 = 0
        let end = UInt64(segment.count)
        while offset < end {
            guard let nameSize = segment.load(UInt32.self, at: offset),
                  let descriptorSize = segment.load(UInt32.self, at: offset + 4),
                  let type = segment.load(UInt32.self, at: offset + 8)
            else { return (notes, "note header at offset \(offset) is cut off") }
            // Linux pads names and descriptors to 4 bytes in 64-bit cores too
            // (gcore and the kernel agree), whatever p_align says.
            let nameStart = offset + 12
            let descriptorStart = nameStart + align4(UInt64(nameSize))
            guard let name = segment.slice(at: nameStart, count: UInt64(nameSize)),
                  let descriptor = segment.slice(at: descriptorStart, count: UInt64(descriptorSize))
            else {
                return (notes, "note at offset \(offset) declares \(nameSize)+\(descriptorSize) bytes, past the end of the notes")
            }
            let owner = name.cString(at: 0, maxLength: Int(nameSize)) ?? ""
            notes.append(ELFNote(owner: owner, type: type, descriptor: descriptor, offset: offset))
            offset = descriptorStart + align4(UInt64(descriptorSize))
        }
        return (notes, nil)
    }

    private static func align4(_ value: UInt64) -> UInt64 { (value + 3) & ~3 }
}

/// A build ID: the hash the linker stamps into a binary, and the only
/// reliable way to tell whether a file on disk is the one that was running.
public struct BuildID: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// NT_GNU_BUILD_ID: binary, shown in hex.
        case gnu
        /// Go's build ID note: already text ("actionID/contentID…").
        case go
    }

    public var bytes: [UInt8]
    public var kind: Kind

    public init(bytes: [UInt8], kind: Kind = .gnu) {
        self.bytes = bytes
        self.kind = kind
    }

    public var hex: String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
    /// How people see it: hex for GNU build-ids, the string itself for Go's.
    public var text: String { kind == .go ? String(decoding: bytes, as: UTF8.self) : hex }
    public var description: String { text }
}
