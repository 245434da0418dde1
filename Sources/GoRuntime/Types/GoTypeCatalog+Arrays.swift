import Analysis
import CoreFile

/// Array types the binary need not have: `make([]T, n)` passes only T's
/// descriptor to the allocator, yet its backing array is best shown as Go would
/// print it, `[n]T`. Such a type gets a record without a descriptor
/// (`descriptor == .zero`) whose bitmap is built from its element's.
extension GoTypeCatalog {
    /// The id of `[count]elem`: the binary's own descriptor when it was read, a record made here otherwise.
    /// nil when `elem` has no record or the array would not fit in memory.
    public func arrayType(of elem: TypeID, count: UInt64) -> TypeID? {
        guard let element = record(of: elem) else { return nil }
        let name = "[\(count)]\(types.name(of: elem))"
        if let known = type(named: name) { return known }
        let (size, overflow) = element.size.multipliedReportingOverflow(by: count)
        guard !overflow, size <= GoTypeDescriptorReader.maxTypeSize else { return nil }
        let ptrBytes = element.ptrBytes == 0 || count == 0 ? 0 : (count - 1) * element.size + element.ptrBytes
        let record = GoTypeRecord(descriptor: .zero, size: size, ptrBytes: ptrBytes, kind: .array, tflag: 0,
                                  pointerMask: ptrBytes == 0 ? .none : .unavailable, elem: elem, key: .unknown,
                                  mapStorage: .unknown, arrayLength: count, links: 0..<0, parameterCount: 0, isVariadic: false,
                                  isDirectInterface: count == 1 && element.isDirectInterface)
        let id = store(record, name: name, linkedAs: [])
        if ptrBytes != 0 { masksToBuild.insert(id) }
        return id
    }
}
