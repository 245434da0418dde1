import CoreFile

/// One Go function as the pclntab describes it: a physical function with
/// code of its own, not one inlined into another.
public struct GoFunction: Hashable, Sendable {
    /// The package-qualified name the runtime prints: `main.main`, `sync.(*Mutex).Lock`.
    public var name: String
    public var entry: Address
    /// Where the next function starts: any padding after the last instruction counts as this function's.
    public var end: Address
    /// `abi.FuncID`: nonzero for the few runtime functions tracebacks treat specially
    /// (goexit, mstart, systemstack, …) and for wrappers. The numbering changes
    /// between releases (1.25 inserted runFinalizers and runCleanups), so compare
    /// names, not numbers, across versions.
    public var funcID: UInt8
    /// `abi.FuncFlag`: 1 top frame, 2 writes SP arbitrarily, 4 assembly.
    public var flags: UInt8
    /// The line of the `func` keyword or TEXT directive; `nil` before Go 1.20, which did not record it.
    public var startLine: Int?
    /// True when calls were inlined into this function, so `frames(at:)` may return more than one frame.
    public var hasInlineTree: Bool

    public var range: AddressRange { AddressRange(start: entry, end: end) }

    /// `abi.FuncFlagTopFrame`: goexit, mstart and the like, where a traceback ends normally.
    public var isTopFrame: Bool { flags & 1 != 0 }
    /// `abi.FuncFlagSPWrite`: the pcsp table cannot describe this function's frame; unwinding past it is unsafe.
    public var writesStackPointer: Bool { flags & 2 != 0 }

    public init(name: String, entry: Address, end: Address, funcID: UInt8, flags: UInt8 = 0,
                startLine: Int? = nil, hasInlineTree: Bool = false) {
        self.name = name
        self.entry = entry
        self.end = end
        self.funcID = funcID
        self.flags = flags
        self.startLine = startLine
        self.hasInlineTree = hasInlineTree
    }
}

/// One source-level frame at a PC: an inlined call or the physical function
/// that holds the code, as Go's own tracebacks list them.
public struct GoSourceFrame: Hashable, Sendable {
    public var function: String
    /// The file path as the compiler recorded it (absolute, or `$GOROOT/src/…` with -trimpath).
    public var file: String?
    /// For the innermost frame, the line of the PC itself; for each outer
    /// frame, the line of the call that was inlined.
    public var line: Int?
    public var isInlined: Bool
    /// The PC the frames were asked for; every frame of one lookup shares it.
    public var pc: Address

    public init(function: String, file: String?, line: Int?, isInlined: Bool, pc: Address) {
        self.function = function
        self.file = file
        self.line = line
        self.isInlined = isInlined
        self.pc = pc
    }
}
