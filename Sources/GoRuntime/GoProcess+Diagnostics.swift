import CoreFile

extension GoProcess {
    /// Everything that made the Go side of the answer partial: the runtime's
    /// warnings and the symbol table's (no moduledata, so no inlined calls;
    /// a moduledata layout taken from another release).
    public var allWarnings: [Warning] {
        warnings + symbols.warnings.map { warning in
            warning.kind == .other ? Warning(warning.message, kind: .incompleteSymbols, count: warning.count) : warning
        }
    }
}
