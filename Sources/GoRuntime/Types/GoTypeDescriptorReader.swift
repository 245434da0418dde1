import Analysis
import CoreFile
import ProcessImage

/// Reads one descriptor and, through a worklist, every descriptor it links
/// to, then fills in the links' ids once all of them are known.
struct GoTypeDescriptorReader {
    unowned let catalog: GoTypeCatalog
    private var pending: [Address] = []
    private var patches: [(owner: TypeID, slot: Slot, target: Address)] = []

    enum Slot { case elem, key, mapStorage, link(Int) }

    /// The most fields, parameters or methods one descriptor may list; Go programs stay far below.
    static let maxLinks = 1 << 14
    /// The largest type size believed (256 TiB).
    static let maxTypeSize: UInt64 = 1 << 48

    init(catalog: GoTypeCatalog) { self.catalog = catalog }

    mutating func read(from root: Address) {
        pending = [root]
        while let descriptor = pending.popLast() {
            guard catalog.idsByDescriptor[descriptor] == nil, !catalog.corruptDescriptors.contains(descriptor) else { continue }
            readOne(descriptor)
        }
        for patch in patches {
            let target = catalog.idsByDescriptor[patch.target] ?? .unknown
            switch patch.slot {
            case .elem: catalog.updateRecord(patch.owner) { $0.elem = target }
            case .key: catalog.updateRecord(patch.owner) { $0.key = target }
            case .mapStorage: catalog.updateRecord(patch.owner) { $0.mapStorage = target }
            case let .link(index): catalog.setLinkType(index, target)
            }
        }
        patches = []
    }

    private mutating func readOne(_ descriptor: Address) {
        let shapes = catalog.shapes
        guard catalog.typesSection.contains(descriptor), descriptor.rawValue % 8 == 0 else {
            return catalog.noteCorrupt(descriptor, "outside the module's types section")
        }
        guard let bytes = readBytes(at: descriptor, count: shapes.readSize) ?? readBytes(at: descriptor, count: shapes.header.size) else {
            return catalog.noteCorrupt(descriptor, "unreadable")
        }
        bytes.withUnsafeBytes { raw in readOne(descriptor, ByteView(raw)) }
    }

    private mutating func readOne(_ descriptor: Address, _ view: ByteView) {
        let header = catalog.shapes.header
        let size = header.typeSize.load(from: view)
        let ptrBytes = header.ptrBytes.load(from: view)
        let tflag = UInt8(truncatingIfNeeded: header.tflag.load(from: view))
        let kindByte = UInt8(truncatingIfNeeded: header.kind.load(from: view))
        guard let kind = GoTypeKind(kindByte: kindByte) else { return catalog.noteCorrupt(descriptor, "kind \(kindByte)") }
        guard size <= Self.maxTypeSize, ptrBytes <= size, ptrBytes % 8 == 0 else {
            return catalog.noteCorrupt(descriptor, "size \(size), pointer bytes \(ptrBytes)")
        }
        guard view.count >= catalog.shapes.uncommonOffset(of: kind) else { return catalog.noteCorrupt(descriptor, "truncated") }
        let nameAddress = catalog.typesSection.start.advanced(by: header.str.load(from: view))
        guard catalog.typesSection.contains(nameAddress),
              let stored = GoTypeName.read(at: nameAddress, memory: catalog.memory, varintLength: catalog.release?.hasVarintNameLength ?? true),
              !stored.name.isEmpty
        else { return catalog.noteCorrupt(descriptor, "unreadable name") }
        let name = tflag & GoTypeFlags.extraStar != 0 && stored.name.hasPrefix("*") ? String(stored.name.dropFirst()) : stored.name

        var record = GoTypeRecord(descriptor: descriptor, size: size, ptrBytes: ptrBytes, kind: kind, tflag: tflag,
                                  pointerMask: .unavailable, elem: .unknown, key: .unknown, mapStorage: .unknown,
                                  arrayLength: 0, links: 0..<0, parameterCount: 0, isVariadic: false,
                                  isDirectInterface: ((catalog.release?.hasDirectInterfaceTFlag ?? true) ? tflag : kindByte) & GoTypeFlags.directInterface != 0)
        var references: [(Slot, Address)] = []
        var newLinks: [GoTypeLink] = []
        let gcData = header.gcdata.load(from: view)
        let mask = pointerMask(ptrBytes: ptrBytes, tflag: tflag, kindByte: kindByte, gcData: gcData)
        record.pointerMask = mask ?? .unavailable

        let shapes = catalog.shapes
        switch kind {
        case .pointer: references.append((.elem, shapes.pointer.elem.load(from: view)))
        case .slice: references.append((.elem, shapes.slice.elem.load(from: view)))
        case .chan: references.append((.elem, shapes.chan.elem.load(from: view)))
        case .array:
            record.arrayLength = shapes.array.length.load(from: view)
            guard size == 0 || record.arrayLength <= size else { return catalog.noteCorrupt(descriptor, "array length \(record.arrayLength)") }
            references.append((.elem, shapes.array.elem.load(from: view)))
        case .map:
            references += [(.key, shapes.map.key.load(from: view)), (.elem, shapes.map.elem.load(from: view)),
                           (.mapStorage, shapes.map.storageType.load(from: view))]
        case .struct:
            guard let fields = readStructFields(view, size: size) else { return catalog.noteCorrupt(descriptor, "struct fields") }
            for (index, field) in fields.enumerated() {
                newLinks.append(GoTypeLink(name: field.name, type: .unknown, offset: field.offset, isEmbedded: field.embedded))
                references.append((.link(index), field.type))
            }
        case .func:
            guard let signature = readSignature(descriptor, view, tflag: tflag) else { return catalog.noteCorrupt(descriptor, "func parameters") }
            record.parameterCount = signature.parameterCount
            record.isVariadic = signature.variadic
            for (index, type) in signature.types.enumerated() {
                newLinks.append(GoTypeLink(name: "", type: .unknown, offset: 0, isEmbedded: false))
                references.append((.link(index), type))
            }
        case .interface:
            for (index, method) in readInterfaceMethods(view).enumerated() {
                newLinks.append(GoTypeLink(name: method.name, type: .unknown, offset: 0, isEmbedded: false))
                references.append((.link(index), method.type))
            }
        default: break
        }

        let id = catalog.store(record, name: name, linkedAs: newLinks)
        guard let stored = catalog.record(of: id), stored.descriptor == descriptor else { return }
        if mask == nil { catalog.masksToBuild.insert(id) }
        for (slot, target) in references where target != .zero {
            var slot = slot
            if case let .link(index) = slot { slot = .link(stored.links.lowerBound + index) }
            patches.append((id, slot, target))
            pending.append(target)
        }
    }

    /// The runtime's bitmap when it has one; nil when it must be built from the
    /// structure (a GC program before 1.24, an on-demand mask not built yet from 1.24).
    private func pointerMask(ptrBytes: UInt64, tflag: UInt8, kindByte: UInt8, gcData: Address) -> GoPointerMask? {
        let words = Int(ptrBytes / 8)
        if words == 0 { return GoPointerMask.none }
        let onDemand = catalog.release?.hasGCMaskOnDemand ?? true
        if onDemand, tflag & GoTypeFlags.gcMaskOnDemand != 0 {
            guard let built = try? catalog.memory.readPointer(at: gcData), built != .zero else { return nil }
            return .inProcess(address: built, wordCount: words)
        }
        if !onDemand, kindByte & GoTypeFlags.kindGCProgram != 0 { return nil }
        return gcData == .zero ? nil : .inProcess(address: gcData, wordCount: words)
    }

    private func readBytes(at address: Address, count: Int) -> [UInt8]? {
        try? catalog.memory.readBytes(at: address, count: count)
    }
}
