import CoreFile
import GoRuntime
import Symbols

extension HTMLReport.Section {
    /// Goroutines folded by state, stack and creator (`goroutines --group`), the `top` largest
    /// groups with their stacks (a leak of goroutines is one huge group, not thousands of rows).
    public static func goroutines(_ report: GoroutinesReport, top: Int) -> Self {
        var html = HTML()
        let all = (report.groups ?? []).map(\.group)
        let groups = Array(all.prefix(max(top, 1)))
        html.facts([HTML.Fact(label: "goroutines", value: String(report.total), id: "goroutine-count"),
                    HTML.Fact(label: "groups", value: String(all.count), id: "goroutine-groups"),
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
        if all.count > groups.count { html.note("… and \(all.count - groups.count) more groups (--top).") }
        return Self(id: "goroutines", title: "Goroutines", body: html)
    }

    /// Every OS thread with its stack, the one that took the signal first, marked and open.
    public static func threads(_ report: ThreadsReport) -> Self {
        var html = HTML()
        let signaled = report.threads.contains { $0.snapshot.thread.tookSignal }
        for (index, entry) in report.threads.enumerated() {
            let thread = entry.snapshot.thread
            var title = "Thread \(thread.tid)"
            if let name = thread.name { title += " \"\(name)\"" }
            if let goroutine = entry.snapshot.goroutine { title += "  goroutine \(goroutine.id) [\(goroutine.stateName)]" }
            if thread.tookSignal { title += "  took the signal" + (thread.signal.map { " " + Signal.name($0.number) } ?? "") }
            // Open: the thread that took the signal; in a dump without one (gcore), the first thread.
            html.stack(title: title, subtitle: nil, stack: entry.snapshot.stack, open: thread.tookSignal || (!signaled && index == 0),
                       marked: thread.tookSignal)
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
