/// Where the runtime's structures keep their fields, for one Go release.
///
/// Field names are paths such as `runtime.g.sched.pc`. With DWARF, the
/// offsets come from the binary itself; without it (stripped binaries), from
/// tables generated from the DWARF of each release (GoRuntimeLayoutTable.swift,
/// made by Tools/make-go-layouts), chosen by the Go version the build info
/// names. Runtime structures change between minor releases, not patches, so
/// tables are keyed by minor release.
public struct GoRuntimeLayout: Sendable {
    public var release: String
    public var fieldOffsets: [String: UInt64]
    public var typeSizes: [String: UInt64]
    public var constants: [String: Int64]
    /// `runtime.waitReasonStrings`, indexed by `g.waitreason`.
    public var waitReasons: [String]

    public init(release: String, fieldOffsets: [String: UInt64], typeSizes: [String: UInt64],
                constants: [String: Int64], waitReasons: [String]) {
        self.release = release
        self.fieldOffsets = fieldOffsets
        self.typeSizes = typeSizes
        self.constants = constants
        self.waitReasons = waitReasons
    }

    /// The offset of a field, or `.missingField`, naming it.
    public func offset(_ path: String) throws -> UInt64 {
        guard let offset = fieldOffsets[path] else {
            let parts = path.split(separator: ".")
            throw GoRuntimeError.missingField(type: parts.prefix(2).joined(separator: "."), field: parts.dropFirst(2).joined(separator: "."),
                                              release: release)
        }
        return offset
    }

    public func optionalOffset(_ path: String) -> UInt64? { fieldOffsets[path] }

    /// "go1.23.4" → "go1.23"; "devel go1.24-abcdef …" → "go1.24".
    public static func minorRelease(of version: String) -> String? {
        GoVersion.minor(of: version).map { "go1.\($0)" }
    }

    /// The table for a release, and whether it is that release's own table
    /// (false: the nearest older one stands in for an unknown release).
    public static func table(for goVersion: String) -> (layout: GoRuntimeLayout, exact: Bool)? {
        guard let minor = minorRelease(of: goVersion) else { return nil }
        if let layout = releaseTables[minor] { return (layout, true) }
        let known = releaseTables.keys.compactMap { key in Int(key.dropFirst(4)).map { ($0, key) } }.sorted { $0.0 < $1.0 }
        guard let wanted = Int(minor.dropFirst(4)), let nearest = known.last(where: { $0.0 <= wanted }) ?? known.first,
              let layout = releaseTables[nearest.1]
        else { return nil }
        return (layout, false)
    }
}

public enum GoRuntimeError: Error, CustomStringConvertible, Equatable {
    case notGo
    case missingField(type: String, field: String, release: String)
    case noLayout(goVersion: String)
    case notFound(what: String)
    case corrupt(what: String)

    public var description: String {
        switch self {
        case .notGo: return "not a Go program (no Go build info)"
        case let .missingField(type, field, release): return "\(release): type \(type) has no field \(field)"
        case let .noLayout(version): return "no runtime layout for \(version) and no DWARF in the binary"
        case let .notFound(what): return "cannot find \(what)"
        case let .corrupt(what): return "corrupt \(what)"
        }
    }
}
