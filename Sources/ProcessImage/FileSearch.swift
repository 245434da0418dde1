import CoreFile

/// Where to look for the files a core names, as eu-stack looks: an explicit
/// executable, then the recorded paths (under a sysroot when given), then
/// build-id indexes in debug directories.
public struct FileSearch: Sendable {
    public var executable: String?
    public var sysroot: String?
    public var debugDirectories: [String]
    /// Use files whose build-id differs from the core's, with a warning.
    public var force: Bool

    public static let systemDebugDirectory = "/usr/lib/debug"

    public init(executable: String? = nil, sysroot: String? = nil, debugDirectories: [String] = [], force: Bool = false) {
        self.executable = executable
        self.sysroot = sysroot
        self.debugDirectories = debugDirectories
        self.force = force
    }

    /// Every directory to search for build-id indexes, user's first.
    public var allDebugDirectories: [String] { debugDirectories + [FileSearch.systemDebugDirectory] }

    /// Where a path the core recorded is looked for on this machine: inside the sysroot when
    /// one is given (never outside it: see `SysrootPath`), else the path itself.
    func recordedLocation(_ recordedPath: String) -> String? {
        guard let sysroot else { return recordedPath }
        return SysrootPath.resolve(recordedPath, in: sysroot)
    }

    /// Candidate paths for a file the core recorded, in search order.
    func candidates(recordedPath: String, buildID: BuildID?) -> [String] {
        var paths: [String] = []
        if let location = recordedLocation(recordedPath) { paths.append(location) }
        // Debug directories index GNU build-ids only.
        if let buildID, buildID.kind == .gnu, buildID.bytes.count > 1 {
            let hex = buildID.hex
            let indexed = ".build-id/\(hex.prefix(2))/\(hex.dropFirst(2))"
            paths += allDebugDirectories.map { "\($0)/\(indexed)" }
        }
        // The recorded name alone, in the user's directories: never `..`, which would leave them.
        if let name = recordedPath.split(separator: "/").last.map(String.init), name != "..", name != "." {
            paths += debugDirectories.map { "\($0)/\(name)" }
        }
        return paths
    }
}

/// A file on disk chosen to stand for one the core recorded.
public struct LocatedFile: @unchecked Sendable {
    public var path: String
    public var file: MappedFile
    /// `nil` when the file is not ELF (fonts, locale archives, data files).
    public var elf: ELFImage?
    public var buildID: BuildID? { elf?.buildID }
}
