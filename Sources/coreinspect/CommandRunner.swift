import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import CoreFile
import Reports

/// Runs one command's body and turns its outcome into output and an exit
/// status, so every command fails, warns and notes the same way.
enum CommandRunner {
    /// `body` opens what it needs and returns its report with every warning and note.
    static func run<Result: Encodable>(command: String, options: CoreOptions, body: () throws -> CommandOutcome<Result>) throws {
        ProgressLine.installIfWanted(quiet: options.quiet)
        try run(command: command, subject: options.core, json: options.json, timeout: options.timeout, body: body)
    }

    /// For commands whose subject is not a core (`symbolize EXE`).
    static func run<Result: Encodable>(command: String, subject: String, json: Bool, timeout: Double? = nil,
                                       body: () throws -> CommandOutcome<Result>) throws {
        let status: ExitStatus
        if let timeout { AnalysisDeadline.start(seconds: timeout) }
        do {
            let outcome = try body()
            var diagnostics = outcome.diagnostics
            let stopped = AnalysisDeadline.stoppedStages
            if !stopped.isEmpty {
                diagnostics.add(Warning(expiry(timeout, stopped) + ": the answer is what was found by then", kind: .timeout))
            }
            if json {
                var document = ReportDocument(command: command, core: subject, diagnostics: diagnostics, result: outcome.result)
                if !stopped.isEmpty { document.incomplete = true }
                print(document.json())
            } else {
                print(outcome.text(TextStyle.forStandardOutput()))
                for note in diagnostics.notes { printError("note: \(note)") }
                for warning in diagnostics.warnings { printError("warning: \(warning)") }
            }
            // A timed-out answer is partial whatever it says (unmarked rows look leaked): 11 wins.
            status = !stopped.isEmpty ? .timedOut : outcome.verdict ?? (diagnostics.hasWarnings ? .partial : .complete)
        } catch let error as CategorizedError {
            // An analysis cut short can fail for want of what it did not read ("no object holds
            // the address"): that is the timeout's doing, and says so.
            let stopped = AnalysisDeadline.stoppedStages
            if stopped.isEmpty {
                printError("coreinspect: \(error)")
                status = ExitStatus(error.category)
            } else {
                printError("coreinspect: " + expiry(timeout, stopped) + ", before an answer: \(error)")
                status = .timedOut
            }
        } catch {
            // Every layer's errors are categorized; one that is not is a bug,
            // and must not pass for ArgumentParser's status 1 ("partial").
            printError("coreinspect: \(subject): internal error: \(error)")
            status = .internalError
        }
        if status != .complete { throw ExitCode(status.rawValue) }
    }

    /// What --timeout cut short, for the warning or the error that reports it.
    private static func expiry(_ timeout: Double?, _ stopped: [String]) -> String {
        "--timeout \(timeout ?? 0) s expired during \(stopped.joined(separator: ", "))"
    }

    static func printError(_ message: String) {
        // write(2) rather than the C `stderr` global, which Swift 6 treats as shared mutable state.
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

/// What a command produced: the report, how to print it, and its warnings and notes.
struct CommandOutcome<Result: Encodable> {
    var result: Result
    var text: (TextStyle) -> String
    var diagnostics: Diagnostics
    /// A status the command decides from its answer (leaks found), over complete or partial.
    var verdict: ExitStatus?

    init(result: Result, text: @escaping (TextStyle) -> String, diagnostics: Diagnostics, verdict: ExitStatus? = nil) {
        self.result = result
        self.text = text
        self.diagnostics = diagnostics
        self.verdict = verdict
    }

    init(result: Result, text: @escaping (TextStyle) -> String, warnings: [Warning], notes: [Note] = [],
         verdict: ExitStatus? = nil) {
        self.init(result: result, text: text, diagnostics: Diagnostics(warnings: warnings, notes: notes), verdict: verdict)
    }
}
