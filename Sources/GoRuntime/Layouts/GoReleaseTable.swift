import Symbols

/// The runtime layouts of one Go release, generated from that release's own
/// DWARF by Tools/make-go-layouts (one file per release in Releases/, so
/// that a diff between two files shows what the runtime changed).
///
/// Runtime structures change between minor releases, not patches, so one
/// table (from the newest patch) serves a whole minor release. Go 1.20 has
/// none on purpose: it gets the nearest table and a warning, as a future release would.
public struct GoReleaseTable: Sendable {
    /// The toolchain the table came from ("go1.23.9").
    public let release: String
    /// `release` parsed, once: what selection compares.
    public let goRelease: GoRelease?
    /// Sorted by name.
    public var structures: [StructLayout]
    public var constants: [String: Int64]

    init(release: String, structures: [StructLayout], constants: [String: Int64]) {
        self.release = release
        goRelease = GoRelease(release)
        self.structures = structures
        self.constants = constants
    }

    public func structure(named name: String) -> StructLayout? { structures.first { $0.name == name } }

    /// The table for a release: its own (exact), or else the nearest minor
    /// release's, the older one on a tie, since a release mostly keeps the
    /// fields of the one before and adds to them. Nil only when `tables` is empty.
    public static func nearest(to release: GoRelease, in tables: [GoReleaseTable] = all) -> (table: GoReleaseTable, exact: Bool)? {
        let wanted = release.minorRelease
        let ranked = tables.compactMap { table in table.goRelease.map { (table, $0.minorRelease) } }
        if let own = ranked.first(where: { $0.1 == wanted }) { return (own.0, true) }
        func distance(_ other: GoRelease) -> Int { abs((other.major - wanted.major) * 1000 + other.minor - wanted.minor) }
        let best = ranked.min { left, right in
            let (a, b) = (distance(left.1), distance(right.1))
            return a != b ? a < b : left.1 < right.1
        }
        return best.map { ($0.0, false) }
    }
}
