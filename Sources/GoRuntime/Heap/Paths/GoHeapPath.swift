import Analysis
import CoreFile

/// An object of the heap as `why` shows it: where, how big, what type, live or garbage.
public struct GoHeapObjectRef: Sendable, Equatable {
    public var row: Int
    public var address: Address
    public var size: UInt64
    public var type: String
    public var state: AllocationState
}

/// One shortest path from a root to an object, one step per pointer followed.
public struct GoHeapPath: Sendable {
    public struct Step: Sendable {
        /// The object holding the pointer; nil for the first step, whose word is the root's.
        public var from: GoHeapObjectRef?
        /// The address of the pointer word; nil for a register or a word the runtime keeps
        /// elsewhere (a P's tiny block), or when the object could not be read again.
        public var word: Address?
        /// The field, index or slot the pointer sits in (`.Entries[3]`, `map value`, `+0x18`); for
        /// the first step, the root itself (`main.sessions`, `main.handle.next`).
        public var via: String
        /// The object the pointer leads into.
        public var to: GoHeapObjectRef
    }

    public var root: RootLabel
    public var steps: [Step]
}

/// What must be passed on every path from the roots to an object: what keeps it alive alone.
public enum GoHeapDominator: Sendable, Equatable {
    /// No single root or object: several roots reach the object by separate paths.
    case roots
    /// One root (a global, a goroutine frame …) holds it, directly or through objects only it reaches.
    case root(RootLabel)
    /// The frames of one goroutine hold it together ("goroutine 22").
    case rootGroup(String)
    case object(GoHeapObjectRef)
}

/// What `why` says about an address: the object holding it, and why that object is alive
/// (a path from a root and its immediate dominator) or that it is garbage (and what points to it).
public struct GoHeapWhy: Sendable {
    public var address: Address
    public var object: GoHeapObjectRef
    /// nil for garbage: no root reaches the object.
    public var path: GoHeapPath?
    /// nil when no dominator tree was given, or for garbage.
    public var dominator: GoHeapDominator?
    /// What the object keeps alive alone, itself included (its dominator subtree); nil as `dominator`.
    public var retainedBytes: UInt64?
    public var retainedObjects: Int?
    /// For garbage: the objects whose pointers lead to it (themselves garbage, or they would keep it alive).
    public var predecessors: [GoHeapObjectRef]
    /// Predecessors beyond those listed.
    public var omittedPredecessors: Int
}
