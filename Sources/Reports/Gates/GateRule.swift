/// One `check --fail-on` rule, `METRIC OP VALUE`: the gate fails when the comparison holds.
///
/// Grammar (spaces optional around OP and before a unit):
///
///     rule   = metric op value
///     metric = a name GateMetrics knows, or growth.NAME (needs --baseline)
///     op     = ">" | ">=" | "<" | "<=" | "==" | "!="
///     value  = ["-"] digits ["." digits] [unit]
///     unit   = "B" | "KB" | "MB" | "GB" | "TB"        (powers of 1000)
///            | "KiB" | "MiB" | "GiB" | "TiB"           (powers of 1024)
///            | "%"                                     (growth.* only: of the baseline's value)
///
/// Byte units apply only to byte metrics; a count or a fraction takes a plain number.
public struct GateRule: Sendable, Equatable {
    public enum Comparison: String, Sendable, CaseIterable, Encodable {
        case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<=", equal = "==", notEqual = "!="

        public func holds(_ value: GateNumber, _ threshold: GateNumber) -> Bool {
            switch self {
            case .greater: return value > threshold
            case .greaterOrEqual: return value >= threshold
            case .less: return value < threshold
            case .lessOrEqual: return value <= threshold
            case .equal: return value == threshold
            case .notEqual: return value != threshold
            }
        }
    }

    public enum Threshold: Sendable, Equatable {
        /// Bytes, a count or a fraction, with any unit already applied.
        case number(GateNumber)
        /// A percentage of the metric's value in the baseline core (growth.* rules).
        case percent(Double)
    }

    /// As the user wrote it, trimmed: what every message quotes.
    public var text: String
    /// The metric's name, `growth.` included.
    public var metric: String
    public var comparison: Comparison
    public var threshold: Threshold
    public var isGrowth: Bool { metric.hasPrefix(GateMetric.growthPrefix) }

    /// Units by their spelling in rules; case matters (`mb` would be millibits).
    static let byteUnits: [String: UInt64] = [
        "B": 1, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000, "TB": 1_000_000_000_000,
        "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
    ]

    public init(parsing rawText: String) throws(GateRuleError) {
        let text = rawText.trimmingWhitespace
        self.text = text
        let operatorCharacters: Set<Character> = ["<", ">", "=", "!"]
        guard let start = text.firstIndex(where: operatorCharacters.contains) else {
            throw GateRuleError(rule: text, problem: "expected METRIC OP VALUE, with OP one of \(Self.operatorList)")
        }
        let spelled = String(text[start...].prefix(while: operatorCharacters.contains))
        guard let comparison = Comparison(rawValue: spelled) else {
            throw GateRuleError(rule: text, problem: "'\(spelled)' is no operator; use one of \(Self.operatorList)")
        }
        metric = String(text[..<start]).trimmingWhitespace
        guard let first = metric.first, first.isLetter,
              metric.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") }) else {
            throw GateRuleError(rule: text, problem: metric.isEmpty ? "no metric before '\(spelled)'" : "'\(metric)' is no metric name")
        }
        guard let (definition, isGrowth) = GateMetrics.named(metric) else {
            throw GateRuleError(rule: text, problem: "unknown metric '\(metric)'; known metrics (each also as growth.NAME with --baseline): "
                                + GateMetrics.all.map(\.name).joined(separator: ", "))
        }
        self.comparison = comparison
        threshold = try Self.threshold(String(text[text.index(start, offsetBy: spelled.count)...]).trimmingWhitespace,
                                       unit: definition.unit, isGrowth: isGrowth, rule: text)
    }

    static var operatorList: String { Comparison.allCases.map(\.rawValue).joined(separator: " ") }

    /// The number and unit after the operator.
    private static func threshold(_ value: String, unit: GateMetric.Unit, isGrowth: Bool, rule: String) throws(GateRuleError) -> Threshold {
        let numberEnd = value.firstIndex { !($0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+")) } ?? value.endIndex
        let number = String(value[..<numberEnd])
        let suffix = String(value[numberEnd...]).trimmingWhitespace
        let digits = number.drop { $0 == "-" || $0 == "+" }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard number.count - digits.count <= 1, (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }),
              let real = Double(number) else {
            throw GateRuleError(rule: rule, problem: value.isEmpty ? "no value after the operator" : "'\(value)' is no number (e.g. 0, 5000, 1.5, 50MB)")
        }
        if suffix == "%" {
            guard isGrowth else { throw GateRuleError(rule: rule, problem: "'%' is a share of the baseline's value: only growth.* metrics take it") }
            return .percent(real)
        }
        var scale: UInt64 = 1
        if !suffix.isEmpty {
            guard let bytes = byteUnits[suffix] else {
                throw GateRuleError(rule: rule, problem: "unknown unit '\(suffix)'; use B, KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (of 1024) or %")
            }
            guard unit == .bytes else {
                throw GateRuleError(rule: rule, problem: "'\(suffix)' is a unit of bytes, and this metric is in \(unit.rawValue): give a plain number")
            }
            scale = bytes
        }
        if parts.count == 1, let integer = Int64(number) {
            let (scaled, overflow) = integer.multipliedReportingOverflow(by: Int64(scale))
            guard !overflow else { throw GateRuleError(rule: rule, problem: "'\(value)' is too large") }
            return .number(.integer(scaled))
        }
        let scaled = real * Double(scale)
        if unit == .fraction { return .number(.real(scaled)) }
        guard scaled == scaled.rounded(), abs(scaled) < 9e18 else {
            throw GateRuleError(rule: rule, problem: "'\(value)' is not a whole number of \(unit.rawValue)")
        }
        return .number(.integer(Int64(scaled)))
    }
}

/// A rule that cannot be read: usage (exit status 64), naming the rule and what is wrong with it.
public struct GateRuleError: Error, Equatable, CustomStringConvertible {
    public var rule: String
    public var problem: String

    public var description: String { "rule '\(rule)': \(problem)" }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
