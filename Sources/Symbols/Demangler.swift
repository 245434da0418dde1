import CElfUtils

#if canImport(Glibc)
import Glibc
#endif

/// C++ names through libstdc++'s own demangler, as eu-stack and gdb use.
public enum Demangler {
    /// Demangles Itanium ABI names (`_Z…`); returns anything else unchanged.
    public static func demangle(_ name: String) -> String {
        guard name.hasPrefix("_Z") else { return name }
        var status: Int32 = -1
        guard let result = __cxa_demangle(name, nil, nil, &status) else { return name }
        defer { free(result) }
        return status == 0 ? String(cString: result) : name
    }
}
