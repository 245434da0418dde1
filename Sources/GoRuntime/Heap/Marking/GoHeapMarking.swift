import Analysis
import CoreFile
import ProcessImage

/// A Go heap whose rows are marked `.live` (reachable from the runtime's roots) or
/// `.garbage` (allocated, unreachable: the next sweep frees it).
public struct GoHeapMarking: Sendable {
    public let table: AllocationTable
    public let warnings: [Warning]
    public let notes: [Note]
    /// Edges followed between objects, and the rows the roots point into.
    public let edgeCount: Int
    public let rootTargetCount: Int
    /// The object graph marking walked, with its labeled root edges: what retained sizes and
    /// paths from the roots are computed over, without reading the core again.
    public let graph: ObjectGraph
}

/// The object graph of a heap, and what extracting it had to say.
struct GoMarkingGraph {
    let graph: ObjectGraph
    let warnings: [Warning]
    let notes: [Note]
}

extension GoHeap {
    /// Marks every row of the heap from the runtime's roots.
    ///
    /// The object graph is extracted in one sequential pass over the heap (both cores, each a
    /// run of addresses), then marked from the roots without touching the core again.
    /// `catalog` reads the malloc-header and `largeType` descriptors (Go 1.22+); without it,
    /// those objects are scanned conservatively. `typed` is this heap's table with the rows
    /// typed (same rows, in the same order); the result keeps its types.
    public func marked(process: ProcessImage, go: GoProcess, catalog: GoTypeCatalog?, typed: AllocationTable? = nil,
                       threads: Int = 2) -> GoHeapMarking {
        marking(from: markingGraph(process: process, go: go, catalog: catalog, threads: threads), typed: typed)
    }

    /// The object graph marking walks: one sequential pass over the heap on `threads` cores,
    /// releasing the core's pages behind it. With `recordingFields`, the graph keeps where each
    /// pointer lies, for typing.
    func markingGraph(process: ProcessImage, go: GoProcess, catalog: GoTypeCatalog?, threads: Int,
                      recordingFields: Bool = false) -> GoMarkingGraph {
        var warnings: [Warning] = []
        var notes: [Note] = []
        let pointers = pointerMap(go: go, memory: process.memory, catalog: catalog, warnings: &warnings, notes: &notes)
        let roots = GoMarkRoots(process: process, go: go, heap: self, pointers: pointers)
        if !roots.problems.isEmpty {
            warnings.append(Warning("heap marking: could not read " + roots.problems.prefix(4).joined(separator: "; ")
                                    + "; objects only they keep alive show as garbage", kind: .unreadableGoRuntime))
        }
        let graph = ObjectGraph.build(table: table, memory: process.memory, pointers: pointers, roots: roots.roots,
                                      threads: threads, releasingPages: true, recordingFields: recordingFields)
        if graph.unreadableChunks > 0 {
            warnings.append(Warning("heap marking: \(graph.unreadableChunks) chunks of memory were not in the core; their pointers were not followed",
                                    kind: .unreadableGoRuntime))
        }
        return GoMarkingGraph(graph: graph, warnings: warnings, notes: notes)
    }

    /// Marks the rows of `typed` (or of this heap's table) that the graph reaches from the roots.
    func marking(from extracted: GoMarkingGraph, typed: AllocationTable?) -> GoHeapMarking {
        let (graph, warnings, notes) = (extracted.graph, extracted.warnings, extracted.notes)
        var marked = typed ?? table
        precondition(marked.count == table.count, "a typed table must have the heap's rows")
        marked.applyMarks(graph.reachableRows())
        return GoHeapMarking(table: marked, warnings: warnings, notes: notes, edgeCount: graph.edgeCount,
                             rootTargetCount: graph.rootTargets.count, graph: graph)
    }

    /// The release's pointer map, with the descriptors it needs resolved up front (the catalog
    /// is not safe to share between the marking threads).
    func pointerMap(go: GoProcess, memory: MemoryReader, catalog: GoTypeCatalog?,
                    warnings: inout [Warning], notes: inout [Note]) -> GoPointerMap {
        let release = go.layout.release ?? go.buildInfo.release
        let layouts = try? GoHeapLayouts(go.layout)
        let arenaBytes = layouts.map { UInt64($0.arena.spans.count) * GoArenaIndex.pageSize } ?? (64 << 20)
        if let release, release.hasMallocHeaders {
            let (descriptors, inFlight) = typeDescriptors(memory: memory)
            var resolved: [UInt64: TypeID] = [:]
            for descriptor in descriptors {
                if let id = catalog?.type(at: Address(descriptor)) { resolved[descriptor] = id }
            }
            if inFlight > 0 {
                notes.append(Note("\(inFlight) large objects had no type yet (mspan.largeType nil: allocation in flight); they were not scanned",
                                  kind: .other))
            }
            if resolved.count < descriptors.count {
                warnings.append(Warning("heap marking: \(descriptors.count - resolved.count) malloc-header types were unreadable; their objects were scanned conservatively",
                                        kind: .unreadableGoRuntime))
            }
            return GoPointerMap(scheme: .heapBits, spans: spans, memory: memory, typeByDescriptor: resolved,
                                masks: catalog.map(GoTypePointerMasks.init), arenaBitmaps: [], arenaBytes: arenaBytes)
        }
        let twoBits = release.map { $0 < .go1_20 } ?? false
        return GoPointerMap(scheme: twoBits ? .arenaBitmapTwoBits : .arenaBitmapOneBit, spans: spans, memory: memory,
                            typeByDescriptor: [:], masks: nil,
                            arenaBitmaps: arenaBitmaps(layouts: layouts, memory: memory, arenaBytes: arenaBytes),
                            arenaBytes: arenaBytes)
    }

    /// Every distinct header and `largeType` descriptor of the scan spans, and how many large
    /// objects have none yet.
    private func typeDescriptors(memory: MemoryReader) -> (Set<UInt64>, inFlight: Int) {
        var descriptors = Set<UInt64>()
        var inFlight = 0
        var lastLarge = -1
        for row in 0..<table.count {
            let span = AllocatorWord.span(of: table.allocatorWords[row])
            guard !spans.isNoScan(span), spans.heapBits[span] == 0 else { continue }
            if spans.sizeClass(of: span) == 0 {
                guard span != lastLarge else { continue }
                lastLarge = span
                if spans.largeTypes[span] == 0 { inFlight += 1 } else { descriptors.insert(spans.largeTypes[span]) }
            } else if let header = try? memory.readUInt64(at: Address(table.addresses[row])), header != 0 {
                descriptors.insert(header)
            }
        }
        return (descriptors, inFlight)
    }

    /// Where each arena's pointer bitmap starts (Go 1.21 and older).
    private func arenaBitmaps(layouts: GoHeapLayouts?, memory: MemoryReader, arenaBytes: UInt64) -> [(base: UInt64, bitmap: UInt64)] {
        guard let layouts, let bitmap = layouts.arena.bitmap,
              let index = try? GoArenaIndex(mheap: mheapAddress, layout: layouts.mheap, arena: layouts.arena, memory: memory)
        else { return [] }
        var result: [(base: UInt64, bitmap: UInt64)] = []
        for range in arenaRanges {
            var base = range.start
            while base < range.end {
                if let arena = index.heapArena(containing: base) {
                    result.append((base.rawValue, arena.rawValue + UInt64(bitmap.offset)))
                }
                base = base.advanced(by: arenaBytes)
            }
        }
        return result
    }
}
