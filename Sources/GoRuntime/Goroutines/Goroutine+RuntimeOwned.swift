extension GoProcess {
    /// Whether the runtime started this goroutine for itself (GC workers, the scavenger, the
    /// finalizer goroutine…): runtime.NumGoroutine leaves those out.
    ///
    /// The runtime's own test (`isSystemGoroutine`) looks at the function the goroutine started
    /// in: one in package runtime is the runtime's, except runtime.main (the main goroutine) and
    /// runtime.corostart (iter.Pull's coroutines run user code). It counts the finalizer goroutine
    /// as the program's while it runs a finalizer; here it is always the runtime's.
    /// A start PC outside every function reads as the program's, as the runtime's test does.
    public func isRuntimeOwned(_ goroutine: Goroutine) -> Bool {
        guard let name = symbols.function(containing: goroutine.startPC)?.name else { return false }
        return name.hasPrefix("runtime.") && name != "runtime.main" && name != "runtime.corostart"
    }
}
