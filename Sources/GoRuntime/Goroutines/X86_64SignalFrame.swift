import CoreFile
import ProcessImage

/// The kernel's x86_64 signal frame (`struct rt_sigframe`), as a signal
/// handler finds it on its stack: the return address to the restorer, then
/// the `ucontext_t` holding the interrupted registers. One file per
/// architecture, as for the other register maps.
enum X86_64SignalFrame {
    /// `uc_flags`, `uc_link` and `uc_stack` precede `uc_mcontext`.
    private static let machineContextOffset: UInt64 = 40
    /// `gregs[REG_RBP]`, `gregs[REG_RSP]`, `gregs[REG_RIP]`.
    private static let rbp: UInt64 = 10, rsp: UInt64 = 15, rip: UInt64 = 16

    /// The registers the signal interrupted, given the address of the frame's return-address slot.
    static func interruptedRegisters(returnSlot: Address, memory: MemoryReader) throws -> (pc: Address, sp: Address, bp: Address) {
        let context = returnSlot.advanced(by: 8 + machineContextOffset)
        return (try memory.readPointer(at: context.advanced(by: rip * 8)),
                try memory.readPointer(at: context.advanced(by: rsp * 8)),
                try memory.readPointer(at: context.advanced(by: rbp * 8)))
    }
}
