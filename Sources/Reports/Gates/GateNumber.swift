/// A metric's value or a rule's threshold: an exact integer for counts, bytes and nanoseconds,
/// a real for fractions (MemStats' GCCPUFraction) and for percentages of a baseline.
///
/// Integers compare exactly, so a byte count past 2^53 never rounds into its neighbour; a
/// comparison that involves a real is done in Double.
public enum GateNumber: Sendable, Comparable, CustomStringConvertible, Encodable {
    case integer(Int64)
    case real(Double)

    public init(_ value: UInt64) { self = .integer(Int64(clamping: value)) }
    public init(_ value: Int) { self = .integer(Int64(value)) }

    public var doubleValue: Double {
        switch self {
        case let .integer(value): return Double(value)
        case let .real(value): return value
        }
    }

    public static func < (lhs: GateNumber, rhs: GateNumber) -> Bool {
        if case let .integer(left) = lhs, case let .integer(right) = rhs { return left < right }
        return lhs.doubleValue < rhs.doubleValue
    }

    public static func == (lhs: GateNumber, rhs: GateNumber) -> Bool {
        if case let .integer(left) = lhs, case let .integer(right) = rhs { return left == right }
        return lhs.doubleValue == rhs.doubleValue
    }

    /// `self - baseline`, the growth of a metric: exact for integers, saturating rather than trapping.
    public func minus(_ baseline: GateNumber) -> GateNumber {
        if case let .integer(now) = self, case let .integer(before) = baseline {
            let (difference, overflow) = now.subtractingReportingOverflow(before)
            return overflow ? .real(Double(now) - Double(before)) : .integer(difference)
        }
        return .real(doubleValue - baseline.doubleValue)
    }

    public var description: String {
        switch self {
        case let .integer(value): return String(value)
        case let .real(value):
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .integer(value): try container.encode(value)
        case let .real(value): try container.encode(value)
        }
    }
}
