import CoreFile
import ProcessImage

/// Every span's `specials` records (finalizers, cleanups, profile samples, weak handles…), flat.
/// Marking takes finalizer and cleanup roots from here; the types pass takes profile buckets.
public struct GoSpecialTable: Sendable {
    /// The `*special` record itself; its kind-specific fields follow the header.
    public internal(set) var records: [UInt64] = []
    /// The object the record is attached to: the span's start plus the record's offset.
    public internal(set) var objects: [UInt64] = []
    /// `_KindSpecialFinalizer`, `_KindSpecialProfile`, … as the release numbers them
    /// (`GoRuntimeLayout.constants["runtime._KindSpecial…"]`).
    public internal(set) var kinds: [UInt8] = []

    public var count: Int { records.count }
}

/// Reads one span's specials list. The runtime keeps it sorted by offset, then kind, and an
/// object may carry several records of one kind (cleanups, from 1.24), so a repeated record
/// address is what proves a cycle; the walk also stops past `limit` records.
struct GoSpecialListReader {
    enum Problem: String, Error {
        case cycle = "a specials list that loops back on itself"
        case unreadable = "an unreadable specials record"
        case outOfSpan = "a specials record whose offset lies outside its span, or out of order"
    }

    let memory: MemoryReader
    let layout: SpecialLayout

    /// Appends the list starting at `head` to `table`; on a problem, keeps what came before it.
    func read(head: Address, spanStart: Address, spanBytes: UInt64, limit: Int, into table: inout GoSpecialTable,
              visited: inout Set<UInt64>) -> Problem? {
        visited.removeAll(keepingCapacity: true)
        var current = head
        var previousOffset: UInt64 = 0
        while current != .zero {
            guard visited.insert(current.rawValue).inserted, visited.count <= limit else { return .cycle }
            guard current.isAligned(to: 8), let window = memory.window(at: current, count: UInt64(layout.size), copyLimit: 256) else {
                return .unreadable
            }
            let offset = layout.offset.load(from: window.bytes)
            guard offset < spanBytes, offset >= previousOffset else { return .outOfSpan }
            table.records.append(current.rawValue)
            table.objects.append(spanStart.rawValue + offset)
            table.kinds.append(UInt8(truncatingIfNeeded: layout.kind.load(from: window.bytes)))
            previousOffset = offset
            current = layout.next.load(from: window.bytes)
        }
        return nil
    }
}
