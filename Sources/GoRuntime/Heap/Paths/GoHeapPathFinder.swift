import Analysis
import CoreFile
import ProcessImage

/// Answers "why is this object alive": one shortest path from the roots, each step named by
/// the field, index or map slot its pointer sits in.
///
/// The search runs over the object graph marking extracted (no memory read); only the few
/// objects on the path are read again, to find the word in each that points to the next.
public struct GoHeapPathFinder {
    let table: AllocationTable
    let types: TypeTable
    let spans: GoSpanTable
    let hasMallocHeaders: Bool
    let memory: MemoryReader
    let graph: ObjectGraph
    let fieldPath: GoFieldPath?
    let globals: GoGlobalVariables
    let threads: [ProcessThread]
    /// The labeled root edges in label order, then the unlabeled ones: among paths of equal
    /// length, the one from the earlier label is shown.
    let rootEdges: [UInt32]

    /// `marking` must be of `heap` with its rows typed by `catalog` (as `heap` marks them).
    /// `threads` name the registers of thread roots.
    public init(heap: GoHeap, marking: GoHeapMarking, catalog: GoTypeCatalog?, process: GoProcess, memory: MemoryReader,
                threads: [ProcessThread] = []) {
        table = marking.table
        types = catalog?.types ?? heap.typeTable
        spans = heap.spans
        hasMallocHeaders = (process.layout.release ?? process.buildInfo.release)?.hasMallocHeaders ?? false
        self.memory = memory
        graph = marking.graph
        fieldPath = catalog.map { GoFieldPath(catalog: $0, layout: process.layout) }
        globals = GoGlobalVariables(process: process, catalog: catalog)
        rootEdges = graph.labelEdgeTargets + graph.unlabeledRootTargets
        self.threads = threads
    }

    /// What `why` says of `address`; nil when no allocated object holds it. `dominators`, of
    /// this finder's graph, names the immediate dominator.
    public func why(_ address: Address, dominators: DominatorTree? = nil, predecessorLimit: Int = 20) -> GoHeapWhy? {
        guard let row = table.row(containing: address) else { return nil }
        let path = self.path(toRow: row)
        var predecessors: [GoHeapObjectRef] = []
        var omitted = 0
        if path == nil {
            for source in sources(pointingTo: row) {
                if predecessors.count < predecessorLimit { predecessors.append(object(source)) } else { omitted += 1 }
            }
        }
        var why = GoHeapWhy(address: address, object: object(row), path: path, dominator: nil,
                            predecessors: predecessors, omittedPredecessors: omitted)
        if let dominators, path != nil {
            why.dominator = dominator(of: row, in: dominators)
            why.retainedBytes = dominators.retainedBytes[row]
            why.retainedObjects = Int(dominators.retainedObjects[row])
        }
        return why
    }

    private func dominator(of row: Int, in tree: DominatorTree) -> GoHeapDominator? {
        switch tree.dominator(of: row) {
        case .row(let dominator): return .object(object(dominator))
        case .label(let label): return .root(graph.rootLabels[label])
        case .group(let group): return .rootGroup(tree.groupNames[group])
        case .virtualRoot: return .roots
        case .unreachable: return nil
        }
    }

    /// One shortest path from the roots to `row`, or nil when no root reaches it. With `labels`
    /// (indices into the graph's `rootLabels`), only from the roots of those labels.
    public func path(toRow row: Int, fromLabels labels: [Int]? = nil) -> GoHeapPath? {
        var edges = rootEdges
        var edgeNumbers: [Int]?
        if let labels {
            let numbers = labels.sorted().flatMap { graph.labelEdgeOffsets[$0]..<graph.labelEdgeOffsets[$0 + 1] }
            edges = numbers.map { graph.labelEdgeTargets[$0] }
            edgeNumbers = numbers
        }
        guard let found = graph.shortestPath(to: row, from: edges) else { return nil }
        let rootEdge = edgeNumbers?[found.rootEdge] ?? found.rootEdge
        let rows = found.rows.map(Int.init)
        var steps = [rootStep(edge: rootEdge, to: rows[0])]
        for (source, target) in zip(rows, rows.dropFirst()) {
            let word = pointerWord(in: source, to: target)
            let via = word.map { name(ofWord: $0, inRow: source) } ?? "?"
            steps.append(GoHeapPath.Step(from: object(source), word: word.map { Address($0) }, via: via, to: object(target)))
        }
        return GoHeapPath(root: label(ofEdge: rootEdge), steps: steps)
    }

    func object(_ row: Int) -> GoHeapObjectRef {
        GoHeapObjectRef(row: row, address: table.address(of: row), size: table.sizes[row],
                        type: types.name(of: table.typeIDs[row]), state: table.states[row])
    }

    // MARK: - Roots

    private func label(ofEdge edge: Int) -> RootLabel {
        guard edge < graph.labelEdgeTargets.count else {
            return RootLabel(kind: .runtime, name: "a root word without a label", detail: "")
        }
        // The last label whose edges start at or before `edge` owns it (labels without edges
        // share their offset with the next).
        var low = 0, high = graph.rootLabels.count
        while low < high {
            let middle = (low + high) / 2
            if graph.labelEdgeOffsets[middle] <= edge { low = middle + 1 } else { high = middle }
        }
        let label = low - 1
        return graph.rootLabels[label]
    }

    private func rootStep(edge: Int, to row: Int) -> GoHeapPath.Step {
        let label = label(ofEdge: edge)
        let source = edge < graph.labelEdgeSources.count ? graph.labelEdgeSources[edge] : 0
        var via = label.name
        if source != 0, let variable = globals.variable(containing: source) {
            via = variable.name + (fieldPath?.name(offset: variable.offset, in: variable.type) ?? "")
        } else if label.kind == .thread, let register = register(of: label, pointingInto: row) {
            via = label.name + " " + register
        }
        return GoHeapPath.Step(from: nil, word: source == 0 ? nil : Address(source), via: via, to: object(row))
    }

    /// The register of a thread root (labelled "thread TID", as GoMarkRoots names them) that
    /// points into `row`: registers have no address, so the step names the register instead.
    private func register(of label: RootLabel, pointingInto row: Int) -> String? {
        let range = table.range(of: row)
        guard let thread = threads.first(where: { "thread \($0.tid)" == label.name }) else { return nil }
        return thread.registers.named.first { range.contains(Address($0.value)) }?.name
    }

    // MARK: - Words

    /// Whether the row's slot starts with a malloc header (Go 1.22+, objects over 512 B with
    /// pointers in small spans): its value, and the offsets its type gives, start at slot+8.
    private func dataStart(ofRow row: Int) -> UInt64 {
        let span = GoHeap.AllocatorWord.span(of: table.allocatorWords[row])
        let header = hasMallocHeaders && span < spans.count && !spans.isNoScan(span)
            && spans.sizeClass(of: span) != 0 && spans.elementSizes[span] > 512
        return table.addresses[row] + (header ? 8 : 0)
    }

    /// The address of the first aligned word of `source` whose value points into `target`.
    public func pointerWord(in source: Int, to target: Int) -> UInt64? {
        let low = table.addresses[target], high = low &+ table.sizes[target]
        var found: UInt64?
        memory.forEachView(in: table.range(of: source)) { start, view in
            guard found == nil else { return }
            var offset = 0
            while offset + 8 <= view.count {
                let value = view.loadUnchecked(UInt64.self, at: offset)
                if value >= low, value < high {
                    found = start.rawValue + UInt64(offset)
                    return
                }
                offset += 8
            }
        }
        return found
    }

    private func name(ofWord word: UInt64, inRow row: Int) -> String {
        let start = dataStart(ofRow: row)
        guard word >= start else { return "malloc header" }
        guard let fieldPath else { return GoFieldPath.hexOffset(word - start) }
        let name = fieldPath.name(offset: word - start, in: table.typeIDs[row])
        return name.isEmpty ? "pointer" : name
    }

    /// The rows with a pointer into `row`: one pass over the edges, no reversed graph built.
    public func sources(pointingTo row: Int) -> [Int] {
        var result: [Int] = []
        let wanted = UInt32(row)
        for source in 0..<graph.rowCount where graph.successors(of: source).contains(wanted) {
            result.append(source)
        }
        return result
    }
}
