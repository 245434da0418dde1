import Analysis
import CoreFile
import GoRuntime
import ProcessImage

/// The heap walked, typed and marked: what every `heap` mode that needs the
/// live object graph starts from, with the warnings and notes of each step.
struct MarkedGoHeap {
    let process: ProcessImage
    let go: GoProcess
    let heap: GoHeap
    /// The binary's type descriptors, when readable (`why` names fields through them).
    let catalog: GoTypeCatalog?
    /// The catalog's types when the binary's type descriptors were readable, else the walk's size-class names.
    let types: TypeTable
    let marking: GoHeapMarking
    let warnings: [Warning]
    let notes: [Note]
}

extension Heap {
    /// `process`: the core when `run` opened it already (nil: open it here, and report its failure).
    func markedGoHeap(process: ProcessImage?) throws -> MarkedGoHeap { try MarkedGoHeap.open(options: options, process: process) }
}

extension MarkedGoHeap {
    /// Opens the core's Go process and walks, types and marks its heap (`heap`, `heap --retained`, `why`).
    /// `notGo` is what a program without Go build info is told (exit status 5); `process`, the
    /// core when the caller opened it already.
    static func open(options: CoreOptions, notGo: any Error = NotAGoHeap(), process opened: ProcessImage? = nil) throws -> MarkedGoHeap {
        let (process, go) = try Heap.openGoProcess(options: options, notGo: notGo, process: opened)
        let marked = try open(process: process, go: go, subject: options.core)
        return MarkedGoHeap(process: process, go: go, heap: marked.heap, catalog: marked.catalog, types: marked.types,
                            marking: marked.marking, warnings: process.warnings + go.allWarnings + marked.warnings, notes: marked.notes)
    }

    /// Walks, types and marks the heap of a Go process already open (`report`); its warnings
    /// are the heap's only, as the caller has the process's and the runtime's already.
    static func open(process: ProcessImage, go: GoProcess, subject: String) throws -> MarkedGoHeap {
        var heap = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: subject) {
            try GoHeap.read(process: process, go: go)
        }
        let catalog = try? GoTypeCatalog(process: go, memory: process.memory, types: heap.typeTable)
        // One graph serves both: typing follows its edges, then marking reads the catalog's frozen masks.
        let (typing, marking) = heap.typedAndMarked(process: process, go: go, catalog: catalog)
        return MarkedGoHeap(process: process, go: go, heap: heap, catalog: catalog, types: catalog?.types ?? heap.typeTable, marking: marking,
                            warnings: heap.warnings + (typing?.warnings ?? []) + marking.warnings,
                            notes: (typing?.notes ?? []) + marking.notes)
    }
}
