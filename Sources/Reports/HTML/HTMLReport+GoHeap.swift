import Analysis

extension HTMLReport.Section {
    /// The Go heap histogram (`heap`): a treemap of live and garbage bytes by type, the totals
    /// checked against MemStats, and the table.
    public static func goHeap(_ report: HeapReport) -> Self {
        let totals = report.totals
        var html = HTML()
        html.facts([HTML.Fact(label: "allocated objects", value: String(totals.objects), id: "heap-objects"),
                    HTML.Fact(label: "allocated bytes", value: exactBytes(totals.bytes), id: "heap-bytes"),
                    HTML.Fact(label: "live", value: "\(totals.liveObjects) objects, \(exactBytes(totals.liveBytes))", id: "heap-live"),
                    HTML.Fact(label: "garbage (not yet swept)", value: "\(totals.garbageObjects) objects, \(exactBytes(totals.garbageBytes))",
                              id: "heap-garbage")])
        switch report.agreesWithMemStats {
        case true?: html.note("These totals equal MemStats HeapObjects and HeapAlloc exactly.")
        case false?: html.element("p", ["class": "bad"], text: "These totals differ from MemStats: HeapObjects \(totals.memStatsHeapObjects ?? 0), "
                                  + "HeapAlloc \(totals.memStatsHeapAlloc ?? 0); the walk missed or invented objects.")
        case nil: html.note("MemStats was unreadable: the totals are not checked against it.")
        }
        func tiles(_ pick: (HeapReport.Group) -> (count: UInt64, bytes: UInt64), total: UInt64) -> [TreemapTile] {
            var tiles = report.types.map { group in
                let (count, bytes) = pick(group)
                return TreemapTile(label: group.type, value: bytes, detail: "\(Format.bytes(bytes)) in \(count) objects")
            }
            let shown = tiles.reduce(0) { $0 + $1.value }
            if total > shown { tiles.append(TreemapTile(label: "\(report.otherGroups) other groups", value: total - shown, detail: Format.bytes(total - shown))) }
            return tiles
        }
        SVGTreemap.render([TreemapTile(label: "live", value: totals.liveBytes, detail: Format.bytes(totals.liveBytes),
                                       children: tiles({ ($0.count, $0.bytes) }, total: totals.liveBytes)),
                           TreemapTile(label: "garbage", value: totals.garbageBytes, detail: Format.bytes(totals.garbageBytes),
                                       children: tiles({ ($0.garbageCount, $0.garbageBytes) }, total: totals.garbageBytes))],
                          label: "Go heap by \(report.groupBy): live and garbage bytes", into: &html)
        html.table(["live bytes", "live count", "garbage bytes", "garbage count", report.groupBy], numeric: [0, 1, 2, 3],
                   rows: report.types.map { [Format.bytes($0.bytes), String($0.count), Format.bytes($0.garbageBytes), String($0.garbageCount), $0.type] })
        if report.otherGroups > 0 { html.note("… and \(report.otherGroups) more groups (--top).") }
        return Self(id: "heap-by-type", title: "Heap by type", body: html)
    }

    /// What holds the Go heap (`heap --retained`, `--profile-retained`): the dominator tree as an
    /// icicle graph (root, then the types that dominate one another), and the roots' table.
    public static func goRetained(_ report: RetainedReport, tree: DominatorTree, table: AllocationTable, labels: [RootLabel],
                                  types: TypeTable, maximumDepth: Int = 16) -> Self {
        var html = HTML()
        let totals = report.totals
        html.note("Each box is what a root, or an object of that type below it, retains: what would be freed if it went away. "
                  + "\(Format.bytes(totals.retainedBytes)) is retained by one root alone; \(Format.bytes(totals.sharedBytes)) is reachable "
                  + "from several roots.")
        let paths = RetainedPaths(tree: tree, table: table, maximumDepth: maximumDepth)
        var flame = FlameTree()
        for node in 0..<paths.nodeCount {
            flame.add(name: PprofRetainedProfile.name(of: paths.frames[node], labels: labels, groups: tree.groupNames, types: types),
                      parent: Int(paths.parents[node]), value: paths.bytes[node], count: paths.objects[node])
        }
        SVGFlameGraph.render(flame, maximumDepth: maximumDepth + 1, label: "Go heap by retention path",
                             describe: { bytes, count in "\(exactBytes(bytes)) retained in \(count) objects" }, into: &html)
        html.table(["retained", "objects", "kind", "root", "dominant types"], numeric: [0, 1], rows: report.roots.map { root in
            [Format.bytes(root.retainedBytes), String(root.retainedObjects), root.kind,
             root.detail.isEmpty ? root.name : "\(root.name) (\(root.detail))",
             root.types.map { "\($0.type) \(Format.bytes($0.bytes))" }.joined(separator: ", ")]
        })
        if report.otherRoots > 0 { html.note("… and \(report.otherRoots) more roots (--top); \(report.emptyRoots) roots retain nothing alone.") }
        return Self(id: "heap-by-retention", title: "Heap by retention path", body: html)
    }
}
