import CoreFile

/// One OS thread of the dumped process.
public struct ProcessThread: Sendable {
    public var tid: Int32
    /// Known for the main thread only: cores record the process's `comm`, not each thread's.
    public var name: String?
    public var registers: RegisterSet
    /// The signal this thread was handling when the core was written, if any.
    public var signal: SignalInfo?
    public var tookSignal: Bool

    public var pc: Address { Address(registers.value(X86_64UserRegisters.rip)) }
    public var sp: Address { Address(registers.value(X86_64UserRegisters.rsp)) }
}

/// General registers in the kernel's `user_regs_struct` order, with names.
public struct RegisterSet: Sendable {
    public var values: [UInt64]

    public init(values: [UInt64]) { self.values = values }

    public func value(_ index: Int) -> UInt64 { index < values.count ? values[index] : 0 }

    public func value(named name: String) -> UInt64? {
        X86_64UserRegisters.index(of: name).map(value)
    }

    public var named: [(name: String, value: UInt64)] {
        zip(X86_64UserRegisters.names, values).map { ($0, $1) }
    }
}
