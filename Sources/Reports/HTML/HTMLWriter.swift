/// A small HTML builder. Every text and attribute value passes through `escape`: the
/// names it writes (types, functions, files, threads, command lines) come from the core,
/// which is untrusted, so none of them may ever become markup.
struct HTML {
    private(set) var markup = ""

    /// Text as HTML shows it literally, in element content and in quoted attribute values.
    /// C0 controls other than tab and newline are not allowed in HTML: they become U+FFFD.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    mutating func text(_ text: String) { markup += Self.escape(text) }

    /// Markup this program wrote itself (the style sheet, the doctype): never text from the core.
    mutating func trusted(_ markup: StaticString) { self.markup += markup.description }

    /// `<name attributes>body</name>`; attribute names are the program's, values are escaped.
    mutating func element(_ name: StaticString, _ attributes: KeyValuePairs<String, String> = [:], _ body: (inout HTML) -> Void) {
        open(name, attributes)
        body(&self)
        markup += "</\(name)>"
    }

    mutating func element(_ name: StaticString, _ attributes: KeyValuePairs<String, String> = [:], text: String) {
        element(name, attributes) { $0.text(text) }
    }

    /// An element without content or end tag (`<rect …/>` in SVG, `<meta>` in HTML).
    mutating func empty(_ name: StaticString, _ attributes: KeyValuePairs<String, String>) {
        open(name, attributes, selfClosing: true)
    }

    mutating func append(_ other: HTML) { markup += other.markup }

    private mutating func open(_ name: StaticString, _ attributes: KeyValuePairs<String, String>, selfClosing: Bool = false) {
        markup += "<\(name)"
        for (key, value) in attributes { markup += " \(key)=\"\(Self.escape(value))\"" }
        markup += selfClosing ? "/>" : ">"
    }
}

extension HTML {
    /// A table with a header row; each cell is text, and cells of `numeric` columns align right.
    mutating func table(_ header: [String], numeric: Set<Int> = [], rows: [[String]]) {
        element("table") { table in
            table.element("thead") { head in
                head.element("tr") { row in
                    for (column, title) in header.enumerated() {
                        row.element("th", numeric.contains(column) ? ["class": "num"] : [:], text: title)
                    }
                }
            }
            table.element("tbody") { body in
                for cells in rows {
                    body.element("tr") { row in
                        for (column, cell) in cells.enumerated() {
                            row.element("td", numeric.contains(column) ? ["class": "num"] : [:], text: cell)
                        }
                    }
                }
            }
        }
    }

    /// A paragraph in the muted style: what a section leaves out, or why it is empty.
    mutating func note(_ text: String) { element("p", ["class": "note"], text: text) }
}
