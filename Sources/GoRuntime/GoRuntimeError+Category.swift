import CoreFile

extension GoRuntimeError: CategorizedError {
    /// Every Go runtime failure means the same to a user: no goroutines.
    public var category: FailureCategory { .goRuntimeUnreadable }
}
