import CoreFile
import ProcessImage
import Symbols

extension GoRuntimeLayout {
    /// Every field coreinspect reads, in one place. The DWARF path resolves
    /// exactly these; the generated tables carry at least these.
    static let requiredFields = [
        "runtime.g.stack.lo", "runtime.g.stack.hi", "runtime.g.m", "runtime.g.sched.sp", "runtime.g.sched.pc",
        "runtime.g.sched.bp", "runtime.g.syscallsp", "runtime.g.syscallpc", "runtime.g.atomicstatus", "runtime.g.goid",
        "runtime.g.waitsince", "runtime.g.waitreason", "runtime.g.gopc", "runtime.g.startpc",
        "runtime.m.procid", "runtime.m.curg", "runtime.m.g0", "runtime.m.id",
    ]
    /// Fields that only some releases have (parentGoid arrived in Go 1.21, syscallbp in 1.23).
    static let optionalFields = ["runtime.g.parentGoid", "runtime.g.syscallbp", "runtime.g.lockedm", "runtime.schedt.lastpoll"]

    /// The layout the binary's own DWARF describes, with wait-reason strings
    /// read from its `runtime.waitReasonStrings` array in memory.
    static func fromDWARF(_ index: DWARFIndex, memory: MemoryReader, bias: UInt64, release: String) throws -> GoRuntimeLayout {
        var offsets: [String: UInt64] = [:]
        for path in requiredFields + optionalFields {
            let typeName = path.split(separator: ".").prefix(2).joined(separator: ".")
            if let offset = index.offset(of: path, typeName: typeName) {
                offsets[path] = offset
            } else if requiredFields.contains(path) {
                throw GoRuntimeError.missingField(type: typeName, field: String(path.dropFirst(typeName.count + 1)), release: release)
            }
        }
        var sizes: [String: UInt64] = [:]
        for type in ["runtime.g", "runtime.m"] { sizes[type] = index.size(ofType: type) }
        return GoRuntimeLayout(release: release, fieldOffsets: offsets, typeSizes: sizes,
                               constants: index.constants(withPrefix: "runtime._G")
                                   .merging(index.constants(withPrefix: "internal/abi.FuncID")) { first, _ in first },
                               waitReasons: readWaitReasons(index, memory: memory, bias: bias))
    }

    /// `runtime.waitReasonStrings` is a `[N]string`: N (pointer, length) pairs.
    private static func readWaitReasons(_ index: DWARFIndex, memory: MemoryReader, bias: UInt64) -> [String] {
        guard let address = index.variableAddress("runtime.waitReasonStrings"),
              let size = index.variableSize("runtime.waitReasonStrings"), size % 16 == 0, size <= 16 * 256
        else { return [] }
        return (0..<(size / 16)).map { slot in
            let header = Address(address &+ bias &+ slot * 16)
            guard let data = try? memory.readPointer(at: header), let length = try? memory.readUInt64(at: header.advanced(by: 8)),
                  length <= 256, let bytes = try? memory.readBytes(at: data, count: Int(length))
            else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
