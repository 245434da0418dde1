import Analysis
import ArgumentParser
import CoreFile
import GlibcMalloc
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Leaks: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Leaked allocations of a C or C++ program's glibc malloc heap, as LeakSanitizer and Memcheck name them: direct (definitely lost), indirect (held only by other leaks; each cluster by its leader), possible (reachable only through interior pointers).",
        discussion: """
        Roots are every thread's registers, its stack from SP up, its static TLS and \
        dynamic TLS blocks, and every module's writable data (.data, .bss, relro), \
        libc's own state included. libc's own allocations (tcache structs, stdio \
        buffers…) are never reported; free chunks are never leaks. A Go program that \
        uses cgo gets its C heap's leaks, with its live Go objects and goroutine \
        stacks as roots too; Go's own heap has no leaks in this sense: see heap's \
        garbage and heap --retained.

        \(ExitStatus.helpText)
        """)

    @OptionGroup var options: CoreOptions

    @Option(name: .customLong("max-leaked-bytes"), help: "Exit 0 while the leaked bytes of the selected kinds stay at or under this budget.")
    var maxLeakedBytes: UInt64 = 0

    @Option(help: ArgumentHelp("The kinds that count as leaks, comma-separated.", valueName: "direct,indirect,possible"))
    var kinds: LeakKindSelection = LeakKindSelection(kinds: [.direct, .indirect, .possible])

    @Option(help: "Show this many groups (JSON lists them all).")
    var top = 20

    @Option(name: .customLong("profile"), help: ArgumentHelp(
        "Write the leaked allocations of the selected kinds as a gzipped pprof profile: stacks kind → type → size, sample types leaked_objects and leaked_space.",
        valueName: "leaks.pb.gz"))
    var profilePath: String?

    func run() throws {
        // Opened once here to tell a Go program apart; opened again inside the runner only
        // if this failed, so that the failure is reported and classified as every command's.
        let opened = try? ProcessImage(corePath: options.core, search: options.search)
        if let profilePath { try Heap.checkWritable(profilePath, option: "--profile") }
        if let opened, let buildInfo = GoBuildInfo.read(from: opened) {
            return try runCgo(process: opened, goVersion: buildInfo.goVersion)
        }
        try CommandRunner.run(command: "leaks", options: options) {
            let process = try opened ?? ProcessImage(corePath: options.core, search: options.search)
            let native = try? NativeSymbols(process: process, search: options.search)
            let heap = try GlibcHeap.read(process: process, symbols: native)
            let check = NativeLeakCheck(table: heap.table, process: process, allocatorOwned: heap.isLibcOwned,
                                        headerBytes: GlibcHeap.chunkHeaderBytes)
            return try outcome(heap: heap, heapName: "glibc \(heap.libcVersion)", check: check, process: process,
                               warnings: process.warnings + heap.warnings, notes: heap.notes)
        }
    }

    /// The report of a leak check, its warnings, the --profile file, and exit 7 over the budget.
    func outcome(heap: GlibcHeap, heapName: String, check: NativeLeakCheck, process: ProcessImage,
                 warnings: [Warning], notes: [Note]) throws -> CommandOutcome<LeaksReport> {
        let (report, leakWarnings) = Self.report(heap: heap, heapName: heapName, check: check, process: process,
                                                 kinds: kinds.kinds, maxLeakedBytes: maxLeakedBytes, top: top)
        var notes = notes
        if let profilePath {
            let written = try ProfileFile.write(PprofNamedProfile.leaks(report.allocations), to: profilePath)
            notes.append(Note("leaks profile written to \(profilePath): \(written.samples) samples, \(written.bytes) bytes"))
        }
        return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: warnings + leakWarnings,
                              notes: notes, verdict: report.overBudget ? .leaksFound : nil)
    }

    /// The leak check of a glibc heap with the native roots (`report`, `check`), with its warnings.
    static func check(heap: GlibcHeap, process: ProcessImage, kinds: Set<LeakKind>, maxLeakedBytes: UInt64,
                      top: Int) -> (LeaksReport, [Warning]) {
        let check = NativeLeakCheck(table: heap.table, process: process, allocatorOwned: heap.isLibcOwned,
                                    headerBytes: GlibcHeap.chunkHeaderBytes)
        return report(heap: heap, heapName: "glibc \(heap.libcVersion)", check: check, process: process,
                      kinds: kinds, maxLeakedBytes: maxLeakedBytes, top: top)
    }

    /// A leak check's report, and the warnings of its roots and reads.
    static func report(heap: GlibcHeap, heapName: String, check: NativeLeakCheck, process: ProcessImage,
                       kinds: Set<LeakKind>, maxLeakedBytes: UInt64, top: Int) -> (LeaksReport, [Warning]) {
        let report = LeaksReport(heap: heapName, table: heap.table, types: heap.types,
                                 classification: check.classification, libcOwned: heap.isLibcOwned,
                                 kinds: kinds, maxLeakedBytes: maxLeakedBytes, memory: process.memory, top: top)
        var warnings = check.roots.warnings.map { Warning($0) }
        if check.unreadableChunks > 0 {
            warnings.append(Warning("\(check.unreadableChunks) stretches of roots or heap could not be read; what they point to may be reported as leaked"))
        }
        return (report, warnings)
    }
}

/// `--kinds direct,indirect,possible`.
struct LeakKindSelection: ExpressibleByArgument {
    var kinds: Set<LeakKind>

    init(kinds: Set<LeakKind>) { self.kinds = kinds }

    init?(argument: String) {
        var kinds = Set<LeakKind>()
        for name in argument.split(separator: ",") {
            guard let kind = LeakKind.allCases.first(where: { $0.isLeak && $0.name == name }) else { return nil }
            kinds.insert(kind)
        }
        guard !kinds.isEmpty else { return nil }
        self.kinds = kinds
    }

    var defaultValueDescription: String { "direct,indirect,possible" }
}
