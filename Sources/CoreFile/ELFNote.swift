/// One ELF note: owner name, type and descriptor bytes.
public struct ELFNote: Sendable {
    public var owner: String
    public var type: UInt32
    public var descriptor: ByteView
    /// Offset of the note header within the note segment, for messages.
    public var offset: UInt64

    public var kind: NoteType { NoteType(owner: owner, type: type) }

    /// The GNU build-id (owner "GNU", NT_GNU_BUILD_ID) as lowercase hex.
    public var gnuBuildID: BuildID? {
        guard kind == .gnuBuildID, descriptor.count > 0 else { return nil }
        return BuildID(bytes: descriptor.bytes)
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

/// A GNU build-id: the hash the linker stamps into every binary, and the only
/// reliable way to tell whether a file on disk is the one that was running.
public struct BuildID: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]
    public init(bytes: [UInt8]) { self.bytes = bytes }
    public var hex: String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
    public var description: String { hex }
}
