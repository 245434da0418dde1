import ArgumentParser
import CoreFile
import Foundation
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one self-contained HTML page about the dump: summary, heap treemaps by type and by retention, goroutine groups, threads with their stacks, leaks. It fetches nothing from the network: the CI artifact to open first.",
        discussion: """
        Sections a dump cannot have (goroutines without a Go runtime, leaks on a Go heap) \
        say why instead. A section whose data could not be read says so and adds a warning \
        (status 1); the page is written all the same.

        \(ExitStatus.helpText)
        """)

    @OptionGroup var options: CoreOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the page.", valueName: "report.html"))
    var output: String

    @Option(help: "Types, roots and groups per table and treemap, largest first.")
    var top = 40

    @OptionGroup var stack: StackOptions

    /// What the heap parts of the page add to the summary and to the run's diagnostics.
    struct HeapParts {
        var sections: [HTMLReport.Section] = []
        var memStats: MemStatsReport?
        var glibc: GlibcHeapReport?
        var warnings: [Warning] = []
        var notes: [Note] = []
    }

    func run() throws {
        try Heap.checkWritable(output, option: "--output")
        try CommandRunner.run(command: "report", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let symbols = try NativeSymbols(process: process, search: options.search)
            var warnings = process.warnings
            let go = GoProcess.ifGoProgram(process: process, native: symbols, warnings: &warnings)
            let parts = go.map { goParts(process: process, go: $0) } ?? glibcParts(process: process, symbols: symbols)
            let info = InfoReport(process: process, debugInfo: process.modules.map(symbols.debugInfo(for:)),
                                  goBuildInfo: go?.buildInfo ?? GoBuildInfo.read(from: process))
            let threads = ThreadSnapshot.all(process: process, native: symbols, go: go, maxFrames: stack.maxFrames)
            let notes = symbols.debugInfoNotes(for: threads.map(\.stack), process: process, goExecutable: go == nil ? nil : process.mainExecutable)
            let diagnostics = Diagnostics(warnings: warnings + (go?.allWarnings ?? []) + parts.warnings, notes: notes + parts.notes)

            var page = HTMLReport(title: "coreinspect report: \(info.process.command ?? "process") pid \(info.process.pid.map(String.init) ?? "?")")
            page.append(.summary(info: info, memStats: parts.memStats, glibc: parts.glibc, diagnostics: diagnostics))
            parts.sections.forEach { page.append($0) }
            page.append(.threads(ThreadsReport(pid: process.processInfo?.pid, threads: threads, includeRegisters: false)))
            let html = page.render()
            try Data(html.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            let result = HTMLReportResult(path: output, bytes: html.utf8.count, sections: page.entries)
            return CommandOutcome(result: result, text: { result.text(style: $0) }, diagnostics: diagnostics)
        }
    }
}
