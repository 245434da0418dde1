import CoreFile
import ProcessImage
import Symbols

/// Where the runtime's global variables (`runtime.mheap_`, `runtime.memstats`,
/// `runtime.gcController`, `runtime.allgs` …) live in the dumped process.
///
/// With DWARF the answer is the variable's address plus the load bias. Stripped
/// binaries (`-s -w`) keep no data symbols, so each heap feature that needs a
/// global finds it another way (by shape, or through the code that references
/// it) in an extension of its own, and checks what it found before trusting it.
public struct GoRuntimeGlobals: @unchecked Sendable {
    /// The executable's DWARF, when it has any.
    public let dwarf: DWARFIndex?
    /// Load bias of the executable: 0 for Go's usual non-PIE builds.
    public let bias: UInt64

    public init(dwarf: DWARFIndex?, bias: UInt64) {
        self.dwarf = dwarf
        self.bias = bias
    }

    /// The run-time address of a global named as DWARF names it ("runtime.mheap_"), or nil
    /// when the binary has no DWARF entry for it.
    public func symbolAddress(_ name: String) -> Address? {
        dwarf?.variableAddress(name).map { Address($0 &+ bias) }
    }
}
