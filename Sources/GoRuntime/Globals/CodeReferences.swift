import CoreFile
import ProcessImage

/// The data a runtime function's machine code refers to, for finding globals
/// in stripped binaries. x86-64 reaches a global through a RIP-relative
/// operand: a 32-bit displacement from the end of the instruction. Rather
/// than decode instructions, every 4-byte window of the function is taken as
/// a displacement ending an instruction; the few real ones agree on a base
/// address once the field offsets they use are known, and the noise does not.
/// A caller always validates the winner by the global's shape.
struct CodeReferences {
    /// Distinct addresses the function may refer to, inside writable data.
    let targets: Set<UInt64>

    /// Runtime functions are short; a bigger range is not one of them.
    static let maximumFunctionSize: UInt64 = 1 << 16

    init(targets: Set<UInt64>) { self.targets = targets }

    init?(function name: String, go: GoProcess, memory: MemoryReader, data: [AddressRange]) {
        guard let function = go.symbols.functions(named: name).first else { return nil }
        let size = function.end.offset(from: function.entry)
        guard size >= 4, size <= Self.maximumFunctionSize,
              let code = memory.window(at: function.entry, count: size, copyLimit: Self.maximumFunctionSize)?.bytes
        else { return nil }
        var targets = Set<UInt64>()
        for index in 0...(code.count - 4) {
            let displacement = Int64(Int32(bitPattern: code.loadUnchecked(UInt32.self, at: index)))
            let target = UInt64(bitPattern: Int64(bitPattern: function.entry.rawValue) &+ Int64(index + 4) &+ displacement)
            if data.contains(where: { $0.contains(Address(target)) }) { targets.insert(target) }
        }
        self.targets = targets
    }

    /// Bases such that `base + offset` is a target for several of `offsets`
    /// (the fields of one global the function uses), most matches first.
    func candidateBases(fieldOffsets offsets: Set<Int>, minimumMatches: Int) -> [UInt64] {
        var matches: [UInt64: Int] = [:]
        for target in targets {
            for offset in offsets where target >= UInt64(offset) { matches[target - UInt64(offset), default: 0] += 1 }
        }
        return matches.filter { $0.value >= minimumMatches }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map(\.key)
    }

    /// The writable segments of the executable: Go's data and bss.
    static func writableData(of process: ProcessImage) -> [AddressRange] {
        guard let executable = process.mainExecutable, let (headers, bias) = process.loadedProgramHeaders(of: executable) else { return [] }
        return headers.filter { $0.type == ProgramHeader.load && $0.flags & ProgramHeader.writable != 0 }
            .map { AddressRange(start: Address($0.virtualAddress &+ bias), size: $0.memorySize) }
    }
}
