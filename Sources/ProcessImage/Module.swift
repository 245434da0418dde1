import CoreFile

/// A loaded ELF object: the executable, a shared library or the vDSO.
public struct Module: Sendable {
    public enum Kind: String, Sendable {
        case executable, library, vdso
    }

    public enum FileStatus: Sendable {
        /// Found, and its build-id matches the core (or the core recorded none).
        case found(LocatedFile)
        /// Found but with another build-id, and used anyway because of `--force`.
        case forced(LocatedFile)
        /// Found only with another build-id, and not used.
        case mismatched(path: String, found: BuildID?)
        case missing
        /// Lives in memory only (the vDSO); its bytes are in the core.
        case inMemory
    }

    /// The path NT_FILE recorded, or `[vdso]`.
    public var name: String
    public var kind: Kind
    public var range: AddressRange
    /// The address of the mapping at file offset 0: where the ELF header is.
    public var base: Address
    /// The build-id read from the ELF headers in the core's memory, when the core kept them.
    public var coreBuildID: BuildID?
    public var file: FileStatus

    public var located: LocatedFile? {
        switch file {
        case let .found(located), let .forced(located): return located
        default: return nil
        }
    }

    /// The best build-id we know: the core's, else the file's.
    public var buildID: BuildID? { coreBuildID ?? located?.buildID }

    public var buildIDMatches: Bool? {
        guard let coreBuildID, let fileID = located?.buildID else { return nil }
        return coreBuildID == fileID
    }

    public var hasDebugInfo: Bool { located?.elf?.hasDebugInfo ?? false }
}
