import Analysis
import ProcessImage

extension GoHeap {
    /// Types every row (`GoHeapTyping`), then marks it (`marked`), reading the heap once.
    ///
    /// Marking's sequential pass extracts the object graph first, releasing the core's pages
    /// behind it; typing then follows pointer fields through the graph's edges instead of
    /// reading the heap at random (which would keep all of it resident), and marking reuses the
    /// same graph. Without a catalog, nothing is typed and the rows are only marked.
    public mutating func typedAndMarked(process: ProcessImage, go: GoProcess, catalog: GoTypeCatalog?,
                                        threads: Int = 2) -> (typing: GoHeapTypingSummary?, marking: GoHeapMarking) {
        guard let catalog else { return (nil, marked(process: process, go: go, catalog: nil, threads: threads)) }
        var extracted: GoMarkingGraph?
        let typing = GoHeapTyping.assignTypes(to: &self, catalog: catalog, process: process, go: go) { heap in
            let graph = heap.markingGraph(process: process, go: go, catalog: catalog, threads: threads, recordingFields: true)
            extracted = graph
            return graph.graph
        }
        guard let extracted else { preconditionFailure("typing builds the graph") }
        return (typing, marking(from: extracted, typed: table))
    }
}
