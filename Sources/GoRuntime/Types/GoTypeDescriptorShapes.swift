/// The layouts of every type-descriptor structure, resolved once for a binary.
///
/// The structure of each kind (`abi.StructType`, `abi.MapType`, …) starts with
/// the `abi.Type`, so its field offsets count from the descriptor's address;
/// its size says where the `abi.UncommonType` of a named type starts.
struct GoTypeDescriptorShapes {
    let header: ABITypeLayout
    let structType: ABIStructTypeLayout
    let structField: ABIStructFieldLayout
    let pointer: ABIPtrTypeLayout
    let slice: ABISliceTypeLayout
    let array: ABIArrayTypeLayout
    let map: ABIMapTypeLayout
    let chan: ABIChanTypeLayout
    let function: ABIFuncTypeLayout
    let interface: ABIInterfaceTypeLayout?
    let uncommon: ABIUncommonTypeLayout?
    let itab: ITabLayout?
    let moduleLinks: ModuleTypeLinksLayout?
    /// `abi.ITab`'s size, with its one-word `Fun` array.
    let itabSize: Int?
    /// The size of each kind's structure; `header.size` for kinds without one.
    private let kindStructureSizes: [GoTypeKind: Int]
    /// Enough bytes for any descriptor's fixed part and its `UncommonType`.
    let readSize: Int

    init(layout: GoRuntimeLayout) throws {
        header = try layout.resolve(ABITypeLayout.self).get()
        structType = try layout.resolve(ABIStructTypeLayout.self).get()
        structField = try layout.resolve(ABIStructFieldLayout.self).get()
        pointer = try layout.resolve(ABIPtrTypeLayout.self).get()
        slice = try layout.resolve(ABISliceTypeLayout.self).get()
        array = try layout.resolve(ABIArrayTypeLayout.self).get()
        map = try layout.resolve(ABIMapTypeLayout.self).get()
        chan = try layout.resolve(ABIChanTypeLayout.self).get()
        function = try layout.resolve(ABIFuncTypeLayout.self).get()
        // Only method names and package paths need these: their absence costs no type.
        interface = try? layout.resolve(ABIInterfaceTypeLayout.self).get()
        uncommon = try? layout.resolve(ABIUncommonTypeLayout.self).get()
        itab = try? layout.resolve(ITabLayout.self).get()
        moduleLinks = try? layout.resolve(ModuleTypeLinksLayout.self).get()
        itabSize = ITabLayout.typeNames.lazy.compactMap(layout.structure).first.map { Int($0.size) }

        let namesByKind: [GoTypeKind: [String]] = [
            .struct: ABIStructTypeLayout.typeNames, .pointer: ABIPtrTypeLayout.typeNames,
            .slice: ABISliceTypeLayout.typeNames, .array: ABIArrayTypeLayout.typeNames,
            .map: ABIMapTypeLayout.typeNames, .chan: ABIChanTypeLayout.typeNames,
            .func: ABIFuncTypeLayout.typeNames, .interface: ABIInterfaceTypeLayout.typeNames,
        ]
        var sizes: [GoTypeKind: Int] = [:]
        for (kind, names) in namesByKind {
            guard let structure = names.lazy.compactMap(layout.structure).first else {
                throw GoRuntimeError.notFound(what: "type \(names.joined(separator: " or ")) in \(layout.goVersion)'s \(layout.source)")
            }
            sizes[kind] = Int(structure.size)
        }
        kindStructureSizes = sizes
        readSize = (sizes.values.max() ?? header.size) + (uncommon?.size ?? 16)
    }

    /// Where a descriptor of `kind` keeps its `UncommonType`, from its start.
    func uncommonOffset(of kind: GoTypeKind) -> Int { kindStructureSizes[kind] ?? header.size }
}
