import BitCollections
import CoreFile
import ProcessImage

/// A leak check of a C or C++ heap in a dumped process, whatever allocator filled the table:
/// the native roots, one conservative read of the heap into a leak graph, then the categories.
public struct NativeLeakCheck: Sendable {
    public var classification: LeakClassification
    public var roots: NativeRoots
    /// Rows the allocator marked as its own, plus the DTVs and dynamic TLS blocks: roots themselves.
    public var rootRows: BitArray
    public var unreadableChunks: Int
    /// The pointers between the rows, kept for `why`'s paths.
    public var graph: LeakGraph

    /// - Parameters:
    ///   - allocatorOwned: whether a row is the allocator's or libc's own (a tcache struct, a
    ///     stdio buffer): never the program's leak, and what it points to is reachable.
    ///   - headerBytes: the allocator's header before each row (glibc: 16), see `LeakGraph.build`.
    ///   - releasingPages: drop the core's pages behind the heap read, so a large heap is
    ///     never resident whole.
    ///   - roots: the roots when the caller adjusted them (a cgo program's, see
    ///     `excludeRuntimeMemory`); by default `NativeRoots(process:)`.
    public init(table: AllocationTable, process: ProcessImage, allocatorOwned: (Int) -> Bool, headerBytes: UInt64 = 0,
                threads: Int = 2, releasingPages: Bool = true, roots: NativeRoots? = nil) {
        let roots = roots ?? NativeRoots(process: process)
        self.roots = roots
        var rows = roots.rootRows(in: table)
        for row in 0..<table.count where table.states[row].isAllocated && allocatorOwned(row) { rows[row] = true }
        let graph = LeakGraph.build(table: table, memory: process.memory, roots: roots.roots,
                                    threads: threads, releasingPages: releasingPages, headerBytes: headerBytes)
        for range in roots.loaderData {
            guard let words = try? process.memory.readBytes(at: range.start, count: Int(range.size / 8) * 8) else { continue }
            words.withUnsafeBytes { raw in
                for offset in stride(from: 0, to: raw.count, by: 8) {
                    let value = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    if let row = table.row(containing: Address(value)), table.states[row].isAllocated { rows[row] = true }
                }
            }
        }
        for address in roots.linkMaps {
            guard let row = table.row(containing: Address(address)), table.states[row].isAllocated else { continue }
            rows[row] = true
            for target in graph.successors(of: row) { rows[target.row] = true }
        }
        rootRows = rows
        self.graph = graph
        classification = LeakClassifier.classify(table: table, graph: graph, rootRows: rows)
        unreadableChunks = graph.unreadableChunks
    }
}
