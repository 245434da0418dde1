import Analysis
import GlibcMalloc
import GoRuntime

/// A named number of a core that a `check --fail-on` rule can test, and where it comes from.
public struct GateMetric: Sendable {
    public enum Unit: String, Sendable {
        /// Takes the byte units in rules (`50MB`, `1GiB`).
        case bytes
        case count
        case nanoseconds
        /// A real number, such as MemStats' GCCPUFraction.
        case fraction
    }

    /// The kind of program a core holds: which pipelines apply to it.
    public enum Program: String, Sendable, Encodable, CaseIterable {
        /// It carries Go build info.
        case go
        /// No Go build info, and glibc's libc is loaded: a C or C++ program.
        case glibc
        /// Neither: only the core's own notes can be measured.
        case other
    }

    /// A pipeline of coreinspect that computes metrics; `check` runs only those its rules need,
    /// so `goroutines > 5000` never walks the heap.
    public enum Source: String, Sendable, CaseIterable {
        /// The core's thread notes (NT_PRSTATUS).
        case threads
        /// Go: the runtime's goroutine list, `runtime.allgs` (what `goroutines` reads).
        case goroutines
        /// Go: runtime.MemStats as ReadMemStats would have returned it (what `memstats` reads).
        case memstats
        /// Go: every span of the heap walked, objects counted, nothing marked.
        case goHeapWalk
        /// Go: the heap walked, typed and marked from the runtime's roots (what `heap` does).
        case goHeapMarked
        /// C: glibc's arenas, chunks and free lists walked, mallinfo2 (what `heap` does for C).
        case glibcHeap
        /// C: the glibc heap walked and marked from the process's roots (what `leaks` does).
        case glibcLeaks
    }

    public var name: String
    public var unit: Unit
    /// The pipeline per kind of program; a program not listed has no such metric.
    public var sources: [Program: Source]
    public var meaning: String

    init(_ name: String, _ unit: Unit, _ sources: [Program: Source], _ meaning: String) {
        self.name = name
        self.unit = unit
        self.sources = sources
        self.meaning = meaning
    }

    /// `growth.` + a metric's name: its value in the core minus its value in the --baseline core.
    public static let growthPrefix = "growth."
}

/// Every metric `check` knows, in the order `--help` and the README list them.
public enum GateMetrics {
    public static let all: [GateMetric] = core + goroutines + heap + leaks + memstats + mallinfo

    /// A metric by name, `growth.` names included (`isGrowth` is then true).
    public static func named(_ name: String) -> (metric: GateMetric, isGrowth: Bool)? {
        let isGrowth = name.hasPrefix(GateMetric.growthPrefix)
        let base = isGrowth ? String(name.dropFirst(GateMetric.growthPrefix.count)) : name
        return byName[base].map { ($0, isGrowth) }
    }

    private static let byName: [String: GateMetric] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    private static let core: [GateMetric] = [
        GateMetric("threads", .count, [.go: .threads, .glibc: .threads, .other: .threads],
                   "threads in the core (one NT_PRSTATUS note each)"),
    ]

    private static let goroutines: [GateMetric] = [
        GateMetric("goroutines", .count, [.go: .goroutines],
                   "goroutines as runtime.NumGoroutine counts them: every one not dead, except the runtime's own "
                   + "(started in a runtime function other than runtime.main; the finalizer goroutine counts as the runtime's)"),
        GateMetric("goroutines.all", .count, [.go: .goroutines],
                   "every goroutine not dead, the runtime's own included: what `goroutines` lists"),
    ]

    private static let heap: [GateMetric] = [
        GateMetric("heap.bytes", .bytes, [.go: .goHeapWalk, .glibc: .glibcHeap],
                   "Go: bytes of every allocated object, live and garbage (= MemStats HeapAlloc, `heap`'s total); "
                   + "C: usable bytes of every chunk in use, mmapped and libc's own included (`heap`'s total)"),
        GateMetric("heap.objects", .count, [.go: .goHeapWalk, .glibc: .glibcHeap],
                   "Go: allocated objects, live and garbage (= MemStats HeapObjects); C: chunks in use"),
        GateMetric("heap.live.bytes", .bytes, [.go: .goHeapMarked], "Go: bytes of objects reachable from the runtime's roots"),
        GateMetric("heap.live.objects", .count, [.go: .goHeapMarked], "Go: objects reachable from the runtime's roots"),
        GateMetric("heap.garbage.bytes", .bytes, [.go: .goHeapMarked], "Go: bytes of allocated objects no root reaches (not yet swept)"),
        GateMetric("heap.garbage.objects", .count, [.go: .goHeapMarked], "Go: allocated objects no root reaches"),
    ]

    /// Go has none: its collector frees what is unreachable (see `leaks`, exit status 8).
    private static let leaks: [GateMetric] = [
        GateMetric("leaked.bytes", .bytes, [.glibc: .glibcLeaks],
                   "C: usable bytes of leaked chunks, direct + indirect + possible (`leaks`' totals)"),
        GateMetric("leaked.count", .count, [.glibc: .glibcLeaks], "C: leaked chunks, direct + indirect + possible"),
    ] + [LeakKind.direct, .indirect, .possible].flatMap { kind in [
        GateMetric("leaked.\(kind.name).bytes", .bytes, [.glibc: .glibcLeaks], "C: usable bytes of \(kind.name) leaks"),
        GateMetric("leaked.\(kind.name).count", .count, [.glibc: .glibcLeaks], "C: \(kind.name) leaks"),
    ] }

    private static let memstats: [GateMetric] = memStatsFields.map { field in
        GateMetric("memstats.\(field.name)", field.unit, [.go: .memstats], "Go: runtime.MemStats.\(field.name) (as `memstats` shows it)")
    }

    private static let mallinfo: [GateMetric] = mallinfoFields.map { field in
        GateMetric("mallinfo.\(field.name)", field.unit, [.glibc: .glibcHeap], "C: mallinfo2().\(field.name) at the dump (as `heap` shows it)")
    }

    /// MemStats' scalar fields by their Go names; the arrays and booleans are left out.
    static let memStatsFields: [(name: String, unit: GateMetric.Unit, value: @Sendable (GoMemStats) -> GateNumber)] = [
        ("Alloc", .bytes, { GateNumber($0.alloc) }), ("TotalAlloc", .bytes, { GateNumber($0.totalAlloc) }),
        ("Sys", .bytes, { GateNumber($0.sys) }), ("Mallocs", .count, { GateNumber($0.mallocs) }),
        ("Frees", .count, { GateNumber($0.frees) }), ("HeapAlloc", .bytes, { GateNumber($0.heapAlloc) }),
        ("HeapSys", .bytes, { GateNumber($0.heapSys) }), ("HeapIdle", .bytes, { GateNumber($0.heapIdle) }),
        ("HeapInuse", .bytes, { GateNumber($0.heapInuse) }), ("HeapReleased", .bytes, { GateNumber($0.heapReleased) }),
        ("HeapObjects", .count, { GateNumber($0.heapObjects) }), ("StackInuse", .bytes, { GateNumber($0.stackInuse) }),
        ("StackSys", .bytes, { GateNumber($0.stackSys) }), ("MSpanInuse", .bytes, { GateNumber($0.mSpanInuse) }),
        ("MSpanSys", .bytes, { GateNumber($0.mSpanSys) }), ("MCacheInuse", .bytes, { GateNumber($0.mCacheInuse) }),
        ("MCacheSys", .bytes, { GateNumber($0.mCacheSys) }), ("BuckHashSys", .bytes, { GateNumber($0.buckHashSys) }),
        ("GCSys", .bytes, { GateNumber($0.gcSys) }), ("OtherSys", .bytes, { GateNumber($0.otherSys) }),
        ("NextGC", .bytes, { GateNumber($0.nextGC) }), ("LastGC", .nanoseconds, { GateNumber($0.lastGC) }),
        ("PauseTotalNs", .nanoseconds, { GateNumber($0.pauseTotalNs) }), ("NumGC", .count, { GateNumber(UInt64($0.numGC)) }),
        ("NumForcedGC", .count, { GateNumber(UInt64($0.numForcedGC)) }), ("GCCPUFraction", .fraction, { .real($0.gcCPUFraction) }),
    ]

    /// mallinfo2's fields by glibc's names.
    static let mallinfoFields: [(name: String, unit: GateMetric.Unit, value: @Sendable (GlibcMallinfo2) -> GateNumber)] = [
        ("arena", .bytes, { GateNumber($0.arena) }), ("ordblks", .count, { GateNumber($0.ordblks) }),
        ("smblks", .count, { GateNumber($0.smblks) }), ("hblks", .count, { GateNumber($0.hblks) }),
        ("hblkhd", .bytes, { GateNumber($0.hblkhd) }), ("usmblks", .bytes, { GateNumber($0.usmblks) }),
        ("fsmblks", .bytes, { GateNumber($0.fsmblks) }), ("uordblks", .bytes, { GateNumber($0.uordblks) }),
        ("fordblks", .bytes, { GateNumber($0.fordblks) }), ("keepcost", .bytes, { GateNumber($0.keepcost) }),
    ]

    /// One metric a line, for `check --help`; the memstats and mallinfo families one line each.
    public static var helpText: String {
        let single = all.filter { !$0.name.hasPrefix("memstats.") && !$0.name.hasPrefix("mallinfo.") }.map { metric in
            let programs = GateMetric.Program.allCases.filter { metric.sources[$0] != nil }.map(\.rawValue)
            return "  \(metric.name) (\(metric.unit.rawValue); \(programs.joined(separator: ", "))): \(metric.meaning)"
        }
        return (single + [
            "  memstats.NAME (go): runtime.MemStats' field NAME, as `memstats` shows it: " + family(memStatsFields.map { ($0.name, $0.unit) }),
            "  mallinfo.NAME (glibc): mallinfo2()'s field NAME at the dump, as `heap` shows it: " + family(mallinfoFields.map { ($0.name, $0.unit) }),
        ]).joined(separator: "\n")
    }

    /// "Alloc, Sys… (bytes); Mallocs… (count)": a family's fields grouped by unit.
    private static func family(_ fields: [(name: String, unit: GateMetric.Unit)]) -> String {
        let units: [GateMetric.Unit] = [.bytes, .count, .nanoseconds, .fraction]
        return units.compactMap { unit in
            let names = fields.filter { $0.unit == unit }.map(\.name)
            return names.isEmpty ? nil : names.joined(separator: ", ") + " (\(unit.rawValue))"
        }.joined(separator: "; ")
    }
}
