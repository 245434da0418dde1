import BitCollections
import CoreFile
import Dispatch
import ProcessImage

/// The pointers between allocations, as row indices in flat arrays (compressed sparse rows).
///
/// The successors of row r are `targets[edgeOffsets[r] ..< edgeOffsets[r + 1]]`, one entry per
/// pointer word, in the order the words lie in memory. `rootTargets` are the rows the roots
/// point into. Extracting the graph reads the heap once, in address order; the analyses that
/// walk it again (dominators, paths from roots, diffs, marking with a row held back) then never
/// touch the core's pages.
public struct ObjectGraph: Sendable {
    public let rowCount: Int
    /// Rows pointed into by the roots, ascending, each once.
    public let rootTargets: [UInt32]
    public let edgeOffsets: [Int]
    public let targets: [UInt32]
    /// Chunks of memory that could not be read while building; their words were skipped.
    public let unreadableChunks: Int
    /// The roots' labels; the root words of label l point into
    /// `labelEdgeTargets[labelEdgeOffsets[l] ..< labelEdgeOffsets[l + 1]]`, one entry per word.
    public let rootLabels: [RootLabel]
    public let labelEdgeOffsets: [Int]
    public let labelEdgeTargets: [UInt32]
    /// The address of the root word behind each labeled edge; 0 for a register or a word
    /// read from a runtime structure.
    public let labelEdgeSources: [UInt64]
    /// Rows pointed into by roots without a label, ascending, each once.
    public let unlabeledRootTargets: [UInt32]
    /// Built with `recordingFields` only (else empty), parallel to `targets`: the index of the
    /// word holding each pointer inside its source row (high half) and how far into its target
    /// row the pointer points (low half, `unknownOffset` past 4 GiB), in one word so that one
    /// cache line answers both. See `edge(from:atWord:)`, `edgeWord(_:)`, `edgeTargetOffset(_:)`.
    public let edgeFields: [UInt64]

    public var edgeCount: Int { targets.count }

    public func successors(of row: Int) -> ArraySlice<UInt32> {
        targets[edgeOffsets[row]..<edgeOffsets[row + 1]]
    }

    /// The rows the root words of label `label` point into, one entry per word.
    public func rootEdges(ofLabel label: Int) -> ArraySlice<UInt32> {
        labelEdgeTargets[labelEdgeOffsets[label]..<labelEdgeOffsets[label + 1]]
    }

    /// Reads every allocated row's pointer words, and the roots, into a graph.
    ///
    /// The rows are cut into `threads` runs of consecutive addresses, each read in order by
    /// one worker and appended in run order, so the graph is the same for any thread count.
    /// With `releasingPages`, each worker drops the core's pages behind it as it goes
    /// (`MemoryReader.releasePages(in:)`), so a heap larger than memory is read once and never
    /// held resident whole; `pointers` must then read nothing behind the current row. With
    /// `recordingFields`, each edge also keeps where it lies in its source and target
    /// (`edgeFields`), 8 bytes an edge, so that a type pass can follow
    /// fields without reading the core again.
    public static func build<Map: PointerMap>(table: AllocationTable, memory: any MemoryReader,
                                              pointers: Map, roots: MarkRoots,
                                              threads: Int = 2, releasingPages: Bool = false,
                                              recordingFields: Bool = false) -> ObjectGraph {
        // The parts are joined after the lookup columns are dropped, and each part is freed as
        // soon as it is copied: the peak then holds the graph about once and a half, not twice
        // plus the lookup.
        var (parts, rootEdges, rootFaults) = table.withLookup { lookup in
            let runs = rowRuns(table: table, count: max(1, threads))
            var parts = [GraphPart?](repeating: nil, count: runs.count)
            // Progress counts the address range the workers have passed, not the bytes of each row.
            let span = table.count == 0 ? 0 : lookup.starts[table.count - 1] &+ lookup.sizes[table.count - 1] &- lookup.starts[0]
            let progress = ProgressReporting.start("scanning the heap for pointers", total: span, unit: .bytes)
            parts.withUnsafeMutableBufferPointer { partSlots in
                let shared = UncheckedSendable((memory: memory, slots: partSlots))
                DispatchQueue.concurrentPerform(iterations: runs.count) { run in
                    shared.value.slots[run] = GraphPart(rows: runs[run], table: table, lookup: lookup,
                                                        memory: shared.value.memory, pointers: pointers,
                                                        releasingPages: releasingPages, recordingFields: recordingFields,
                                                        progress: progress)
                }
            }
            progress.finish(span)
            let rootScanner = PointerScanner(reader: WordReader(memory: memory), lookup: lookup)
            let rootEdges = RootEdges(roots: roots, scanner: rootScanner)
            return (parts, rootEdges, rootScanner.reader.faults)
        }
        return ObjectGraph(rowCount: table.count, rootEdges: rootEdges, parts: &parts, rootFaults: rootFaults)
    }

    private init(rowCount: Int, rootEdges: RootEdges, parts: inout [GraphPart?], rootFaults: Int) {
        self.rowCount = rowCount
        rootTargets = rootEdges.allTargets
        rootLabels = rootEdges.labels
        labelEdgeOffsets = rootEdges.offsets
        labelEdgeTargets = rootEdges.targets
        labelEdgeSources = rootEdges.sources
        unlabeledRootTargets = rootEdges.unlabeledTargets
        var offsets: [Int] = []
        offsets.reserveCapacity(rowCount + 1)
        var targets: [UInt32] = []
        let edgeCount = parts.reduce(0) { $0 + $1!.targets.count }
        let faults = parts.reduce(rootFaults) { $0 + $1!.faults }
        targets.reserveCapacity(edgeCount)
        var fields: [UInt64] = []
        if parts.contains(where: { !$0!.fields.isEmpty }) { fields.reserveCapacity(edgeCount) }
        for index in parts.indices {
            guard let part = parts[index] else { continue }
            parts[index] = nil
            let base = targets.count
            // Each part's offsets start at 0 and end with its edge count, which is the next
            // part's first offset: drop the last to avoid writing it twice.
            for offset in part.offsets.dropLast() { offsets.append(base + Int(offset)) }
            targets.append(contentsOf: part.targets)
            fields.append(contentsOf: part.fields)
        }
        offsets.append(targets.count)
        edgeOffsets = offsets
        self.targets = targets
        edgeFields = fields
        unreadableChunks = faults
    }

    /// Runs of consecutive rows with about equal bytes, so both workers read about as much.
    static func rowRuns(table: AllocationTable, count: Int) -> [Range<Int>] {
        let total = table.sizes.reduce(0) { $0 &+ $1 }
        var runs: [Range<Int>] = []
        var start = 0
        var accumulated: UInt64 = 0
        for row in 0..<table.count where runs.count < count - 1 {
            accumulated &+= table.sizes[row]
            if accumulated >= total / UInt64(count) * UInt64(runs.count + 1) {
                runs.append(start..<row + 1)
                start = row + 1
            }
        }
        runs.append(start..<table.count)
        return runs
    }
}

/// The edges of one run of rows, offsets relative to the run (32 bits while the workers run,
/// when the lookup columns are held too: 12 MB less at the peak for 3M rows).
private struct GraphPart {
    var offsets: [UInt32]
    var targets: [UInt32] = []
    var fields: [UInt64] = []
    var faults: Int

    /// An edge count as a run-relative offset. A run of 2^32 edges would hold 16 GiB of targets alone.
    private static func offset(_ count: Int) -> UInt32 {
        precondition(count < Int(UInt32.max), "more edges in one run than a graph part can count")
        return UInt32(count)
    }

    /// Pages are released in steps of this many bytes: few enough calls, little held resident.
    static let releaseStep: UInt64 = 4 << 20
    /// Address range a worker passes between progress reports.
    static let progressStep: UInt64 = 64 << 20

    init<Map: PointerMap>(rows: Range<Int>, table: AllocationTable, lookup: TableLookup,
                          memory: any MemoryReader, pointers: Map, releasingPages: Bool, recordingFields: Bool,
                          progress: ProgressTask) {
        let scanner = PointerScanner(reader: WordReader(memory: memory), lookup: lookup)
        var offsets: [UInt32] = []
        offsets.reserveCapacity(rows.count + 1)
        // Room for two edges a row: capacity never touched costs address space, not memory,
        // and growing by copying would hold the old and new arrays at once.
        var targets: [UInt32] = []
        targets.reserveCapacity(2 * rows.count)
        var fields: [UInt64] = []
        if recordingFields { fields.reserveCapacity(2 * rows.count) }
        var released = rows.isEmpty ? 0 : lookup.starts[rows.lowerBound] & ~(Self.releaseStep - 1)
        var reported = rows.isEmpty ? 0 : lookup.starts[rows.lowerBound]
        // Past --timeout the remaining rows keep their (empty) offsets: the graph stays whole in shape.
        var stopped = false
        for row in rows {
            if lookup.starts[row] &- reported >= Self.progressStep {
                progress.add(lookup.starts[row] &- reported)
                reported = lookup.starts[row]
            }
            if releasingPages, lookup.starts[row] &- released >= 2 * Self.releaseStep {
                let end = (lookup.starts[row] & ~(Self.releaseStep - 1)) - Self.releaseStep
                memory.releasePages(in: AddressRange(start: Address(released), end: Address(end)))
                released = end
            }
            offsets.append(Self.offset(targets.count))
            if row & 1023 == 0, !stopped { stopped = AnalysisDeadline.expired(in: "the heap scan") }
            guard !stopped, lookup.states[row].isAllocated else { continue }
            let start = lookup.starts[row]
            if recordingFields {
                scanner.forEachPointer(start: start, size: lookup.sizes[row],
                                       pointers: pointers.pointerWords(ofRow: row, in: table)) { target, word, value in
                    targets.append(UInt32(target))
                    fields.append(ObjectGraph.edgeField(word: (word &- start) >> 3, targetOffset: value &- lookup.starts[target]))
                }
            } else {
                scanner.forEachTarget(start: start, size: lookup.sizes[row],
                                      pointers: pointers.pointerWords(ofRow: row, in: table)) { target in
                    targets.append(UInt32(target))
                }
            }
        }
        offsets.append(Self.offset(targets.count))
        if releasingPages, let last = rows.last {
            memory.releasePages(in: AddressRange(start: Address(released), end: Address(lookup.starts[last] + lookup.sizes[last])))
        }
        self.offsets = offsets
        self.targets = targets
        self.fields = fields
        faults = scanner.reader.faults
    }
}
