/// A Go release, parsed from the version string the build info carries, and
/// ordered, so that "what changed since" is a comparison:
/// `release >= .go1_22` rather than prefix tests on strings.
///
/// "go1.23.4" is 1.23.4; "go1.24rc1" is 1.24.0 with prerelease "rc1", which
/// sorts before 1.24.0; "devel go1.24-abcdef …" (a toolchain built from the
/// development branch on its way to 1.24) is 1.24.0 with prerelease "devel".
public struct GoRelease: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// "rc1", "beta2", "devel"; nil for a final release.
    public var prerelease: String?

    public init(major: Int, minor: Int, patch: Int = 0, prerelease: String? = nil) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
    }

    /// Parses "go1.23.4", "go1.24rc1", "go1.21" and "devel go1.24-abcdef Tue …"; nil for anything else.
    public init?(_ version: String) {
        let isDevel = version.hasPrefix("devel ")
        // The first "go" followed by a digit: "devel go1.24-…" has text before it.
        guard let start = version.indices.first(where: { index in
            version[index...].hasPrefix("go") && version[index...].dropFirst(2).first?.isNumber == true
        }) else { return nil }
        var rest = version[start...].dropFirst(2)
        func number() -> Int? {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            return digits.isEmpty ? nil : Int(digits)
        }
        guard let major = number(), rest.first == "." else { return nil }
        rest = rest.dropFirst()
        guard let minor = number() else { return nil }
        var patch = 0
        if rest.first == ".", rest.dropFirst().first?.isNumber == true {
            rest = rest.dropFirst()
            patch = number() ?? 0
        }
        var prerelease: String?
        if isDevel {
            prerelease = "devel"
        } else if rest.hasPrefix("rc") || rest.hasPrefix("beta") {
            prerelease = String(rest.prefix { $0.isLetter || $0.isNumber })
        }
        self.init(major: major, minor: minor, patch: patch, prerelease: prerelease)
    }

    public var description: String {
        let base = patch == 0 && prerelease != nil ? "go\(major).\(minor)" : "go\(major).\(minor).\(patch)"
        switch prerelease {
        case nil: return base
        case "devel"?: return "devel " + base
        case let tag?: return base + tag
        }
    }

    /// The minor release this belongs to ("go1.23"), which is what runtime layouts are keyed by.
    public var minorRelease: GoRelease { GoRelease(major: major, minor: minor) }

    /// A prerelease sorts before the final release of the same number; two
    /// prereleases sort by their tag ("beta1" < "rc1", and "devel" first).
    public static func < (lhs: GoRelease, rhs: GoRelease) -> Bool {
        let left = (lhs.major, lhs.minor, lhs.patch), right = (rhs.major, rhs.minor, rhs.patch)
        if left != right { return left < right }
        switch (lhs.prerelease, rhs.prerelease) {
        case (nil, _): return false
        case (_, nil): return true
        case let (left?, right?): return prereleaseRank(left) < prereleaseRank(right)
        }
    }

    private static func prereleaseRank(_ tag: String) -> (Int, String) {
        (tag == "devel" ? 0 : tag.hasPrefix("beta") ? 1 : 2, tag)
    }
}

// MARK: - What changed, release by release (see DESIGN.md, "Heap details by release")

extension GoRelease {
    public static let go1_18 = GoRelease(major: 1, minor: 18)
    public static let go1_19 = GoRelease(major: 1, minor: 19)
    public static let go1_20 = GoRelease(major: 1, minor: 20)
    public static let go1_21 = GoRelease(major: 1, minor: 21)
    public static let go1_22 = GoRelease(major: 1, minor: 22)
    public static let go1_24 = GoRelease(major: 1, minor: 24)
    public static let go1_26 = GoRelease(major: 1, minor: 26)

    /// Compares by minor release, so that 1.22's release candidates count as 1.22.
    private func isAtLeast(_ release: GoRelease) -> Bool { minorRelease >= release }

    /// Objects of 512 B to 32 KiB start with an `*abi.Type` header, large
    /// spans carry `largeType`, and small spans end in their pointer bitmap;
    /// `mspan.nelems` and `freeindex` are uint16.
    public var hasMallocHeaders: Bool { isAtLeast(.go1_22) }
    /// Maps are Swiss tables (internal/runtime/maps), not bucket arrays.
    public var hasSwissMaps: Bool { isAtLeast(.go1_24) }
    /// `special.offset` is a uintptr (a uint16 before).
    public var hasWideSpecialOffset: Bool { isAtLeast(.go1_24) }
    /// The Green Tea GC is on by default: small-object spans end in inline mark bits.
    public var hasGreenTeaGCByDefault: Bool { isAtLeast(.go1_26) }
    /// The heap does not start at 0xc000000000: walk arenas with `arenaBaseOffset`.
    public var hasRandomizedHeapBase: Bool { isAtLeast(.go1_26) }
    /// The pclntab has the 1.20 format (magic 0xfffffff1), and `moduledata`
    /// has `covctrs`, so its later fields sit where 1.21's do, not 1.19's.
    public var hasGo120Pclntab: Bool { isAtLeast(.go1_20) }
    /// Type descriptors are `internal/abi.Type` rather than `runtime._type`.
    public var hasABITypePackage: Bool { isAtLeast(.go1_21) }
}
