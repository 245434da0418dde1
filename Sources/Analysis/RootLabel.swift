/// What kind of thing keeps a root word alive, as a user would name it.
public enum RootKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// A global variable (module data or bss).
    case global
    /// A goroutine's (or thread's) stack frame.
    case goroutine
    /// A finalizer's function and the words of the object it finalizes.
    case finalizer
    /// A cleanup's function and argument.
    case cleanup
    /// A sync.Pool's per-P caches.
    case pool
    /// A thread's registers.
    case thread
    /// A runtime structure that is a GC root (a P's tiny block, a weak handle).
    case runtime
}

/// The name of a root, shared by every root word it covers: one global variable, one
/// goroutine frame, one finalizer.
///
/// Labels are what retained sizes are reported per, and where a path from the roots starts.
public struct RootLabel: Sendable, Hashable {
    public var kind: RootKind
    /// What the user knows the root by: "main.sessions", "goroutine 22 main.stackHolder",
    /// ".bss+0x1a0" for an unnamed word of a stripped binary.
    public var name: String
    /// More about it: a global's type, a goroutine's state, the object a finalizer is on.
    public var detail: String
    /// Labels with the same non-empty group are also one root as a whole: the frames of one
    /// goroutine ("goroutine 22"). Retained sizes are given per group too, so what two frames
    /// of a goroutine share (a live pointer and a stale copy in a callee's dead slot) is still
    /// charged to that goroutine.
    public var group: String

    public init(kind: RootKind, name: String, detail: String = "", group: String = "") {
        self.kind = kind
        self.name = name
        self.detail = detail
        self.group = group
    }
}
