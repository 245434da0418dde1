extension HTMLReport.Section {
    /// A C or C++ program's glibc heap (`heap`): chunks in use by C++ class and by chunk size.
    public static func glibcHeap(_ report: GlibcHeapReport) -> Self {
        var html = HTML()
        let totals = report.totals
        html.facts([HTML.Fact(label: "chunks in use", value: String(totals.inUse.count), id: "chunks-in-use"),
                    HTML.Fact(label: "usable bytes in use", value: exactBytes(totals.inUse.bytes), id: "bytes-in-use"),
                    HTML.Fact(label: "libc's own", value: "\(totals.libcOwned.count) chunks, \(Format.bytes(totals.libcOwned.bytes))", id: nil),
                    HTML.Fact(label: "mmapped", value: "\(totals.mmapped.count) chunks, \(Format.bytes(totals.mmapped.bytes))", id: nil),
                    HTML.Fact(label: "free chunks", value: "\(totals.free.count), \(Format.bytes(totals.free.bytes))", id: nil)])
        let shown = report.groups.reduce(0) { $0 + $1.bytes }
        func tiles(kind: String) -> [TreemapTile] {
            report.groups.filter { $0.kind == kind }.map {
                TreemapTile(label: $0.type, value: $0.bytes, detail: "\(Format.bytes($0.bytes)) in \($0.count) chunks")
            }
        }
        var sizes = tiles(kind: "size")
        if totals.inUse.bytes > shown {
            sizes.append(TreemapTile(label: "\(report.otherGroups) other groups", value: totals.inUse.bytes - shown,
                                     detail: Format.bytes(totals.inUse.bytes - shown)))
        }
        let classes = tiles(kind: "class")
        SVGTreemap.render([TreemapTile(label: "C++ classes (by vtable)", value: classes.reduce(0) { $0 + $1.value },
                                       detail: Format.bytes(classes.reduce(0) { $0 + $1.value }), children: classes),
                           TreemapTile(label: "chunks by size", value: sizes.reduce(0) { $0 + $1.value },
                                       detail: Format.bytes(sizes.reduce(0) { $0 + $1.value }), children: sizes)],
                          label: "glibc heap in use by class and chunk size", into: &html)
        html.table(["bytes", "count", "libc", "kind", "type"], numeric: [0, 1, 2], rows: report.groups.map {
            [Format.bytes($0.bytes), String($0.count), $0.libcCount > 0 ? String($0.libcCount) : "", $0.kind, $0.type]
        })
        if report.otherGroups > 0 { html.note("… and \(report.otherGroups) more groups (--top).") }
        html.element("h3", text: "Arenas")
        html.table(["arena", "system", "used", "tcache", "fastbins", "bins", "top"], numeric: [1, 2, 3, 4, 5, 6], rows: report.arenas.map { arena in
            let bins = arena.free.unsorted.bytes + arena.free.smallBins.bytes + arena.free.largeBins.bytes
            return [arena.address + (arena.main ? " (main)" : ""), Format.bytes(arena.systemMem), Format.bytes(arena.used.bytes),
                    Format.bytes(arena.free.tcache.bytes), Format.bytes(arena.free.fastbins.bytes), Format.bytes(bins), Format.bytes(arena.top)]
        })
        return Self(id: "heap-by-type", title: "Heap by type", body: html)
    }

    /// Leaked allocations (`leaks`) by kind, then by class or size, with a few samples each.
    public static func leaks(_ report: LeaksReport) -> Self {
        var html = HTML()
        let totals = report.totals
        html.facts([HTML.Fact(label: "direct", value: "\(totals.direct.count) allocations, \(exactBytes(totals.direct.bytes))", id: "leaks-direct"),
                    HTML.Fact(label: "indirect", value: "\(totals.indirect.count) allocations, \(exactBytes(totals.indirect.bytes))", id: "leaks-indirect"),
                    HTML.Fact(label: "possible", value: "\(totals.possible.count) allocations, \(exactBytes(totals.possible.bytes))", id: "leaks-possible"),
                    HTML.Fact(label: "still reachable", value: "\(totals.reachable.count) allocations, \(Format.bytes(totals.reachable.bytes)) "
                              + "(\(totals.libcOwned.count) of them libc's own)", id: nil)])
        guard !report.groups.isEmpty else {
            html.note("No leaks of the kinds selected (\(report.kinds.joined(separator: ","))).")
            return Self(id: "leaks", title: "Leaks", body: html)
        }
        let kinds = ["direct", "indirect", "possible"].map { kind in
            let children = report.groups.filter { $0.kind == kind }.map {
                TreemapTile(label: $0.type, value: $0.bytes, detail: "\(Format.bytes($0.bytes)) in \($0.count) allocations")
            }
            let bytes = children.reduce(0) { $0 + $1.value }
            return TreemapTile(label: kind, value: bytes, detail: Format.bytes(bytes), children: children)
        }
        SVGTreemap.render(kinds, label: "leaked bytes by kind and type", into: &html)
        html.table(["bytes", "count", "kind", "type or size", "samples"], numeric: [0, 1], rows: report.groups.map { group in
            [Format.bytes(group.bytes), String(group.count), group.kind, group.type,
             group.samples.map { $0.address + ($0.leader.map { " held by " + $0 } ?? "") }.joined(separator: ", ")]
        })
        return Self(id: "leaks", title: "Leaks", body: html)
    }
}
