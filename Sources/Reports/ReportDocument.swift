// FoundationEssentials has JSONEncoder without pulling in ICU and the rest of
// Foundation, which would double the tool's resident memory.
import FoundationEssentials

/// The envelope of every `--json` output, one schema for all commands
/// (documented in the README under "JSON output").
///
/// Addresses are strings ("0x7f…"): JSON numbers lose precision past 2^53.
public struct ReportDocument<Result: Encodable>: Encodable {
    public static var schemaVersion: String { "coreinspect/1" }

    public var schema = ReportDocument.schemaVersion
    public var command: String
    public var core: String
    public var warnings: [String]
    public var result: Result

    public init(command: String, core: String, warnings: [String], result: Result) {
        self.command = command
        self.core = core
        self.warnings = warnings
        self.result = result
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
