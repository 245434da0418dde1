/// `coreinspect report`: one self-contained HTML page about a dump. Its style is inline,
/// its pictures are inline SVG, it has no script, and its Content-Security-Policy forbids
/// every fetch, so opening it (a CI artifact, say) never touches the network.
public struct HTMLReport {
    /// One section of the page: shown, or left out with a sentence saying why.
    public struct Section {
        public let id: String
        public let title: String
        let body: HTML?
        public let reason: String?

        init(id: String, title: String, body: HTML) {
            self.id = id
            self.title = title
            self.body = body
            reason = nil
        }

        /// A section this dump cannot have (no Go runtime: no goroutines), or whose data failed to read.
        public static func unavailable(id: String, title: String, reason: String) -> Section {
            Section(id: id, title: title, reason: reason)
        }

        private init(id: String, title: String, reason: String) {
            self.id = id
            self.title = title
            body = nil
            self.reason = reason
        }
    }

    /// What `--json` lists of each section.
    public struct SectionEntry: Encodable {
        public var id: String
        public var title: String
        public var shown: Bool
        public var reason: String?
    }

    public let title: String
    public private(set) var sections: [Section] = []

    public init(title: String) { self.title = title }

    public mutating func append(_ section: Section) { sections.append(section) }

    public var entries: [SectionEntry] {
        sections.map { SectionEntry(id: $0.id, title: $0.title, shown: $0.body != nil, reason: $0.reason) }
    }

    public func render() -> String {
        var html = HTML()
        html.trusted("<!DOCTYPE html>\n")
        html.element("html", ["lang": "en"]) { page in
            page.element("head") { head in
                head.empty("meta", ["charset": "utf-8"])
                head.empty("meta", ["http-equiv": "Content-Security-Policy",
                                    "content": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"])
                head.empty("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
                head.element("title", text: title)
                head.element("style") { $0.trusted(HTMLReportStyle.css) }
            }
            page.element("body") { body in
                body.element("header") { header in
                    header.element("h1", text: title)
                    header.element("nav") { nav in
                        for section in sections {
                            nav.element("a", ["href": "#" + section.id, "class": section.body == nil ? "off" : "on"], text: section.title)
                        }
                    }
                }
                for section in sections {
                    body.element("section", ["id": section.id]) { part in
                        part.element("h2", text: section.title)
                        if let content = section.body { part.append(content) } else { part.note(section.reason ?? "not available") }
                    }
                }
                body.element("footer") { $0.text("coreinspect report: one file, no network; tooltips on the pictures give exact values.") }
            }
        }
        return html.markup
    }
}

/// `report --json`'s result: where the page went, and what it holds.
public struct HTMLReportResult: Encodable {
    public var path: String
    public var bytes: Int
    public var sections: [HTMLReport.SectionEntry]

    public init(path: String, bytes: Int, sections: [HTMLReport.SectionEntry]) {
        self.path = path
        self.bytes = bytes
        self.sections = sections
    }

    public func text(style: TextStyle) -> String {
        var lines = [style.bold("Wrote \(path)") + " (\(Format.bytes(UInt64(bytes))))"]
        for section in sections {
            lines.append(section.shown ? "  \(section.title)" : style.dim("  \(section.title): not shown, \(section.reason ?? "")"))
        }
        return lines.joined(separator: "\n")
    }
}
