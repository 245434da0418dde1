import CoreFile
import Symbols

/// One resolved structure, from which a `GoRuntimeStructure` takes its fields.
///
/// Fields are asked for by what the reader will do with them, so that a
/// layout that changed shape fails at resolution, not as a misread value:
/// `integer` takes any plain value of 1, 2, 4 or 8 bytes, `address` an 8-byte
/// pointer or uintptr (each also inside a structure that wraps just that,
/// such as the runtime's atomic types),
/// `array` an array, `slice` a slice header. A path descends into members
/// held by value ("sched.pc"). Several paths name the same field in
/// different releases, newest first ("Size_", "size").
public struct GoStructView {
    public let layout: StructLayout
    let runtime: GoRuntimeLayout

    public var size: Int { Int(layout.size) }
    /// The Go version of the binary (or table) the layout is for.
    public var goVersion: String { runtime.goVersion }

    /// The field at the first of `paths` the structure has, with its offset
    /// from the start of this structure.
    public func field(_ paths: String...) throws -> FieldLayout { try field(paths) }

    func field(_ paths: [String]) throws -> FieldLayout {
        for path in paths {
            if let field = try find(path) { return field }
        }
        throw GoRuntimeError.missingField(type: layout.name, field: paths.joined(separator: " or "), release: runtime.goVersion)
    }

    public func has(_ path: String) -> Bool { (try? find(path)) != nil }

    // Fields that only some releases have: nil when absent, an error when present in another shape.
    public func optionalInteger(_ path: String) throws -> GoIntegerField? { has(path) ? try integer(path) : nil }
    public func optionalAddress(_ path: String) throws -> GoAddressField? { has(path) ? try address(path) : nil }
    public func optionalArray(_ path: String) throws -> GoArrayField? { has(path) ? try array(path) : nil }

    public func integer(_ paths: String...) throws -> GoIntegerField {
        let field = try field(paths)
        guard [1, 2, 4, 8].contains(field.size), unwrapped(field).kind == .integer else { throw mismatch(field, expected: "an integer") }
        return GoIntegerField(offset: Int(field.offset), size: Int(field.size))
    }

    /// A pointer or a uintptr: the runtime keeps many addresses in uintptrs (`g.sched.pc`, `mspan.startAddr`).
    public func address(_ paths: String...) throws -> GoAddressField {
        let field = try field(paths)
        guard field.size == 8, [.pointer, .integer].contains(unwrapped(field).kind) else { throw mismatch(field, expected: "a pointer") }
        return GoAddressField(offset: Int(field.offset))
    }

    public func array(_ paths: String...) throws -> GoArrayField {
        let field = try field(paths)
        guard case let .array(count, elementSize) = field.kind else { throw mismatch(field, expected: "an array") }
        return GoArrayField(offset: Int(field.offset), count: Int(count), elementSize: Int(elementSize))
    }

    /// A slice header: data pointer, length, capacity.
    public func slice(_ paths: String...) throws -> GoSliceField {
        let field = try field(paths)
        guard case let .structure(name) = field.kind, name.hasPrefix("[]"), field.size == 24 else {
            throw mismatch(field, expected: "a slice")
        }
        return GoSliceField(offset: Int(field.offset))
    }

    /// A structure held by value, as a view of its own.
    public func structure(_ paths: String...) throws -> (offset: Int, view: GoStructView) {
        let field = try field(paths)
        guard case let .structure(name) = field.kind, let nested = runtime.structure(name) else {
            throw mismatch(field, expected: "a structure whose layout is known")
        }
        return (Int(field.offset), GoStructView(layout: nested, runtime: runtime))
    }

    /// nil when the structure has no member on the path; throws when a
    /// member on the way is not a structure whose layout is known.
    private func find(_ path: String) throws -> FieldLayout? {
        var current = layout
        var offset: UInt64 = 0
        let members = path.split(separator: ".")
        for (index, name) in members.enumerated() {
            guard var field = current.field(named: String(name)) else { return nil }
            offset += field.offset
            if index == members.count - 1 {
                field.offset = offset
                return field
            }
            guard case let .structure(typeName) = field.kind, let nested = runtime.structure(typeName) else {
                throw mismatch(field, expected: "a structure whose layout is known")
            }
            current = nested
        }
        return nil
    }

    /// What a field holds once the structures that wrap exactly one value
    /// are looked through: atomic.Uint32 holds a uint32, mSpanStateBox a
    /// uint8, abi.Name a pointer.
    private func unwrapped(_ field: FieldLayout) -> FieldLayout {
        var current = field
        // The DWARF is the executable's, and a hostile one may wrap a structure in itself: real
        // wrappers nest two or three deep.
        var depth = 0
        while depth < 16, case let .structure(name) = current.kind, let wrapper = runtime.structure(name) {
            depth += 1
            let payload = wrapper.fields.filter { $0.size > 0 }
            guard payload.count == 1, payload[0].offset == 0, payload[0].size == current.size else { break }
            current = payload[0]
        }
        return current
    }

    private func mismatch(_ field: FieldLayout, expected: String) -> GoRuntimeError {
        .corrupt(what: "\(layout.name).\(field.name) in \(runtime.goVersion)'s \(runtime.source): \(field.kind) of \(field.size) bytes, expected \(expected)")
    }
}

/// An unsigned value of 1, 2, 4 or 8 bytes, read at its own size: `mspan.nelems`
/// shrank from 8 to 2 bytes in 1.22, and readers need not care.
public struct GoIntegerField: Hashable, Sendable {
    public var offset: Int
    public var size: Int

    /// The value in `bytes` (the structure's bytes), zero-extended; 0 when out of range.
    @inline(__always)
    public func load(from bytes: ByteView) -> UInt64 {
        guard offset >= 0, offset + size <= bytes.count else { return 0 }
        switch size {
        case 1: return UInt64(bytes.loadUnchecked(UInt8.self, at: offset))
        case 2: return UInt64(bytes.loadUnchecked(UInt16.self, at: offset))
        case 4: return UInt64(bytes.loadUnchecked(UInt32.self, at: offset))
        default: return bytes.loadUnchecked(UInt64.self, at: offset)
        }
    }
}

public struct GoAddressField: Hashable, Sendable {
    public var offset: Int

    @inline(__always)
    public func load(from bytes: ByteView) -> Address {
        guard offset >= 0, offset + 8 <= bytes.count else { return .zero }
        return Address(bytes.loadUnchecked(UInt64.self, at: offset))
    }
}

public struct GoArrayField: Hashable, Sendable {
    public var offset: Int
    public var count: Int
    public var elementSize: Int

    public func elementOffset(_ index: Int) -> Int { offset + index * elementSize }
}

/// A slice header: the data pointer at `offset`, the length 8 bytes on, the capacity 16.
public struct GoSliceField: Hashable, Sendable {
    public var offset: Int

    public var data: GoAddressField { GoAddressField(offset: offset) }
    public var length: GoIntegerField { GoIntegerField(offset: offset + 8, size: 8) }
    public var capacity: GoIntegerField { GoIntegerField(offset: offset + 16, size: 8) }
}
