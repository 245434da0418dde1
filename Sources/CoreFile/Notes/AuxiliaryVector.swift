/// NT_AUXV: the (type, value) pairs the kernel passed to the process.
public struct AuxiliaryVector: Sendable, NamedFields {
    public struct Entry: Hashable, Sendable {
        public var type: UInt64
        public var value: UInt64
        public var name: String { AuxiliaryVector.names[type] ?? "AT_\(type)" }
    }

    /// AT_PHDR
    public static let programHeaders: UInt64 = 3
    /// AT_ENTRY
    public static let entry: UInt64 = 9
    /// AT_EXECFN
    public static let executableName: UInt64 = 31
    /// AT_SYSINFO_EHDR: where the kernel mapped the vDSO.
    public static let vdso: UInt64 = 33

    public var entries: [Entry]

    public init(descriptor view: ByteView) {
        var entries: [Entry] = []
        var offset: UInt64 = 0
        // Stops at AT_NULL or at the descriptor's end, whichever comes first.
        while let type = view.load(UInt64.self, at: offset), let value = view.load(UInt64.self, at: offset + 8), type != 0 {
            entries.append(Entry(type: type, value: value))
            offset += 16
        }
        self.entries = entries
    }

    public subscript(type: UInt64) -> UInt64? { entries.first { $0.type == type }?.value }

    public var fields: [NoteField] { entries.map { NoteField($0.name, hex($0.value)) } }

    static let names: [UInt64: String] = [
        1: "AT_IGNORE", 2: "AT_EXECFD", 3: "AT_PHDR", 4: "AT_PHENT", 5: "AT_PHNUM",
        6: "AT_PAGESZ", 7: "AT_BASE", 8: "AT_FLAGS", 9: "AT_ENTRY", 10: "AT_NOTELF",
        11: "AT_UID", 12: "AT_EUID", 13: "AT_GID", 14: "AT_EGID", 15: "AT_PLATFORM",
        16: "AT_HWCAP", 17: "AT_CLKTCK", 23: "AT_SECURE", 24: "AT_BASE_PLATFORM",
        25: "AT_RANDOM", 26: "AT_HWCAP2", 27: "AT_RSEQ_FEATURE_SIZE", 28: "AT_RSEQ_ALIGN",
        29: "AT_HWCAP3", 30: "AT_HWCAP4", 31: "AT_EXECFN", 33: "AT_SYSINFO_EHDR",
        51: "AT_MINSIGSTKSZ",
    ]
}
