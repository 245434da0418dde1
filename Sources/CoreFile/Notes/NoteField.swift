/// One named field of a decoded note, for `coreinspect notes`.
///
/// Decoders produce fields in a fixed order, so text and JSON output list
/// them the same way eu-readelf does.
public struct NoteField: Hashable, Sendable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A note decoder result: anything that can list its fields by name.
public protocol NamedFields {
    var fields: [NoteField] { get }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
