import CoreFile
import GlibcMalloc

extension HTML {
    /// A fact: label, text, and an id for the ones tests and scripts look up.
    struct Fact {
        var label: String
        var value: String
        var id: String?
    }

    mutating func facts(_ facts: [Fact]) {
        element("dl", ["class": "facts"]) { list in
            for fact in facts {
                list.element("dt", text: fact.label)
                if let id = fact.id { list.element("dd", ["id": id], text: fact.value) } else { list.element("dd", text: fact.value) }
            }
        }
    }
}

/// Bytes for people with the exact count beside them: "1.2 MiB (1234567 B)".
func exactBytes(_ bytes: UInt64) -> String { "\(Format.bytes(bytes)) (\(bytes) B)" }

extension HTMLReport.Section {
    /// Process, signal, executable; for Go its version and MemStats' essentials; for C and
    /// C++ the glibc release and mallinfo2, as the program would have read them.
    /// `diagnostics`: the run's warnings and notes, so that the page says what is partial.
    public static func summary(info: InfoReport, memStats: MemStatsReport?, glibc: GlibcHeapReport?, diagnostics: Diagnostics) -> Self {
        typealias Fact = HTML.Fact
        var facts = [Fact(label: "process", value: "pid " + (info.process.pid.map(String.init) ?? "?"), id: "pid"),
                     Fact(label: "command", value: info.process.command ?? "?", id: nil),
                     Fact(label: "command line", value: info.process.arguments ?? "?", id: "command-line"),
                     Fact(label: "dumped by", value: info.producer == "gdb" ? "gdb (gcore)" : "the kernel", id: nil)]
        if let signal = info.signal {
            var text = "\(signal.name) (\(signal.number)), code \(signal.codeName)"
            if let address = signal.faultAddress { text += ", fault address \(address)" }
            if let sender = signal.senderPID { text += ", sent by pid \(sender)" }
            if let tid = info.signaledThread { text += ", thread \(tid)" }
            facts.append(Fact(label: "signal", value: text, id: "signal"))
        } else {
            facts.append(Fact(label: "signal", value: "none", id: "signal"))
        }
        facts.append(Fact(label: "threads", value: String(info.threadCount), id: "thread-count"))
        facts.append(Fact(label: "executable", value: info.executable.map { $0.file ?? $0.name } ?? "not found in the core's file mappings", id: nil))
        if let buildID = info.executable?.buildID { facts.append(Fact(label: "build-id", value: buildID, id: nil)) }
        facts.append(Fact(label: "Go", value: info.go.map { go in go.version + (go.mainModule.map { ", module " + $0 } ?? "") }
                          ?? "no (no Go build info in the executable)", id: "go-version"))
        if let stats = memStats?.memstats, let gc = memStats?.gc {
            facts += [Fact(label: "HeapAlloc", value: exactBytes(stats.heapAlloc), id: "memstats-heap-alloc"),
                      Fact(label: "HeapObjects", value: String(stats.heapObjects), id: "memstats-heap-objects"),
                      Fact(label: "HeapInuse / HeapSys", value: "\(Format.bytes(stats.heapInuse)) / \(Format.bytes(stats.heapSys))", id: nil),
                      Fact(label: "StackInuse", value: Format.bytes(stats.stackInuse), id: nil),
                      Fact(label: "Sys", value: exactBytes(stats.sys), id: nil),
                      Fact(label: "NumGC", value: String(stats.numGC), id: "memstats-num-gc"),
                      Fact(label: "NextGC", value: Format.bytes(stats.nextGC), id: nil),
                      Fact(label: "LastGC", value: Format.unixNanoseconds(stats.lastGC), id: nil),
                      Fact(label: "GOGC", value: gc.gogc < 0 ? "off" : String(gc.gogc), id: nil),
                      Fact(label: "GOMEMLIMIT", value: gc.memoryLimit == Int64.max ? "unset" : Format.bytes(UInt64(max(gc.memoryLimit, 0))), id: nil)]
        }
        if let glibc {
            facts.append(Fact(label: "glibc", value: glibc.glibcVersion + " (layout from \(glibc.layoutSource.rawValue), arenas by \(glibc.arenaSource.rawValue))",
                              id: "glibc-version"))
            facts.append(Fact(label: "arenas", value: String(glibc.arenas.count), id: nil))
        }
        facts.append(Fact(label: "memory", value: "\(Format.bytes(info.memory.inCore)) in the core, \(Format.bytes(info.memory.fromFiles)) read from files, "
                          + "\(Format.bytes(info.memory.absent)) absent", id: nil))
        var html = HTML()
        html.facts(facts)
        if let glibc { html.mallinfo(glibc) }
        if !diagnostics.warnings.isEmpty {
            html.element("h3", text: "Warnings: part of this report is missing or may be wrong")
            html.element("ul", ["id": "warnings"]) { list in
                for warning in diagnostics.warnings { list.element("li", ["class": "bad"], text: warning.description) }
            }
        }
        for note in diagnostics.notes { html.note("note: " + note.message) }
        return Self(id: "summary", title: "Summary", body: html)
    }
}

extension HTML {
    /// mallinfo2 as the program would have read it, and whether the chunk walk adds up to it.
    mutating func mallinfo(_ glibc: GlibcHeapReport) {
        element("h3", text: "mallinfo2")
        let info = glibc.mallinfo
        let fields: [(String, UInt64)] = [("arena", info.arena), ("ordblks", info.ordblks), ("smblks", info.smblks), ("hblks", info.hblks),
                                          ("hblkhd", info.hblkhd), ("fsmblks", info.fsmblks), ("uordblks", info.uordblks),
                                          ("fordblks", info.fordblks), ("keepcost", info.keepcost)]
        facts(fields.map { Fact(label: $0.0, value: String($0.1), id: "mallinfo-" + $0.0) })
        if glibc.reconciliation.holds {
            note("The chunk walk adds up: used + tcache + overhead chunk bytes equal uordblks, free + top equal fordblks, mmapped equal hblkhd.")
        } else {
            element("p", ["class": "bad"], text: "The chunk walk does not add up to mallinfo2 (see heap --json, result.reconciliation).")
        }
    }
}
