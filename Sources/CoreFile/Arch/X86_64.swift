/// Every x86_64 fact coreinspect relies on, in one place: the order of the
/// kernel's `user_regs_struct`, the DWARF register numbers, and the layout of
/// the kernel's signal frame. It lives in CoreFile, the lowest layer, because
/// the note decoder needs the register order; Symbols and GoRuntime read the
/// rest from here. arm64 will be one more file like this one.
public enum X86_64 {
    /// `struct user_regs_struct`, as NT_PRSTATUS `pr_reg` stores it.
    public enum UserRegisters {
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

    /// DWARF register numbers, as CFI and libdwfl use them (System V x86_64 psABI).
    public enum DWARFRegisters {
        /// Registers 0…16 by number: rax rdx rcx rbx rsi rdi rbp rsp r8–r15 rip.
        public static let names = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
                                   "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"]
        public static let stackPointer: UInt32 = 7
        public static let programCounter: UInt32 = 16
    }

    /// The kernel's signal frame (`struct rt_sigframe`) as a handler finds it
    /// on its stack: the return address to the restorer, then the `ucontext_t`.
    public enum SignalFrame {
        /// The restorer's return address precedes the `ucontext_t`.
        public static let returnAddressSize: UInt64 = 8
        /// `uc_flags`, `uc_link` and `uc_stack` precede `uc_mcontext`.
        public static let machineContextOffset: UInt64 = 40
        /// Indices into `uc_mcontext.gregs` (`REG_RBP`, `REG_RSP`, `REG_RIP`), 8 bytes each.
        public static let rbp: UInt64 = 10, rsp: UInt64 = 15, rip: UInt64 = 16
    }
}

/// The name the note decoders and reports have always used.
public typealias X86_64UserRegisters = X86_64.UserRegisters
