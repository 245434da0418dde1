import CoreFile

/// The exit statuses, documented once: `--help` and the README print this table.
enum ExitStatus: Int32, CaseIterable {
    case complete = 0
    case partial = 1
    case unusableCore = 2
    case executableProblem = 3
    case goRuntimeUnreadable = 4
    case unsupportedHeap = 5
    case addressNotInHeap = 6
    /// `leaks`: leaked bytes of the selected kinds exceed --max-leaked-bytes (0 by default).
    case leaksFound = 7
    /// `leaks` on a Go program: its collector frees what is unreachable, so nothing leaks in this sense.
    case goHasNoLeaks = 8
    /// `check`: one or more --fail-on rules were violated; one `FAIL` line each (on stderr too with --json).
    case gateFailed = 9
    /// `diff`, `check --baseline`: the two cores come from different executables (build-ids differ).
    case coresDiffer = 10
    /// --timeout expired: the answer printed is partial and marked incomplete.
    case timedOut = 11
    /// ArgumentParser exits with it for usage errors (EX_USAGE).
    case usage = 64
    /// EX_SOFTWARE: an error no layer classified, which is a bug to report.
    case internalError = 70

    /// The one place where an error's category decides the exit status.
    init(_ category: FailureCategory) {
        switch category {
        case .unusableCore: self = .unusableCore
        case .executableProblem: self = .executableProblem
        case .goRuntimeUnreadable: self = .goRuntimeUnreadable
        case .unsupportedHeap: self = .unsupportedHeap
        case .addressNotInHeap: self = .addressNotInHeap
        case .internalError: self = .internalError
        }
    }

    /// One line each: ArgumentParser wraps help at 80 columns.
    var meaning: String {
        switch self {
        case .complete: return "everything was shown; notes may say what stripped files lack"
        case .partial: return "a partial answer: warnings say what is missing or may be wrong"
        case .unusableCore: return "the core is unusable: not ELF, not a core, unsupported, or cut off"
        case .executableProblem: return "the executable is missing, or its build-id is not the core's (--force)"
        case .goRuntimeUnreadable: return "no readable Go runtime (goroutines, memstats, heap, why)"
        case .unsupportedHeap: return "no heap it can walk: neither Go nor glibc (heap, why)"
        case .addressNotInHeap: return "why: the address is in no allocated Go object or glibc chunk"
        case .leaksFound: return "leaks: more leaked bytes (--kinds) than --max-leaked-bytes allows"
        case .goHasNoLeaks: return "leaks: a Go program with no C heap (cgo): see heap and heap --retained"
        case .gateFailed: return "check: one or more --fail-on rules were violated"
        case .coresDiffer: return "diff, check --baseline: the cores are of different executables"
        case .timedOut: return "--timeout expired: the answer is partial and marked incomplete"
        case .usage: return "usage error"
        case .internalError: return "internal error in coreinspect: please report it"
        }
    }

    /// The table for `--help`, one status a line.
    static var helpText: String {
        "Exit status:\n" + allCases.map { status in
            let code = String(status.rawValue)
            return "  " + code + String(repeating: " ", count: 4 - code.count) + status.meaning
        }.joined(separator: "\n")
    }
}
