import Analysis
import CoreFile
import ProcessImage

/// The Go type descriptors of one process, read lazily from its memory and
/// named as Go prints them (`*main.Session`, `map[string]*main.Session`).
///
/// Every type a heap walker meets has a descriptor in the binary, stripped or
/// not: `newobject(typ)`, malloc headers, `largeType`, interface words and
/// struct fields all point at one. `type(at:)` reads a descriptor once, with
/// every descriptor it links to (fields, elements, keys), interns its name in
/// `types`, and keeps a `GoTypeRecord` indexed by that id. Cycles between
/// types (a struct holding a pointer to itself) are normal, so reading follows
/// a worklist and a cache by address, never recursion.
///
/// Everything read is checked: a descriptor must lie in the module's types
/// section, have a valid kind, a pointer prefix inside its size and a
/// readable name. One that fails reads as nil and counts toward one warning.
public final class GoTypeCatalog {
    /// The interned names; `records` and ids share its numbering.
    public private(set) var types: TypeTable
    /// Struct fields, function parameters and interface methods of all records, each record owning a range.
    public private(set) var links: [GoTypeLink] = []
    /// Bitmaps built from a type's structure (see `GoPointerMask.built`).
    public private(set) var builtMasks: [UInt8] = []

    let memory: MemoryReader
    let shapes: GoTypeDescriptorShapes
    /// `moduledata.types` … `etypes`: every descriptor and every `nameOff` lies inside.
    let typesSection: AddressRange
    let release: GoRelease?
    /// Indexed by `TypeID.rawValue`; nil for ids that are not Go types (fallback rows a walker added).
    var records: [GoTypeRecord?] = []
    var idsByDescriptor: [Address: TypeID] = [:]
    var corruptDescriptors: Set<Address> = []
    var firstCorruption: String?
    /// Ids whose runtime bitmap is a GC program or not yet built: `pointerMask(of:)` builds theirs.
    var masksToBuild: Set<TypeID> = []
    /// Each type's bitmap once asked for, copied or built into `builtMasks`.
    var maskRanges: [TypeID: Range<Int>] = [:]

    /// `layout` resolves the descriptor structures (DWARF or the release's
    /// table); `typesSection` is the module's `types` … `etypes`.
    public init(memory: MemoryReader, layout: GoRuntimeLayout, typesSection: AddressRange, types: TypeTable = TypeTable()) throws {
        guard !typesSection.isEmpty else { throw GoRuntimeError.notFound(what: "the module's types section (moduledata.types)") }
        self.memory = memory
        shapes = try GoTypeDescriptorShapes(layout: layout)
        self.typesSection = typesSection
        release = layout.release
        self.types = types
    }

    /// The catalog of a Go process's first module. A binary whose DWARF lacks
    /// a descriptor structure (the linker keeps only the types the program
    /// uses) is read with its release's table instead.
    public convenience init(process: GoProcess, memory: MemoryReader, types: TypeTable = TypeTable()) throws {
        guard let module = process.symbols.moduleData else { throw GoRuntimeError.notFound(what: "runtime.firstmoduledata") }
        do {
            try self.init(memory: memory, layout: process.layout, typesSection: module.types, types: types)
        } catch {
            guard process.layout.source == .dwarf, let release = process.layout.release,
                  let (table, exact) = GoReleaseTable.nearest(to: release) else { throw error }
            let fallback = GoRuntimeLayout(table: table, goVersion: process.layout.goVersion, exact: exact)
            try self.init(memory: memory, layout: fallback, typesSection: module.types, types: types)
        }
    }

    /// The record of a type, if `id` names a Go type this catalog read.
    public func record(of id: TypeID) -> GoTypeRecord? {
        let index = Int(id.rawValue)
        return index < records.count ? records[index] : nil
    }

    public func name(of id: TypeID) -> String { types.name(of: id) }

    /// The struct fields, function parameters and results, or interface methods of `id`.
    public func links(of id: TypeID) -> ArraySlice<GoTypeLink> {
        guard let record = record(of: id) else { return [] }
        return links[record.links]
    }

    /// The id of the descriptor at `descriptor` (reading it and what it links to
    /// if new), or nil when it is not a valid descriptor.
    public func type(at descriptor: Address) -> TypeID? {
        if let known = idsByDescriptor[descriptor] { return known }
        if corruptDescriptors.contains(descriptor) { return nil }
        var reader = GoTypeDescriptorReader(catalog: self)
        reader.read(from: descriptor)
        return idsByDescriptor[descriptor]
    }

    /// Adds an id for a name no descriptor gave (a walker's `[size class N]`), keeping `types` shared.
    public func intern(fallback name: String, size: UInt64, kind: TypeKind) -> TypeID {
        types.intern(name, size: size, kind: kind)
    }

    /// One warning for every corrupt descriptor met, or none.
    public var warnings: [Warning] {
        guard let firstCorruption else { return [] }
        return [Warning("\(corruptDescriptors.count) unreadable Go type descriptor(s), typed as unknown; first: \(firstCorruption)",
                        kind: .unreadableGoRuntime, count: corruptDescriptors.count)]
    }

    // MARK: - Used by GoTypeDescriptorReader

    func noteCorrupt(_ descriptor: Address, _ why: String) {
        corruptDescriptors.insert(descriptor)
        if firstCorruption == nil { firstCorruption = "\(descriptor): \(why)" }
    }

    /// Interns a record under its name. A name met again (two descriptors that
    /// print alike) keeps the first record: ids stand for names.
    func store(_ record: GoTypeRecord, name: String, linkedAs newLinks: [GoTypeLink]) -> TypeID {
        let id = types.intern(name, size: record.size, kind: .runtimeType)
        let index = Int(id.rawValue)
        if records.count <= index { records.append(contentsOf: repeatElement(nil, count: index + 1 - records.count)) }
        if records[index] == nil {
            var stored = record
            stored.links = links.count..<(links.count + newLinks.count)
            links.append(contentsOf: newLinks)
            records[index] = stored
        }
        if record.descriptor != .zero { idsByDescriptor[record.descriptor] = id }
        return id
    }

    func updateRecord(_ id: TypeID, _ change: (inout GoTypeRecord) -> Void) {
        guard Int(id.rawValue) < records.count, records[Int(id.rawValue)] != nil else { return }
        change(&records[Int(id.rawValue)]!)
    }

    func setLinkType(_ index: Int, _ type: TypeID) { links[index].type = type }

    func appendMask(_ bytes: [UInt8]) -> Range<Int> {
        let offset = builtMasks.count
        builtMasks.append(contentsOf: bytes)
        return offset..<builtMasks.count
    }
}
