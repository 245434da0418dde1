import CoreFile
import ProcessImage

/// x86_64 register numbering for DWARF and libdwfl: rax rdx rcx rbx rsi rdi
/// rbp rsp r8–r15 rip. One file per architecture keeps arm64 a new file.
enum X86_64DWARFRegisters {
    static let names = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
                        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip"]

    /// Registers 0…16 in DWARF order, taken from a thread's `user_regs_struct`.
    static func values(from registers: RegisterSet) -> [UInt64] {
        names.map { registers.value(named: $0) ?? 0 }
    }
}
