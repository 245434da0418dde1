/// NT_FILE: every file-backed mapping with the file's path and the offset
/// the mapping starts at.
public struct FileMappings: Sendable, NamedFields {
    public struct Mapping: Hashable, Sendable {
        public var range: AddressRange
        /// In bytes, whatever unit the note used.
        public var fileOffset: UInt64
        public var path: String
    }

    /// gcore writes 1 (offsets in bytes), the kernel the page size (offsets in pages).
    public var pageSize: UInt64
    public var mappings: [Mapping]

    public init(descriptor view: ByteView, path: String) throws {
        guard let count = view.load(UInt64.self, at: 0), let pageSize = view.load(UInt64.self, at: 8) else {
            throw CoreInspectError.malformed(path: path, what: "NT_FILE header is cut off")
        }
        // A corrupt count must not drive the allocation: the entries must fit.
        guard count <= (UInt64(view.count) - 16) / 24 else {
            throw CoreInspectError.malformed(path: path, what: "NT_FILE claims \(count) entries in \(view.count) bytes")
        }
        self.pageSize = pageSize
        var namesOffset = 16 + count * 24
        var mappings: [Mapping] = []
        mappings.reserveCapacity(Int(count))
        for index in 0..<count {
            let entry = 16 + index * 24
            let start = view.loadUnchecked(UInt64.self, at: Int(entry))
            let end = view.loadUnchecked(UInt64.self, at: Int(entry + 8))
            let offset = view.loadUnchecked(UInt64.self, at: Int(entry + 16))
            let name = view.cString(at: namesOffset, maxLength: 4096) ?? ""
            namesOffset += UInt64(name.utf8.count) + 1
            mappings.append(Mapping(range: AddressRange(start: Address(start), end: Address(end)),
                                    fileOffset: offset &* pageSize, path: name))
        }
        self.mappings = mappings
    }

    public var fields: [NoteField] {
        [NoteField("count", "\(mappings.count)"), NoteField("page_size", "\(pageSize)")]
            + mappings.map { NoteField($0.range.description, "\(hex($0.fileOffset)) \($0.path)") }
    }
}
