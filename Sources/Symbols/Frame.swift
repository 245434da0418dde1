import CoreFile

/// One frame of a stack, after symbolization, wherever the stack came from:
/// CFI unwinding of a native thread, the pclntab walk of a goroutine, or a
/// recorded allocation stack. An inlined call is a frame of its own that
/// shares its `pc` with the frame it was inlined into.
public struct Frame: Sendable, Hashable {
    public var pc: Address
    /// False for return addresses: their lookup uses `pc - 1`, the call instruction.
    public var isActivation: Bool
    public var function: String?
    /// Offset of `pc` from the function symbol's start, when known from the symbol table.
    public var offset: UInt64?
    public var module: String?
    public var file: String?
    public var line: Int?
    public var column: Int?
    public var isInlined: Bool

    public init(pc: Address, isActivation: Bool, function: String? = nil, offset: UInt64? = nil, module: String? = nil,
                file: String? = nil, line: Int? = nil, column: Int? = nil, isInlined: Bool = false) {
        self.pc = pc
        self.isActivation = isActivation
        self.function = function
        self.offset = offset
        self.module = module
        self.file = file
        self.line = line
        self.column = column
        self.isInlined = isInlined
    }

    /// The address to look symbols up at: a return address points after the call.
    public var lookupPC: Address { isActivation ? pc : pc.retreated(by: 1) }
}

/// A stack, innermost frame first: a thread's, a goroutine's, or the call
/// stack of an allocation site in a heap profile. Frames hold `Address`es;
/// rendering them as text or JSON is the reports' business.
public struct Stack: Sendable, Hashable {
    public var frames: [Frame]
    /// Why unwinding stopped early, when it did not reach a natural end.
    public var stopReason: String?
    /// True when the frame limit, a loop or unreadable memory cut the stack short.
    public var truncated: Bool

    public init(frames: [Frame], stopReason: String? = nil, truncated: Bool = false) {
        self.frames = frames
        self.stopReason = stopReason
        self.truncated = truncated
    }
}
