import CoreFile
import ProcessImage

extension StrippedMemStatsFinder {
    /// `runtime.allp`, the `[]*p` whose mcaches `flushmcache(i)` flushes for
    /// ReadMemStats: a slice whose length fits its capacity and whose i-th P
    /// says its id is i.
    func allp() throws -> Address {
        guard let references = CodeReferences(function: "runtime.flushmcache", go: go, memory: memory, data: data) else {
            throw GoRuntimeError.notFound(what: "runtime.flushmcache in the pclntab (needed to find runtime.allp without DWARF)")
        }
        let p = try go.layout.resolve(PLayout.self).get()
        // The slice header's pointer and length words are both read by the loop.
        for base in references.candidateBases(fieldOffsets: [0, 8], minimumMatches: 1) where isProcessorSlice(at: base, p) {
            return Address(base)
        }
        throw GoRuntimeError.notFound(what: "runtime.allp (no slice referenced by runtime.flushmcache holds Ps numbered 0…n-1)")
    }

    private func isProcessorSlice(at base: UInt64, _ p: PLayout) -> Bool {
        guard let array = try? memory.readPointer(at: Address(base)), array != .zero, array.isAligned(to: 8),
              let length = try? memory.readUInt64(at: Address(base &+ 8)),
              let capacity = try? memory.readUInt64(at: Address(base &+ 16)),
              length > 0, length <= capacity, capacity <= UInt64(UnflushedCacheCounts.maximumProcessors)
        else { return false }
        for index in 0..<length {
            guard let processor = try? memory.readPointer(at: array.advanced(by: index * 8)), processor != .zero,
                  let id = try? memory.readInteger(UInt32.self, at: processor.advanced(by: UInt64(p.id.offset))),
                  UInt64(id) == index
            else { return false }
        }
        return true
    }
}
