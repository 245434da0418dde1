/// An address in the inferior's address space.
///
/// A distinct type keeps addresses from mixing with sizes, file offsets and
/// counts, which are all `UInt64` too.
public struct Address: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }

    public static let zero = Address(0)

    public static func < (lhs: Address, rhs: Address) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Wraps on overflow: corrupt pointers from a core must not trap.
    public func advanced(by delta: UInt64) -> Address { Address(rawValue &+ delta) }
    public func retreated(by delta: UInt64) -> Address { Address(rawValue &- delta) }

    /// The distance from `base`, which must not be above `self`.
    public func offset(from base: Address) -> UInt64 { rawValue &- base.rawValue }

    public func alignedDown(to alignment: UInt64) -> Address {
        Address(rawValue & ~(alignment &- 1))
    }

    public func isAligned(to alignment: UInt64) -> Bool { rawValue & (alignment &- 1) == 0 }

    /// `0x7f12…` with no padding, as debuggers print addresses.
    public var hex: String { "0x" + String(rawValue, radix: 16) }
}

extension Address: CustomStringConvertible {
    public var description: String { hex }
}

extension Address {
    /// Parses `0x1234`, `1234` (hex, as addresses are conventionally typed) or `#1234` decimal.
    public init?(parsing text: String) {
        var digits = Substring(text)
        var radix = 16
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("#") {
            digits = digits.dropFirst()
            radix = 10
        }
        guard !digits.isEmpty, let value = UInt64(digits, radix: radix) else { return nil }
        self.init(value)
    }
}

/// A half-open range of addresses `[start, end)`.
public struct AddressRange: Hashable, Sendable {
    public var start: Address
    public var end: Address

    public init(start: Address, end: Address) {
        self.start = start
        self.end = max(start, end)
    }

    public init(start: Address, size: UInt64) {
        self.init(start: start, end: start.advanced(by: size))
    }

    public var size: UInt64 { end.rawValue - start.rawValue }
    public var isEmpty: Bool { start == end }

    public func contains(_ address: Address) -> Bool { address >= start && address < end }

    public func overlaps(_ other: AddressRange) -> Bool { start < other.end && other.start < end }
}

extension AddressRange: CustomStringConvertible {
    public var description: String { "\(start.hex)-\(end.hex)" }
}
