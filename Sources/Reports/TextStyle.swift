import CoreFile

#if canImport(Glibc)
import Glibc
#endif

/// Terminal styling: colour only when writing to a terminal and `NO_COLOR`
/// is unset (https://no-color.org convention).
public struct TextStyle: Sendable {
    public var colored: Bool

    public init(colored: Bool) { self.colored = colored }

    public static func forStandardOutput() -> TextStyle {
        TextStyle(colored: isatty(STDOUT_FILENO) == 1 && getenv("NO_COLOR") == nil)
    }

    public func bold(_ text: String) -> String { wrap(text, "1") }
    public func dim(_ text: String) -> String { wrap(text, "2") }
    public func red(_ text: String) -> String { wrap(text, "31") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    public func cyan(_ text: String) -> String { wrap(text, "36") }

    private func wrap(_ text: String, _ code: String) -> String {
        colored ? "\u{1b}[\(code)m\(text)\u{1b}[0m" : text
    }
}

/// Left-aligned columns sized to their widest cell.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(indent: String = "") -> String {
        let all = [header] + rows
        let widths = (0..<header.count).map { column in all.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            let cells = row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padded(to: widths[index])
            }
            return indent + cells.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension String {
    /// Pads with `pad` up to `length` characters; longer strings stay whole.
    func padded(to length: Int, with pad: Character = " ") -> String {
        count >= length ? self : self + String(repeating: pad, count: length - count)
    }
}

enum Format {
    /// 1.5 MiB style sizes, for people; JSON carries exact byte counts.
    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(count) B" }
        let rounded = (value * 10).rounded() / 10
        return "\(rounded) \(units[unit])"
    }

    /// Fixed-width addresses line up in columns, as eu-stack prints them.
    static func paddedHex(_ address: Address) -> String {
        let digits = String(address.rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    static func basename(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
