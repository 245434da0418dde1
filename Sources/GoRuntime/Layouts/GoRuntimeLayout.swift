import CoreFile
import Symbols

/// The runtime's structure layouts for one Go binary, from its own DWARF or,
/// for a stripped binary, from the table generated for its release
/// (Layouts/Releases, made by Tools/make-go-layouts).
///
/// Each structure coreinspect reads has its own type (`GLayout`,
/// `MSpanLayout`, …) that names its fields once and resolves them once,
/// through `resolve(_:)`. A structure that does not resolve fails only the
/// feature that reads it: goroutines still read when `mspan` does not.
public final class GoRuntimeLayout {
    public enum Source: Equatable, Sendable, CustomStringConvertible {
        case dwarf
        /// A release's table; `exact` is false when it stands in for a release without one.
        case table(release: String, exact: Bool)

        public var description: String {
            switch self {
            case .dwarf: return "DWARF"
            case let .table(release, exact): return "table \(release)" + (exact ? "" : " (nearest)")
            }
        }

        /// The binary's own layout: its DWARF, or its release's table rather than a nearby release's.
        public var isExact: Bool {
            switch self {
            case .dwarf: return true
            case let .table(_, exact): return exact
            }
        }
    }

    /// The Go version the build info names ("go1.23.4").
    public let goVersion: String
    public let release: GoRelease?
    public let source: Source
    /// Runtime constants: goroutine and span states, special kinds, funcIDs.
    public let constants: [String: Int64]
    private let lookup: (String) -> StructLayout?
    private var structures: [String: StructLayout?] = [:]
    private var resolved: [ObjectIdentifier: Any] = [:]

    init(goVersion: String, source: Source, constants: [String: Int64], lookup: @escaping (String) -> StructLayout?) {
        self.goVersion = goVersion
        release = GoRelease(goVersion)
        self.source = source
        self.constants = constants
        self.lookup = lookup
    }

    /// Layouts from the binary's own DWARF, resolved as they are asked for.
    public convenience init(dwarf: DWARFIndex, goVersion: String) {
        let constants = GoRuntimeLayout.constantPrefixes.reduce(into: [String: Int64]()) { all, prefix in
            all.merge(dwarf.constants(withPrefix: prefix)) { first, _ in first }
        }
        self.init(goVersion: goVersion, source: .dwarf, constants: constants) { dwarf.structLayout(named: $0) }
    }

    /// Layouts from a release's table.
    public convenience init(table: GoReleaseTable, goVersion: String, exact: Bool) {
        self.init(goVersion: goVersion, source: .table(release: table.release, exact: exact), constants: table.constants) {
            table.structure(named: $0)
        }
    }

    /// The constants a reader may need, by name prefix (the generator's `wantedConstant`).
    static let constantPrefixes = ["runtime._G", "runtime.mSpan", "runtime._KindSpecial", "internal/abi.FuncID"]

    /// The structure of that DWARF name, if the binary (or table) has it.
    public func structure(_ name: String) -> StructLayout? {
        if let known = structures[name] { return known }
        let layout = lookup(name)
        structures[name] = layout
        return layout
    }

    /// A structure type's layouts, resolved on first use and kept: the
    /// structure, or why it cannot be read in this binary.
    public func resolve<Structure: GoRuntimeStructure>(_ type: Structure.Type) -> Result<Structure, GoRuntimeError> {
        let key = ObjectIdentifier(type)
        if let known = resolved[key] as? Result<Structure, GoRuntimeError> { return known }
        let result: Result<Structure, GoRuntimeError>
        if let layout = Structure.typeNames.lazy.compactMap(structure).first {
            do {
                result = .success(try Structure(GoStructView(layout: layout, runtime: self)))
            } catch let error as GoRuntimeError {
                result = .failure(error)
            } catch {
                result = .failure(.corrupt(what: "\(layout.name) layout: \(error)"))
            }
        } else {
            result = .failure(.notFound(what: "type \(Structure.typeNames.joined(separator: " or ")) in \(goVersion)'s \(source)"))
        }
        resolved[key] = result
        return result
    }

    /// The offset of a field path such as "runtime.g.sched.sp" (type
    /// "runtime.g", member "sched", its member "sp"), for tools and tests.
    public func offset(_ path: String) throws -> UInt64 {
        let parts = path.split(separator: ".")
        let typeName = parts.prefix(2).joined(separator: ".")
        guard parts.count > 2, let layout = structure(typeName) else {
            throw GoRuntimeError.notFound(what: "type \(typeName) in \(goVersion)'s \(source)")
        }
        return try GoStructView(layout: layout, runtime: self).field(parts.dropFirst(2).joined(separator: ".")).offset
    }
}

/// One runtime structure as coreinspect reads it: the names it has had, and
/// its fields, resolved once from a `GoStructView`.
public protocol GoRuntimeStructure: Equatable {
    /// Its DWARF names, newest first (Go 1.21 renamed `runtime._type` to `internal/abi.Type`).
    static var typeNames: [String] { get }
    init(_ view: GoStructView) throws
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
