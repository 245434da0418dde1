import CoreFile
import GoRuntime
import Symbols

extension HTMLReport.Section {
    /// Goroutines folded by state, stack and creator (`goroutines --group`), largest group first.
    public static func goroutines(_ report: GoroutinesReport) -> Self {
        var html = HTML()
        let groups = (report.groups ?? []).map(\.group)
        html.facts([HTML.Fact(label: "goroutines", value: String(report.total), id: "goroutine-count"),
                    HTML.Fact(label: "groups", value: String(groups.count), id: "goroutine-groups"),
                    HTML.Fact(label: "runtime layout", value: report.layoutSource, id: nil)])
        html.table(["count", "state", "where", "created by"], numeric: [0], rows: groups.map { group in
            [String(group.count), group.state, SourceSite(group.location)?.text ?? "?", group.createdBy.map { SourceSite($0).text } ?? ""]
        })
        for (index, group) in groups.enumerated() {
            let noun = group.count == 1 ? "goroutine" : "goroutines"
            var title = "\(group.count) \(noun) [\(group.state)]"
            if let location = SourceSite(group.location) { title += " in \(location.text)" }
            let ids = group.ids.prefix(12).map(String.init).joined(separator: ", ") + (group.ids.count > 12 ? ", …" : "")
            html.stack(title: title, subtitle: "ids: " + ids, stack: group.stack, open: index < 3, marked: false)
        }
        return Self(id: "goroutines", title: "Goroutines", body: html)
    }

    /// Every OS thread with its stack, the one that took the signal first and open.
    public static func threads(_ report: ThreadsReport) -> Self {
        var html = HTML()
        for entry in report.threads {
            let thread = entry.snapshot.thread
            var title = "Thread \(thread.tid)"
            if let name = thread.name { title += " \"\(name)\"" }
            if let goroutine = entry.snapshot.goroutine { title += "  goroutine \(goroutine.id) [\(goroutine.stateName)]" }
            if thread.tookSignal { title += "  took the signal" + (thread.signal.map { " " + Signal.name($0.number) } ?? "") }
            html.stack(title: title, subtitle: nil, stack: entry.snapshot.stack, open: thread.tookSignal, marked: thread.tookSignal)
        }
        return Self(id: "threads", title: "Threads (\(report.threads.count))", body: html)
    }
}

extension HTML {
    /// A collapsible stack: its title, then one line per frame as `threads` prints it.
    mutating func stack(title: String, subtitle: String?, stack: Stack, open: Bool, marked: Bool) {
        let attributes: KeyValuePairs<String, String> = open ? ["open": ""] : [:]
        element("details", attributes) { details in
            details.element("summary", marked ? ["class": "bad"] : [:], text: title)
            if let subtitle { details.element("div", ["class": "dim"], text: subtitle) }
            details.element("ul", ["class": "stack"]) { list in
                for line in stack.textLines(style: TextStyle(colored: false)) {
                    list.element("li", line.contains("[inlined]") ? ["class": "inlined"] : [:], text: line)
                }
            }
        }
    }
}
