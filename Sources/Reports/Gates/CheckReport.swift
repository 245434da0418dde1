/// `coreinspect check`: every --fail-on rule with the value it was decided on and its verdict,
/// and every metric measured. A rule fails when its comparison holds.
public struct CheckReport: Encodable {
    public struct Verdict: Encodable {
        public var rule: String
        public var metric: String
        public var comparison: GateRule.Comparison
        /// The threshold in the metric's unit, the rule's unit applied (50MB → 50000000); nil for a % rule.
        public var threshold: GateNumber?
        /// A % rule's threshold: a share of the metric's value in the baseline core.
        public var thresholdPercent: Double?
        public var unit: String
        /// What the rule was decided on: the metric, or for growth.* its value in the core minus the baseline's.
        public var value: GateNumber
        /// growth.* rules: the metric in the core and in the baseline.
        public var coreValue: GateNumber?
        public var baselineValue: GateNumber?
        public var failed: Bool

        enum CodingKeys: String, CodingKey {
            case rule, metric, comparison = "operator", threshold, thresholdPercent, unit, value, coreValue, baselineValue, failed
        }
    }

    public var program: GateMetric.Program
    public var baseline: String?
    public var passed: Bool
    public var failedRules: Int
    public var rules: [Verdict]
    /// Every metric measured on the core, rules or not (only the pipelines the rules needed ran).
    public var metrics: [String: GateNumber]
    public var baselineMetrics: [String: GateNumber]?

    /// - Throws: `GateUnmeasured` when a rule's metric is not among the measurements (an internal error:
    ///   the command runs every pipeline its rules need).
    public init(rules: [GateRule], core: GateMeasurements, baseline: GateMeasurements?, baselinePath: String?) throws {
        program = core.program
        self.baseline = baselinePath
        metrics = core.values
        baselineMetrics = baseline?.values
        self.rules = try rules.map { rule in
            guard let (definition, isGrowth) = GateMetrics.named(rule.metric) else { throw GateUnmeasured(metric: rule.metric) }
            guard let now = core[definition.name] else { throw GateUnmeasured(metric: definition.name) }
            var verdict = Verdict(rule: rule.text, metric: rule.metric, comparison: rule.comparison, unit: definition.unit.rawValue,
                                  value: now, failed: false)
            if isGrowth {
                guard let before = baseline?[definition.name] else { throw GateUnmeasured(metric: "baseline " + definition.name) }
                verdict.value = now.minus(before)
                (verdict.coreValue, verdict.baselineValue) = (now, before)
            }
            switch rule.threshold {
            case let .number(threshold):
                verdict.threshold = threshold
                verdict.failed = rule.comparison.holds(verdict.value, threshold)
            case let .percent(percent):
                // growth OP percent% of the baseline, without dividing by a baseline that may be 0.
                verdict.thresholdPercent = percent
                let base = verdict.baselineValue?.doubleValue ?? 0
                verdict.failed = rule.comparison.holds(.real(verdict.value.doubleValue * 100), .real(percent * base))
            }
            return verdict
        }
        failedRules = self.rules.filter(\.failed).count
        passed = failedRules == 0
    }

    /// `FAIL leaked.bytes > 0: leaked.bytes = 4096 (4.0 KiB)`: what a CI log shows for a violated rule.
    public static func line(_ verdict: Verdict) -> String {
        (verdict.failed ? "FAIL " : "ok   ") + "\(verdict.rule): \(verdict.metric) = \(verdict.value)" + detail(verdict)
    }

    private static func detail(_ verdict: Verdict) -> String {
        var parts: [String] = []
        if verdict.unit == "bytes", abs(verdict.value.doubleValue) >= 1024 {
            parts.append((verdict.value.doubleValue < 0 ? "-" : "") + Format.bytes(UInt64(abs(verdict.value.doubleValue))))
        }
        if let now = verdict.coreValue, let before = verdict.baselineValue {
            var change = "\(before) → \(now)"
            if before.doubleValue != 0 {
                let percent = (verdict.value.doubleValue / before.doubleValue * 1000).rounded() / 10
                change += ", \(percent >= 0 ? "+" : "")\(percent)%"
            }
            parts.append(change)
        }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + ")"
    }

    public func text(style: TextStyle) -> String {
        var lines = rules.map { verdict in
            verdict.failed ? style.red(Self.line(verdict)) : Self.line(verdict)
        }
        let against = baseline.map { " against baseline \($0)" } ?? ""
        lines.append(passed ? "all \(rules.count) rules passed\(against)"
                            : style.bold("\(failedRules) of \(rules.count) rules failed\(against)"))
        return lines.joined(separator: "\n")
    }
}

/// A rule's metric was not measured: a bug in `check`, reported as an internal error.
public struct GateUnmeasured: Error, CustomStringConvertible {
    public var metric: String
    public var description: String { "check: \(metric) was not measured" }
}
