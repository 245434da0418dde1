import Analysis
import CoreFile
import ProcessImage

/// The descriptors a module lists itself: `typelinks` (offsets from `types`
/// of the types the linker exports for reflection: composite types such as
/// `[]*main.Session` or `map[string]int`) and `itablinks` (every itab, whose
/// concrete type is often a named type found nowhere else). Reading them,
/// and everything they link to, gives a catalog that can answer by name.
extension GoTypeCatalog {
    /// The most links believed per list; the Go toolchain's own largest binaries stay far below.
    static let maxModuleLinks: UInt64 = 1 << 22

    /// Reads every type the module at `moduleData` lists, and what those link
    /// to. Returns how many descriptors were listed (read or not).
    @discardableResult
    public func readModuleTypes(moduleData: Address) -> Int {
        guard let links = shapes.moduleLinks else { return 0 }
        let fields = [links.typelinks?.offset, links.itablinks?.offset, links.typeDescriptorsLength?.offset,
                      links.itabOffset?.offset, links.itabSize?.offset].compactMap { $0 }
        guard let header = try? memory.readBytes(at: moduleData, count: (fields.max() ?? 0) + 24) else {
            noteCorrupt(moduleData, "moduledata unreadable")
            return 0
        }
        return header.withUnsafeBytes { raw in
            let view = ByteView(raw)
            var listed = 0
            if let typelinks = links.typelinks {
                listed += readTypelinks(at: typelinks.data.load(from: view), count: typelinks.length.load(from: view))
            } else if let length = links.typeDescriptorsLength {
                listed += readConsecutiveDescriptors(length: length.load(from: view))
            }
            if let itablinks = links.itablinks {
                listed += readItablinks(at: itablinks.data.load(from: view), count: itablinks.length.load(from: view))
            } else if let offset = links.itabOffset, let size = links.itabSize {
                listed += readConsecutiveItabs(offset: offset.load(from: view), size: size.load(from: view))
            }
            return listed
        }
    }

    private func readTypelinks(at address: Address, count: UInt64) -> Int {
        guard count <= Self.maxModuleLinks, let offsets = try? memory.readBytes(at: address, count: Int(count) * 4) else { return 0 }
        let descriptors = offsets.withUnsafeBytes { raw in
            (0..<Int(count)).map { UInt64(raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        for offset in descriptors { _ = type(at: typesSection.start.advanced(by: offset)) }
        return descriptors.count
    }

    private func readItablinks(at address: Address, count: UInt64) -> Int {
        guard count <= Self.maxModuleLinks, let itabs = try? memory.readBytes(at: address, count: Int(count) * 8) else { return 0 }
        let pointers = itabs.withUnsafeBytes { raw in (0..<Int(count)).map { Address(raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) } }
        for itab in pointers { _ = type(ofITab: itab) }
        return pointers.count
    }

    /// 1.27: the descriptors follow each other from `types + 8`, each
    /// pointer-aligned and as long as its kind's structure, its uncommon type
    /// with its methods, and its fields, parameters or interface methods.
    private func readConsecutiveDescriptors(length: UInt64) -> Int {
        let end = typesSection.start.advanced(by: min(length, typesSection.size))
        var cursor = typesSection.start.advanced(by: 8)
        var listed = 0
        while cursor < end {
            guard type(at: cursor) != nil, let extent = descriptorExtent(at: cursor) else {
                noteCorrupt(cursor, "descriptor walk stopped")
                break
            }
            listed += 1
            cursor = cursor.advanced(by: UInt64((extent + 7) & ~7))
        }
        return listed
    }

    /// 1.27: the itabs follow each other at `types + itaboffset`, each with one
    /// method word per interface method (one, unused, when it implements none).
    private func readConsecutiveItabs(offset: UInt64, size: UInt64) -> Int {
        guard let itab = shapes.itab, let itabSize = itabStructureSize, size <= typesSection.size else { return 0 }
        var cursor = typesSection.start.advanced(by: offset)
        let end = cursor.advanced(by: size)
        var listed = 0
        while cursor < end {
            guard let interface = try? memory.readPointer(at: cursor.advanced(by: UInt64(itab.interface.offset))),
                  let firstMethod = try? memory.readUInt64(at: cursor.advanced(by: UInt64(itabSize - 8))),
                  let methods = interfaceMethodCount(at: interface)
            else { break }
            _ = type(ofITab: cursor)
            listed += 1
            cursor = cursor.advanced(by: UInt64(itabSize + (firstMethod == 0 ? 0 : max(methods - 1, 0) * 8)))
        }
        return listed
    }

    /// Reads the first module's listed types, from the process's moduledata.
    @discardableResult
    public func readModuleTypes(of process: GoProcess) -> Int {
        guard let module = process.symbols.moduleData else { return 0 }
        return readModuleTypes(moduleData: module.address)
    }

    /// The id of a type read so far, by the name Go prints.
    public func type(named name: String) -> TypeID? {
        guard let id = types.id(named: name), record(of: id) != nil else { return nil }
        return id
    }

    /// Every id that has a record, in id order.
    public var recordedTypes: [TypeID] {
        records.indices.compactMap { records[$0] == nil ? nil : TypeID(rawValue: UInt32($0)) }
    }

    /// The concrete type of an itab (an interface value's first word, for a non-empty interface).
    public func type(ofITab itab: Address) -> TypeID? {
        guard let field = shapes.itab?.type, let concrete = try? memory.readPointer(at: itab.advanced(by: UInt64(field.offset))) else { return nil }
        return type(at: concrete)
    }
}
