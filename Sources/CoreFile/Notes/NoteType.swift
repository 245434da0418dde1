/// The note types found in Linux cores. A note's type number only means
/// something together with its owner ("CORE" type 3 is NT_PRPSINFO, "GNU"
/// type 3 is NT_GNU_BUILD_ID), so both pick the case.
public enum NoteType: Hashable, Sendable {
    /// NT_PRSTATUS: one thread's registers and signal state.
    case prstatus
    /// NT_PRFPREG (NT_FPREGSET): one thread's x87/SSE registers.
    case fpregset
    /// NT_PRPSINFO: process name, arguments, ids.
    case prpsinfo
    /// NT_AUXV: the auxiliary vector the kernel gave the process.
    case auxv
    /// NT_SIGINFO: the `siginfo_t` of the signal being handled.
    case siginfo
    /// NT_FILE: file-backed mappings with their paths and offsets.
    case file
    /// NT_X86_XSTATE: AVX and later register state.
    case x86XState
    /// NT_GDB_TDESC: gdb's target description XML.
    case gdbTargetDescription
    /// NT_GNU_BUILD_ID
    case gnuBuildID
    /// NT_GNU_ABI_TAG
    case gnuABITag
    /// NT_GNU_PROPERTY_TYPE_0
    case gnuProperty
    /// Go's build ID note (owner "Go", type 4; the `.note.go.buildid` section).
    case goBuildID
    case other(owner: String, type: UInt32)

    public init(owner: String, type: UInt32) {
        switch (owner, type) {
        case ("CORE", 1): self = .prstatus
        case ("CORE", 2): self = .fpregset
        case ("CORE", 3): self = .prpsinfo
        case ("CORE", 6): self = .auxv
        case ("CORE", 0x5349_4749): self = .siginfo
        case ("CORE", 0x4649_4c45): self = .file
        case ("LINUX", 0x202): self = .x86XState
        case ("GDB", 0xff0): self = .gdbTargetDescription
        case ("GNU", 1): self = .gnuABITag
        case ("GNU", 3): self = .gnuBuildID
        case ("GNU", 5): self = .gnuProperty
        case ("Go", 4): self = .goBuildID
        default: self = .other(owner: owner, type: type)
        }
    }

    /// The C constant's name, as eu-readelf and the kernel headers spell it.
    public var cName: String {
        switch self {
        case .prstatus: return "NT_PRSTATUS"
        case .fpregset: return "NT_FPREGSET"
        case .prpsinfo: return "NT_PRPSINFO"
        case .auxv: return "NT_AUXV"
        case .siginfo: return "NT_SIGINFO"
        case .file: return "NT_FILE"
        case .x86XState: return "NT_X86_XSTATE"
        case .gdbTargetDescription: return "NT_GDB_TDESC"
        case .gnuBuildID: return "NT_GNU_BUILD_ID"
        case .gnuABITag: return "NT_GNU_ABI_TAG"
        case .gnuProperty: return "NT_GNU_PROPERTY_TYPE_0"
        case .goBuildID: return "NT_GO_BUILDID"
        case let .other(_, type): return "0x" + String(type, radix: 16)
        }
    }
}
