import CoreFile
import ProcessImage

/// A thread's registers in DWARF numbering, for libdwfl's unwinder; the
/// numbering itself is in CoreFile's `X86_64.DWARFRegisters`.
enum X86_64DWARFRegisters {
    /// Registers 0…16 in DWARF order, taken from a thread's `user_regs_struct`.
    static func values(from registers: RegisterSet) -> [UInt64] {
        X86_64.DWARFRegisters.names.map { registers.value(named: $0) ?? 0 }
    }
}
