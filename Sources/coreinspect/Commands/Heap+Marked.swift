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
    /// The catalog's types when the binary's type descriptors were readable, else the walk's size-class names.
    let types: TypeTable
    let marking: GoHeapMarking
    let warnings: [Warning]
    let notes: [Note]
}

extension Heap {
    func markedGoHeap() throws -> MarkedGoHeap {
        let (process, go) = try Self.openGoProcess(options: options)
        var heap = try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: options.core) {
            try GoHeap.read(process: process, go: go)
        }
        let catalog = try? GoTypeCatalog(process: go, memory: process.memory, types: heap.typeTable)
        // Typing names the rows first: marking then reads the catalog's masks, which are frozen for its threads.
        let typing = catalog.map { GoHeapTyping.assignTypes(to: &heap, catalog: $0, process: process, go: go) }
        let marking = heap.marked(process: process, go: go, catalog: catalog, typed: heap.table)
        return MarkedGoHeap(process: process, go: go, heap: heap, types: catalog?.types ?? heap.typeTable, marking: marking,
                            warnings: process.warnings + go.allWarnings + heap.warnings + (typing?.warnings ?? []) + marking.warnings,
                            notes: (typing?.notes ?? []) + marking.notes)
    }
}
