import CoreFile
import ProcessImage

/// Reads the registers a signal interrupted out of the kernel's x86_64
/// signal frame; the layout itself is in CoreFile's `X86_64.SignalFrame`.
enum X86_64SignalFrame {
    private typealias Layout = X86_64.SignalFrame

    /// The registers the signal interrupted, given the address of the frame's return-address slot.
    static func interruptedRegisters(returnSlot: Address, memory: MemoryReader) throws -> (pc: Address, sp: Address, bp: Address) {
        let context = returnSlot.advanced(by: Layout.returnAddressSize + Layout.machineContextOffset)
        return (try memory.readPointer(at: context.advanced(by: Layout.rip * 8)),
                try memory.readPointer(at: context.advanced(by: Layout.rsp * 8)),
                try memory.readPointer(at: context.advanced(by: Layout.rbp * 8)))
    }
}
