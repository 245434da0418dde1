import CoreFile
// FoundationEssentials has JSONEncoder without pulling in ICU and the rest of
// Foundation, which would double the tool's resident memory.
import FoundationEssentials

/// The envelope of every `--json` output, one schema for all commands
/// (documented in the README under "JSON output").
///
/// Addresses are strings ("0x7f…"): JSON numbers lose precision past 2^53.
public struct ReportDocument<Result: Encodable>: Encodable {
    /// 2: warnings became objects with a kind and a count, and notes were added.
    public static var schemaVersion: String { "coreinspect/2" }

    struct WarningEntry: Encodable {
        var kind: String
        var message: String
        var count: Int
    }

    struct NoteEntry: Encodable {
        var kind: String
        var message: String
    }

    public var schema = ReportDocument.schemaVersion
    public var command: String
    public var core: String
    var warnings: [WarningEntry]
    var notes: [NoteEntry]
    /// `true` when --timeout stopped an analysis and `result` is what it had by then; absent otherwise.
    public var incomplete: Bool?
    public var result: Result

    public init(command: String, core: String, diagnostics: Diagnostics, result: Result) {
        self.command = command
        self.core = core
        warnings = diagnostics.warnings.map { WarningEntry(kind: $0.kind.rawValue, message: $0.message, count: $0.count) }
        notes = diagnostics.notes.map { NoteEntry(kind: $0.kind.rawValue, message: $0.message) }
        self.result = result
    }

    /// Plain warning texts, for callers that have no `Diagnostics`.
    public init(command: String, core: String, warnings: [String], result: Result) {
        self.init(command: command, core: core, diagnostics: Diagnostics(warnings: warnings.map { Warning($0) }), result: result)
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
