import Analysis
import CoreFile

/// Slice and pointer types the binary need not have. A global `[]*main.Chunk` has a DWARF
/// type, but the binary keeps a descriptor only for the types the program hands to the
/// runtime (`make` passes the element's): typing the global from its DWARF name needs the
/// slice composed from its element. Like `arrayType(of:count:)`, such records have no descriptor.
extension GoTypeCatalog {
    /// The id of the type Go prints as `name`: one read from the binary, or a slice, pointer
    /// or array composed from a type read. nil when no part of it is known.
    public func type(composedNamed name: String) -> TypeID? {
        if let known = type(named: name) { return known }
        if name.hasPrefix("[]") {
            return type(composedNamed: String(name.dropFirst(2))).flatMap(sliceType(of:))
        }
        if name.hasPrefix("*") {
            return type(composedNamed: String(name.dropFirst())).flatMap(pointerType(to:))
        }
        if name.hasPrefix("["), let close = name.firstIndex(of: "]"),
           let count = UInt64(name[name.index(after: name.startIndex)..<close]) {
            return type(composedNamed: String(name[name.index(after: close)...])).flatMap { arrayType(of: $0, count: count) }
        }
        return nil
    }

    /// The id of `[]elem`.
    public func sliceType(of elem: TypeID) -> TypeID? {
        composed(name: "[]" + types.name(of: elem), kind: .slice, size: 24, elem: elem)
    }

    /// The id of `*elem`.
    public func pointerType(to elem: TypeID) -> TypeID? {
        composed(name: "*" + types.name(of: elem), kind: .pointer, size: 8, elem: elem)
    }

    private func composed(name: String, kind: GoTypeKind, size: UInt64, elem: TypeID) -> TypeID? {
        guard record(of: elem) != nil else { return nil }
        if let known = type(named: name) { return known }
        let record = GoTypeRecord(descriptor: .zero, size: size, ptrBytes: 8, kind: kind, tflag: 0, pointerMask: .unavailable,
                                  elem: elem, key: .unknown, mapStorage: .unknown, arrayLength: 0, links: 0..<0,
                                  parameterCount: 0, isVariadic: false, isDirectInterface: kind == .pointer)
        let id = store(record, name: name, linkedAs: [])
        masksToBuild.insert(id)
        return id
    }

    /// `type(at:)` for an address that may not be a descriptor at all (a word of data being
    /// tried as an interface's type word): a miss is not reported as a corrupt descriptor.
    public func probeType(at address: Address) -> TypeID? {
        if let known = idsByDescriptor[address] { return known }
        if corruptDescriptors.contains(address) { return nil }
        let firstBefore = firstCorruption
        if let id = type(at: address) { return id }
        corruptDescriptors.remove(address)
        if corruptDescriptors.isEmpty || firstBefore == nil { firstCorruption = firstBefore }
        return nil
    }
}
