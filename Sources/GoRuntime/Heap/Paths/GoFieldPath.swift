import Analysis
import Symbols

/// Names the place of a pointer word inside a typed Go value as Go source would spell it:
/// `.Entries[3].Name`, `map value`, `.buf`, or `+0x18` where no type says more.
///
/// The walk descends from the value's type through struct fields (by offset) and array
/// elements (by index) until it reaches the pointer-shaped field that holds the word.
/// Types the catalog has no record of are the walker's fallback names: an unsized
/// `[?]T` array, a runtime structure (`runtime.hchan`, the map internals) named by its
/// layout, or an untyped object, which gets a byte offset.
public struct GoFieldPath {
    let catalog: GoTypeCatalog
    let layout: GoRuntimeLayout?

    public init(catalog: GoTypeCatalog, layout: GoRuntimeLayout?) {
        self.catalog = catalog
        self.layout = layout
    }

    /// Types nest at most this deep in practice; a cycle of zero-offset fields cannot loop.
    private static let maxDepth = 64

    /// The name of the word `offset` bytes into a value of `type` (from the value's first byte,
    /// which for an object behind a malloc header is slot+8). Empty for offset 0 of a
    /// pointer-shaped type: the value itself is the pointer.
    public func name(offset: UInt64, in type: TypeID) -> String {
        var parts: [String] = []
        var type = type
        var offset = offset
        // Inside a bucket or group until its key or value is reached; the hash decides the
        // bucket, group and slot indices, which say nothing to a reader and are not shown.
        var inMapStorage = false
        var hideNextIndex = false
        for _ in 0..<Self.maxDepth {
            guard let record = catalog.record(of: type) else {
                if let element = unsizedArrayElement(type) {
                    if !Self.isMapStorage(catalog.name(of: element.id)) { parts.append("[\(offset / element.size)]") }
                    offset %= element.size
                    type = element.id
                    continue
                }
                if catalog.name(of: type) == GoRuntimeObjectName.swissDirectory {
                    parts.append("[\(offset / 8)]")
                    offset %= 8
                } else if let field = runtimeField(of: type, containing: offset) {
                    parts.append("." + field.name)
                    offset -= field.offset
                }
                if parts.isEmpty || offset != 0 { parts.append(Self.hexOffset(offset)) }
                break
            }
            inMapStorage = inMapStorage || Self.isMapStorage(catalog.name(of: type))
            // A header or largeType names an array's element: an offset past it is in a later element.
            if record.size > 0, offset >= record.size {
                parts.append("[\(offset / record.size)]")
                offset %= record.size
                continue
            }
            switch record.kind {
            case .struct:
                guard let field = field(of: type, containing: offset) else {
                    parts.append(Self.hexOffset(offset))
                    return Self.joined(parts)
                }
                if inMapStorage, let slot = Self.mapSlotName(field.name) {
                    parts.append(slot.name)
                    hideNextIndex = slot.hidesIndex
                    inMapStorage = slot.name.isEmpty
                } else {
                    parts.append("." + field.name)
                }
                type = field.type
                offset -= field.offset
            case .array:
                guard let element = catalog.record(of: record.elem), element.size > 0 else {
                    parts.append(Self.hexOffset(offset))
                    return Self.joined(parts)
                }
                if !hideNextIndex, !Self.isMapStorage(catalog.name(of: record.elem)) {
                    parts.append("[\(offset / element.size)]")
                }
                hideNextIndex = false
                type = record.elem
                offset %= element.size
            case .interface:
                if offset >= 8 { parts.append(parts.isEmpty ? "interface data" : "") }
                return Self.joined(parts)
            default:
                if offset != 0 { parts.append(Self.hexOffset(offset)) }
                return Self.joined(parts)
            }
        }
        return Self.joined(parts)
    }

    /// The last field starting at or before `offset` whose extent covers it (zero-size fields
    /// share their offset with the next, so the last one wins only if it has a size).
    private func field(of type: TypeID, containing offset: UInt64) -> GoTypeLink? {
        var found: GoTypeLink?
        for link in catalog.links(of: type) where link.offset <= offset {
            let size = catalog.record(of: link.type)?.size ?? 0
            if offset - link.offset < size { found = link }
        }
        return found
    }

    /// The element of a walker's `[?]T` (an array whose length no slice gave).
    private func unsizedArrayElement(_ type: TypeID) -> (id: TypeID, size: UInt64)? {
        let name = catalog.name(of: type)
        guard name.hasPrefix("[?]"), let element = catalog.type(named: String(name.dropFirst(3))),
              let size = catalog.record(of: element)?.size, size > 0 else { return nil }
        return (element, size)
    }

    /// The field of a runtime structure the walker named (`runtime.hchan`, the map internals),
    /// from the binary's DWARF or the release's table.
    private func runtimeField(of type: TypeID, containing offset: UInt64) -> FieldLayout? {
        guard type != .unknown, let structure = layout?.structure(catalog.name(of: type)) else { return nil }
        return structure.fields.last { $0.offset <= offset && offset - $0.offset < max($0.size, 1) }
    }

    /// Map storage: bucket maps (`map.bucket[K]V`, before 1.24) and Swiss groups (`map.group[K]V`).
    static func isMapStorage(_ typeName: String) -> Bool {
        typeName.hasPrefix("map.bucket[") || typeName.hasPrefix("map.group[")
    }

    /// A bucket's `keys`/`elems` arrays (whose index is the slot), a group's `slots` array and
    /// a Swiss slot's `key`/`elem`; other fields (`overflow`, `ctrl`) keep their names.
    private static func mapSlotName(_ field: String) -> (name: String, hidesIndex: Bool)? {
        switch field {
        case "keys": return ("map key", true)
        case "elems": return ("map value", true)
        case "key": return ("map key", false)
        case "elem": return ("map value", false)
        case "slots": return ("", true)
        default: return nil
        }
    }

    static func hexOffset(_ offset: UInt64) -> String { "+0x" + String(offset, radix: 16) }

    private static func joined(_ parts: [String]) -> String { parts.joined() }
}
