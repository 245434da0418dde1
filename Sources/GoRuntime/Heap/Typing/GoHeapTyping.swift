import Analysis
import CoreFile
import ProcessImage

/// Where an object's type came from, from the most exact to the least.
public enum GoHeapTypeSource: UInt8, CaseIterable, Sendable {
    /// Untyped: the row keeps its `[size class N]` or `[N bytes]`.
    case untyped = 0
    /// The `*abi.Type` in a malloc header (Go 1.22+, objects over 512 B with pointers).
    case header
    /// `mspan.largeType` (Go 1.22+, large objects with pointers).
    case largeType
    /// Reached from a typed global, a typed object or an interface word, through typed fields.
    case propagated
}

/// What the type pass did: typed objects and bytes by source, and what it could not read.
public struct GoHeapTypingSummary: Sendable {
    public var objects: [GoHeapTypeSource: Int] = [:]
    public var bytes: [GoHeapTypeSource: UInt64] = [:]
    /// Typed globals the pass started from (DWARF), and interface words found in data and bss.
    public var globalRoots = 0
    public var interfaceRoots = 0
    public var warnings: [Warning] = []
    public var notes: [Note] = []

    public var typedObjects: Int { objects.filter { $0.key != .untyped }.values.reduce(0, +) }
    public var typedBytes: UInt64 { bytes.filter { $0.key != .untyped }.values.reduce(0, +) }
    public var untypedObjects: Int { objects[.untyped] ?? 0 }
    public var untypedBytes: UInt64 { bytes[.untyped] ?? 0 }
}

/// Gives every object of a Go heap the most exact type the core holds.
///
/// Direct types first: malloc headers and `largeType`. Then propagation from typed roots
/// (globals with DWARF; interface words in data and bss, and the directly typed objects,
/// without) through typed fields: pointers, slices, strings, interfaces, closures,
/// channels, maps of both generations and `sync.Pool`. See `GoHeapTypeWalker`.
///
/// Ids: after the pass `heap.typeTable` is the catalog's `types`, and every row's id is an id
/// of it. Untyped rows keep their `[size class N]` / `[N bytes]` names, re-interned in the
/// catalog, so one table names the rows of the heap and the records of the catalog.
public enum GoHeapTyping {
    /// Types the heap's rows, following pointer fields through the object graph marking
    /// extracts (built here, then dropped). `GoHeap.typedAndMarked` keeps the graph for marking.
    public static func assignTypes(to heap: inout GoHeap, catalog: GoTypeCatalog, process: ProcessImage,
                                   go: GoProcess) -> GoHeapTypingSummary {
        assignTypes(to: &heap, catalog: catalog, process: process, go: go) { heap in
            heap.markingGraph(process: process, go: go, catalog: catalog, threads: 2, recordingFields: true).graph
        }
    }

    /// Types the heap's rows. `graph` builds the heap's object graph with its fields recorded
    /// (or returns nil to read every field from the core); it is called once the objects that
    /// name their own type are typed, so that the catalog has resolved their descriptors in
    /// address order before marking's pointer map asks for them.
    static func assignTypes(to heap: inout GoHeap, catalog: GoTypeCatalog, process: ProcessImage, go: GoProcess,
                            graph: (GoHeap) -> ObjectGraph?) -> GoHeapTypingSummary {
        var summary = GoHeapTypingSummary()
        catalog.readModuleTypes(of: go)
        let symbols = go.symbols
        var walker = GoHeapTypeWalker(table: heap.table, spans: heap.spans, catalog: catalog, memory: process.memory,
                                      layout: go.layout, functionName: { symbols.function(containing: $0)?.name })
        walker.typeFromHeaders(summary: &summary)
        walker.graph = graph(heap)
        if let dwarf = go.globals.dwarf, !dwarf.isEmpty {
            // In address order: the first type to reach an object wins, so the order must not vary between runs.
            let globals = dwarf.typedVariables().sorted { ($0.address, $0.name) < ($1.address, $1.name) }
            summary.globalRoots = walker.pushGlobals(globals, bias: go.globals.bias)
        }
        if let module = go.symbols.moduleData {
            summary.interfaceRoots = walker.pushInterfaceWords(in: [module.data, module.bss], module: module)
        }
        walker.propagate()
        if let module = go.symbols.moduleData { walker.nameArraysFromSliceHeaders(in: [module.data, module.bss]) }
        walker.nameUnsizedArrays()
        summary.notes += walker.notes()
        summary.warnings += walker.warnings()
        finish(&heap, walker: walker, catalog: catalog, summary: &summary)
        summary.warnings += catalog.warnings
        return summary
    }

    /// Writes the types into the table and makes the catalog's names the heap's.
    private static func finish(_ heap: inout GoHeap, walker: GoHeapTypeWalker, catalog: GoTypeCatalog,
                               summary: inout GoHeapTypingSummary) {
        let oldTypes = heap.typeTable
        var remapped = [TypeID?](repeating: nil, count: oldTypes.count)
        var ids = heap.table.typeIDs
        // Counted by raw value, not in the summary's dictionaries: two hashed updates a row add up over millions.
        var objects = [Int](repeating: 0, count: GoHeapTypeSource.allCases.count)
        var bytes = [UInt64](repeating: 0, count: GoHeapTypeSource.allCases.count)
        let states = walker.rowStates
        for row in 0..<ids.count {
            let source = states[row].source
            objects[Int(source.rawValue)] += 1
            bytes[Int(source.rawValue)] += heap.table.sizes[row]
            if source != .untyped {
                ids[row] = states[row].type
                continue
            }
            let old = Int(ids[row].rawValue)
            if let known = remapped[old] {
                ids[row] = known
            } else {
                let id = catalog.intern(fallback: oldTypes.names[old], size: oldTypes.sizes[old], kind: oldTypes.kinds[old])
                remapped[old] = id
                ids[row] = id
            }
        }
        for source in GoHeapTypeSource.allCases where objects[Int(source.rawValue)] > 0 {
            summary.objects[source, default: 0] += objects[Int(source.rawValue)]
            summary.bytes[source, default: 0] += bytes[Int(source.rawValue)]
        }
        heap.table.replaceTypeIDs(ids)
        heap.typeTable = catalog.types
    }
}
