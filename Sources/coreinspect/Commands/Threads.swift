import ArgumentParser
import CoreFile
import GoRuntime
import ProcessImage
import Reports
import Symbols

struct Threads: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every thread's stack: the signaled thread first, inlined calls as frames of their own.",
        discussion: ExitStatus.helpText)

    @OptionGroup var options: CoreOptions

    @Flag(help: "Also show each thread's registers.")
    var registers = false

    @Flag(help: "In a Go program, also list every goroutine with its stack.")
    var goroutines = false

    @OptionGroup var stack: StackOptions

    func run() throws {
        try CommandRunner.run(command: "threads", options: options) {
            let process = try ProcessImage(corePath: options.core, search: options.search)
            let symbols = try NativeSymbols(process: process, search: options.search)
            var warnings = process.warnings
            // A Go runtime that cannot be read costs the goroutine names only: a warning, not a failure.
            let go = GoProcess.ifGoProgram(process: process, native: symbols, warnings: &warnings)
            let threads = ThreadSnapshot.all(process: process, native: symbols, go: go, maxFrames: stack.maxFrames)
            let goroutineReport = goroutines ? go.map {
                GoroutinesReport(goVersion: $0.buildInfo.goVersion, layoutSource: $0.layoutSource,
                                 goroutines: $0.snapshots(threads: process.threads, maxFrames: stack.maxFrames))
            } : nil
            let report = ThreadsReport(pid: process.processInfo?.pid, threads: threads, includeRegisters: registers, goroutines: goroutineReport)
            let notes = symbols.debugInfoNotes(for: threads.map(\.stack), process: process, goExecutable: go == nil ? nil : process.mainExecutable)
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: warnings + (go?.allWarnings ?? []), notes: notes)
        }
    }
}
