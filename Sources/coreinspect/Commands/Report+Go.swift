import Analysis
import CoreFile
import GoRuntime
import ProcessImage
import Reports

/// The Go parts of `report`: MemStats, the heap by type and by retention (the walk, typing
/// and marking of `heap`, the dominator tree of `heap --retained`), goroutine groups.
extension Report {
    func goParts(process: ProcessImage, go: GoProcess) -> HeapParts {
        var parts = HeapParts()
        parts.memStats = (try? go.readMemStats(process: process)).map { MemStatsReport(goVersion: go.buildInfo.goVersion, snapshot: $0) }
        do {
            let marked = try MarkedGoHeap.open(process: process, go: go, subject: options.core)
            let table = marked.marking.table
            let summary = GoHeapSummary(table: table, types: marked.types, grouping: .type, order: .bytes, top: top)
            let heap = HeapReport(goVersion: go.buildInfo.goVersion, summary: summary, grouping: .type,
                                  memStatsObjects: parts.memStats?.memstats.heapObjects, memStatsBytes: parts.memStats?.memstats.heapAlloc)
            let tree = DominatorTree(graph: marked.marking.graph, sizes: table.sizes)
            let roots = RetainedRoots(tree: tree, labels: marked.marking.graph.rootLabels, table: table, top: top)
            let retained = RetainedReport(goVersion: go.buildInfo.goVersion, summary: roots, types: marked.types)
            parts.sections += [.goHeap(heap), .goRetained(retained, tree: tree, table: table, labels: marked.marking.graph.rootLabels,
                                                          types: marked.types)]
            parts.warnings += marked.warnings + heap.reconciliationWarnings
            parts.notes += marked.notes
        } catch {
            let reason = "the Go heap could not be walked: \(error)"
            parts.sections += [.unavailable(id: "heap-by-type", title: "Heap by type", reason: reason),
                               .unavailable(id: "heap-by-retention", title: "Heap by retention path", reason: reason)]
            parts.warnings.append(Warning("report: \(reason)", kind: .unreadableGoRuntime))
        }
        let snapshots = go.snapshots(threads: process.threads, maxFrames: stack.maxFrames)
        let groups = GoroutineGroup.group(snapshots, userCode: GoUserCode(buildInfo: go.buildInfo), isWrapper: go.isWrapper)
        parts.sections.append(.goroutines(GoroutinesReport(goVersion: go.buildInfo.goVersion, layoutSource: go.layoutSource, groups: groups), top: top))
        parts.sections.append(.unavailable(id: "leaks", title: "Leaks", reason: "a Go program: its collector frees every unreachable object, "
                                           + "so nothing leaks in LeakSanitizer's sense; the garbage not yet swept is in the heap by type, "
                                           + "and what each root holds in the heap by retention path."))
        return parts
    }
}
