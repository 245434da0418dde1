/// What kind of input made a command fail. The category, not the error's
/// type, decides the exit status, so every layer can throw its own error
/// type and still exit the documented way.
public enum FailureCategory: Sendable, Hashable, CaseIterable {
    /// Not a core, an unsupported one, or one whose headers are cut off.
    case unusableCore
    /// The executable is missing, unreadable or not the one that made the core.
    case executableProblem
    /// The Go runtime cannot be read: not a Go program, or its pclntab,
    /// layouts or goroutine list cannot be used.
    case goRuntimeUnreadable
    /// A heap command met a program whose heap it cannot walk: neither Go nor a glibc layout it knows.
    case unsupportedHeap
    /// A fault in coreinspect itself: an error no layer classified.
    case internalError
}

/// An error that knows its category. Every error a command can end with
/// conforms, or is wrapped in `CategorizedFailure`.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: FailureCategory { get }
}

/// Any error, filed under the category of the step that raised it: a
/// pclntab the `goroutines` command cannot read is a Go-runtime failure,
/// whichever layer's error type reported it.
public struct CategorizedFailure: CategorizedError {
    public var category: FailureCategory
    /// What the step worked on, such as the core's path; printed first.
    public var subject: String?
    public var underlying: any Error

    public init(_ category: FailureCategory, subject: String? = nil, underlying: any Error) {
        self.category = category
        self.subject = subject
        self.underlying = underlying
    }

    public var description: String {
        let message = "\(underlying)"
        guard let subject, !message.hasPrefix(subject) else { return message }
        return "\(subject): \(message)"
    }

    /// Runs `body`, re-filing any error it throws under `category`.
    public static func filing<T>(as category: FailureCategory, subject: String? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as CategorizedFailure where error.category == category {
            throw error
        } catch {
            throw CategorizedFailure(category, subject: subject, underlying: error)
        }
    }
}
