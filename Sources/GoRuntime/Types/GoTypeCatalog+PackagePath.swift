import Analysis
import CoreFile
import ProcessImage

/// The import path of a defined type's package, which its printed name
/// abbreviates to the last element (`main.Session`, `pprof.Profile`).
extension GoTypeCatalog {
    /// The package path in the type's `UncommonType`, or nil for a type
    /// without one (unnamed types, named types without methods in some
    /// releases) or with an unreadable one.
    public func packagePath(of id: TypeID) -> String? {
        guard let record = record(of: id), record.descriptor != .zero, record.tflag & GoTypeFlags.uncommon != 0,
              let uncommon = shapes.uncommon else { return nil }
        let at = record.descriptor.advanced(by: UInt64(shapes.uncommonOffset(of: record.kind) + uncommon.pkgPath.offset))
        guard let offset = try? memory.readUInt32(at: at), offset != 0 else { return nil }
        let name = typesSection.start.advanced(by: UInt64(offset))
        guard typesSection.contains(name) else { return nil }
        return GoTypeName.read(at: name, memory: memory, varintLength: release?.hasVarintNameLength ?? true)?.name
    }
}
