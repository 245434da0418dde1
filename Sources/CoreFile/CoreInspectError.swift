/// Every failure coreinspect reports, with the context a user needs to act.
///
/// One enum for the file layers, each case with a `category` that decides
/// the exit status (see `FailureCategory`), so the CLI needs no knowledge of
/// which layer raised it.
public enum CoreInspectError: CategorizedError, Equatable, Sendable {
    /// A file could not be opened or mapped (`errno` text in `reason`).
    case unreadableFile(path: String, reason: String)
    /// The file does not start with the ELF magic.
    case notELF(path: String)
    /// A valid ELF file that is not a core dump (`e_type` is not ET_CORE).
    case notACore(path: String, elfType: String)
    /// A core we understand the format of but do not support (32-bit, big-endian, another machine).
    case unsupportedCore(path: String, reason: String)
    /// The file ends before a structure it declares.
    case truncated(path: String, what: String)
    /// A structure inside the file is inconsistent.
    case malformed(path: String, what: String)
    /// No mapping covers the address.
    case unmapped(address: Address)
    /// A mapping covers the address but its bytes are neither in the core nor in a file we have.
    case notInCore(address: Address, file: String?)
    /// A file needed for symbols or memory was not found.
    case missingFile(path: String, purpose: String)
    /// A file was found but its build-id differs from the one the core recorded.
    case buildIDMismatch(path: String, expected: String, found: String)
    /// An elfutils call failed; `function` names the C function, as eu-stack's messages do.
    case elfutils(function: String, message: String)
    /// A runtime structure lacks a field we need.
    case missingField(type: String, field: String)
}

extension CoreInspectError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason): return "\(path): cannot read: \(reason)"
        case let .notELF(path): return "\(path): not an ELF file"
        case let .notACore(path, type):
            let executable = type == "ET_EXEC" || type == "ET_DYN"
            return "\(path): not a core dump (ELF type \(type))"
                + (executable ? "; an executable or library goes with --exe, after the core (threads <core> --exe \(path)), or alone to info and symbolize" : "")
        case let .unsupportedCore(path, reason): return "\(path): unsupported core: \(reason)"
        case let .truncated(path, what): return "\(path): truncated: \(what)"
        case let .malformed(path, what): return "\(path): malformed: \(what)"
        case let .unmapped(address): return "address \(address.hex) is not mapped in the process"
        case let .notInCore(address, file):
            if let file { return "address \(address.hex) is in \(file), which is not available" }
            return "address \(address.hex) is mapped but its contents are not in the core"
        case let .missingFile(path, purpose): return "\(path): not found (needed for \(purpose))"
        case let .buildIDMismatch(path, expected, found):
            return "\(path): build-id \(found) does not match the core's \(expected)"
        case let .elfutils(function, message): return "\(function): \(message)"
        case let .missingField(type, field): return "type \(type) has no field \(field)"
        }
    }
}

extension CoreInspectError {
    /// A file named on the command line, or one needed in its place, is the
    /// executable's problem; anything wrong inside the core is the core's.
    public var category: FailureCategory {
        switch self {
        case .missingFile, .buildIDMismatch: return .executableProblem
        case .unreadableFile, .notELF, .notACore, .unsupportedCore, .truncated, .malformed, .unmapped, .notInCore, .elfutils, .missingField:
            return .unusableCore
        }
    }
}
