/// The kernel's `struct user_regs_struct` for x86_64, as stored in
/// NT_PRSTATUS `pr_reg`. Architecture facts live in one file per
/// architecture, so arm64 is one more file like this one.
public enum X86_64UserRegisters {
    public static let names = [
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
        "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
        "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
    ]
    public static let count = 27

    public static let rbp = 4
    public static let rip = 16
    public static let rsp = 19
    public static let fsBase = 21

    public static func index(of name: String) -> Int? { names.firstIndex(of: name) }
}
