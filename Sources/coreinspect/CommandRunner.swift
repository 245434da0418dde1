import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import CoreFile
import GoRuntime
import ProcessImage
import Reports

/// Runs one command's body and turns its outcome into output and an exit
/// status, so every command fails and warns the same way.
enum CommandRunner {
    enum Status: Int32 {
        case complete = 0
        case partial = 1
        case unusableCore = 2
        case executableProblem = 3
        /// `goroutines` on a program that is not Go, or whose runtime cannot be read.
        case goRuntimeUnreadable = 4
    }

    /// `body` opens what it needs and returns its report with every warning.
    static func run<Result: Encodable>(command: String, options: CoreOptions, body: () throws -> CommandOutcome<Result>) throws {
        do {
            let outcome = try body()
            let warnings = outcome.warnings.map(\.message)
            if options.json {
                print(ReportDocument(command: command, core: options.core, warnings: warnings, result: outcome.result).json())
            } else {
                print(outcome.text(TextStyle.forStandardOutput()))
                for warning in warnings { printError("warning: \(warning)") }
            }
            if !warnings.isEmpty { throw ExitCode(Status.partial.rawValue) }
        } catch let error as CoreInspectError {
            printError("coreinspect: \(error)")
            throw ExitCode(status(for: error).rawValue)
        } catch let error as GoRuntimeError {
            printError("coreinspect: \(options.core): \(error)")
            throw ExitCode(Status.goRuntimeUnreadable.rawValue)
        }
    }

    static func status(for error: CoreInspectError) -> Status {
        switch error {
        case .missingFile, .buildIDMismatch: return .executableProblem
        default: return .unusableCore
        }
    }

    static func printError(_ message: String) {
        // write(2) rather than the C `stderr` global, which Swift 6 treats as shared mutable state.
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

/// What a command produced: the report, how to print it, and what made it partial.
struct CommandOutcome<Result: Encodable> {
    var result: Result
    var text: (TextStyle) -> String
    var warnings: [Warning]
}
