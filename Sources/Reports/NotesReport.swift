import CoreFile

/// `coreinspect notes`: every note of the core, decoded field by field as
/// `eu-readelf -n` shows them.
public struct NotesReport: Encodable {
    public struct Entry: Encodable {
        public var owner: String
        public var type: String
        public var typeNumber: UInt32
        public var size: Int
        public var fields: [Field]
    }

    public struct Field: Encodable {
        public var name: String
        public var value: String
    }

    public var notes: [Entry]

    public init(core: CoreFile) {
        notes = core.notes.map { note in
            Entry(owner: note.owner, type: note.kind.cName, typeNumber: note.type, size: note.descriptor.count,
                  fields: NotesReport.decode(note, path: core.path).map { Field(name: $0.name, value: $0.value) })
        }
    }

    /// Fields of the notes we understand; a decoding problem becomes a field too,
    /// so one bad note does not hide the others.
    static func decode(_ note: ELFNote, path: String) -> [NoteField] {
        do {
            switch note.kind {
            case .prstatus: return try ProcessStatus(descriptor: note.descriptor, path: path).fields
            case .prpsinfo: return try ProcessInfo(descriptor: note.descriptor, path: path).fields
            case .siginfo: return try SignalInfo(descriptor: note.descriptor, path: path).fields
            case .auxv: return AuxiliaryVector(descriptor: note.descriptor).fields
            case .file: return try FileMappings(descriptor: note.descriptor, path: path).fields
            case .gnuBuildID: return [NoteField("build_id", note.gnuBuildID?.hex ?? "")]
            case .goBuildID: return [NoteField("go_build_id", note.goBuildID?.text ?? "")]
            case .gdbTargetDescription:
                return [NoteField("xml", note.descriptor.cString(at: 0, maxLength: 200).map { $0 + "…" } ?? "")]
            default: return []
            }
        } catch {
            return [NoteField("error", "\(error)")]
        }
    }

    public func text(style: TextStyle) -> String {
        var lines: [String] = []
        for note in notes {
            lines.append(style.bold("\(note.owner.padded(to: 6)) \(note.type)") + " (\(note.size) bytes)")
            let width = note.fields.map(\.name.count).max() ?? 0
            for field in note.fields {
                lines.append("    " + field.name.padded(to: width) + "  " + field.value)
            }
        }
        return lines.joined(separator: "\n")
    }
}
