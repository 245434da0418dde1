extension GoMemoryProfile {
    /// This profile minus `base`, record by record: what `go tool pprof
    /// -diff_base base.pb.gz this.pb.gz` shows, as one profile. Records with
    /// the same stack and object size subtract; a stack only in `base` comes
    /// out negated; stacks whose counts did not change are left out.
    ///
    /// - Parameter baseSlide: added to `base`'s PCs, for an executable loaded at
    ///   another address in the base core (position-independent builds); 0 otherwise.
    public func subtracting(_ base: GoMemoryProfile, baseSlide: UInt64 = 0) -> GoMemoryProfile {
        struct Key: Hashable {
            var stack: [UInt64]
            var objectSize: Int64
        }
        var order: [Key] = []
        var byKey: [Key: GoMemoryProfileRecord] = [:]
        func add(_ record: GoMemoryProfileRecord, sign: Int64, slide: UInt64) {
            let key = Key(stack: slide == 0 ? record.stack : record.stack.map { $0 &+ slide }, objectSize: record.objectSize)
            var sum = byKey[key] ?? GoMemoryProfileRecord(allocObjects: 0, allocBytes: 0, freeObjects: 0, freeBytes: 0,
                                                          objectSize: record.objectSize, stack: key.stack)
            if byKey[key] == nil { order.append(key) }
            sum.allocObjects &+= sign &* record.allocObjects
            sum.allocBytes &+= sign &* record.allocBytes
            sum.freeObjects &+= sign &* record.freeObjects
            sum.freeBytes &+= sign &* record.freeBytes
            byKey[key] = sum
        }
        for record in records { add(record, sign: 1, slide: 0) }
        for record in base.records { add(record, sign: -1, slide: baseSlide) }
        var difference = self
        difference.records = order.compactMap { byKey[$0] }.filter { record in
            record.allocObjects != 0 || record.allocBytes != 0 || record.freeObjects != 0 || record.freeBytes != 0
        }
        difference.warnings = warnings + base.warnings
        return difference
    }
}
