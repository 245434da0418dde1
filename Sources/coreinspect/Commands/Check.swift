import ArgumentParser
import CoreFile
import ProcessImage
import Reports

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gate a build on a core: exit 9 when a --fail-on rule such as 'leaked.bytes > 0' holds; with --baseline, rules on growth.",
        discussion: """
        A rule is METRIC OP VALUE, spaces optional: OP is one of > >= < <= == !=; VALUE is \
        a number, with a unit for byte metrics: B, KB, MB, GB, TB (powers of 1000) or KiB, \
        MiB, GiB, TiB (powers of 1024). growth.NAME is NAME in CORE minus NAME in the \
        --baseline core, which must be of the same executable (else exit 10); its VALUE \
        may be a percentage of the baseline's value ('growth.heap.bytes > 20%'). A rule \
        fails when its comparison holds. Only the pipelines the rules need run: \
        'goroutines > 5000' never walks the heap.

        Text prints one line per rule ("FAIL rule: metric = value" or "ok …"); with \
        --json, the failed rules' lines go to standard error too. A metric this core's \
        program does not have (leaked.* on a Go program, goroutines on a C one) is a usage \
        error: exit 64, naming the rule.

        Metrics (unit; programs):
        \(GateMetrics.helpText)

        \(ExitStatus.helpText)
        """)

    @OptionGroup var options: CoreOptions

    @Option(name: .customLong("fail-on"), help: ArgumentHelp(
        "A rule that fails the gate when it holds: 'leaked.bytes > 0', 'goroutines > 5000', 'growth.heap.bytes > 50MB'. Repeatable.",
        valueName: "rule"))
    var rules: [String] = []

    @Option(help: ArgumentHelp("An earlier core of the same executable, for growth.NAME rules.", valueName: "old-core"))
    var baseline: String?

    func validate() throws {
        guard !rules.isEmpty else { throw ValidationError("give at least one --fail-on rule (see --help for the metrics)") }
        let parsed = try parsedRules()
        if baseline == nil, let growth = parsed.first(where: \.isGrowth) {
            throw ValidationError("rule '\(growth.text)': growth.* metrics need --baseline OLD-CORE")
        }
    }

    private func parsedRules() throws -> [GateRule] {
        do {
            return try rules.map { rule throws(GateRuleError) in try GateRule(parsing: rule) }
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let gates = try parsedRules()
        // Both refusals need only the cores' notes and ELF headers, so they come before any walk.
        // A core that cannot be opened here is opened again in the runner, which reports why.
        let opened = try? ProcessImage(corePath: options.core, search: options.search)
        if let opened { try Self.refuseUnmeasurable(gates, process: opened, core: options.core) }
        var openedBaseline: ProcessImage?
        if let baseline {
            try refuseDifferentExecutables(baseline: baseline)
            openedBaseline = try? ProcessImage(corePath: baseline, search: options.search)
            if let openedBaseline { try Self.refuseUnmeasurable(gates.filter(\.isGrowth), process: openedBaseline, core: baseline) }
        }
        try CommandRunner.run(command: "check", options: options) {
            let core = try GateMeasurer(options: options, rules: gates).measure(opened: opened)
            let old = try baseline.map { path in
                try GateMeasurer(options: options.replacingCore(with: path), rules: gates.filter(\.isGrowth)).measure(opened: openedBaseline)
            }
            let report = try CheckReport(rules: gates, core: core.measurements, baseline: old?.measurements, baselinePath: baseline)
            if options.json {
                for verdict in report.rules where verdict.failed { CommandRunner.printError(CheckReport.line(verdict)) }
            }
            let baselineWarnings = old?.warnings.map { Warning("baseline \(baseline ?? ""): \($0.message)", kind: $0.kind, count: $0.count) } ?? []
            return CommandOutcome(result: report, text: { report.text(style: $0) }, warnings: core.warnings + baselineWarnings,
                                  notes: core.notes + (old?.notes ?? []), verdict: report.passed ? nil : .gateFailed)
        }
    }

    /// A rule on a metric the core's program does not have. On a Go or a glibc program the rule is
    /// wrong: one line, exit status 64. On a core that is neither (another allocator, or a core too
    /// damaged to tell) the core is: exit 4 or 5 with its warnings, as `goroutines` and `heap` exit.
    static func refuseUnmeasurable(_ rules: [GateRule], process: ProcessImage, core: String) throws {
        let program = GateMetric.Program(of: process)
        for rule in rules {
            guard let (metric, _) = GateMetrics.named(rule.metric), metric.sources[program] == nil else { continue }
            guard program != .other else {
                for warning in process.warnings { CommandRunner.printError("warning: \(warning)") }
                let needsGo = metric.sources[.glibc] == nil
                CommandRunner.printError("coreinspect: \(core): rule '\(rule.text)': \(metric.name) needs \(needsGo ? "a Go runtime" : "a Go or glibc heap"), "
                                         + "and the core shows neither Go build info nor glibc")
                throw ExitCode((needsGo ? ExitStatus.goRuntimeUnreadable : .unsupportedHeap).rawValue)
            }
            let measurable = GateMetric.Program.allCases.filter { metric.sources[$0] != nil }.map(\.name)
            let hint = metric.name.hasPrefix("leaked.") && program == .go
                ? "; Go's collector frees what is unreachable: gate on heap.garbage.bytes or growth.heap.live.bytes instead" : ""
            CommandRunner.printError("coreinspect: check: rule '\(rule.text)': \(metric.name) is measured on \(measurable.joined(separator: " and ")) "
                                     + "programs only, and this core is of \(program.phrase)\(hint)")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
    }
}

extension CoreOptions {
    /// The same options for another core of the same program (a --baseline).
    func replacingCore(with path: String) -> CoreOptions {
        var options = self
        options.core = path
        return options
    }
}
