import CoreFile
import Symbols

/// A frame as the JSON schema writes it: its number in the stack, and its pc
/// as a hex string (JSON numbers lose precision past 2^53).
struct NumberedFrame: Encodable {
    var index: Int
    var frame: Frame

    enum CodingKeys: String, CodingKey { case index, pc, function, offset, module, file, line, column, inlined }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(frame.pc.hex, forKey: .pc)
        try container.encodeIfPresent(frame.function, forKey: .function)
        try container.encodeIfPresent(frame.offset, forKey: .offset)
        try container.encodeIfPresent(frame.module, forKey: .module)
        try container.encodeIfPresent(frame.file, forKey: .file)
        try container.encodeIfPresent(frame.line, forKey: .line)
        try container.encodeIfPresent(frame.column, forKey: .column)
        try container.encode(frame.isInlined, forKey: .inlined)
    }

    static func numbered(_ frames: [Frame]) -> [NumberedFrame] {
        frames.enumerated().map { NumberedFrame(index: $0, frame: $1) }
    }
}

extension Stack {
    /// One line per frame, then why the walk stopped, if it stopped early.
    func textLines(style: TextStyle, showStopReason: Bool = true) -> [String] {
        var lines = frames.enumerated().map { $1.text(index: $0, style: style) }
        if showStopReason, let stopReason { lines.append(style.yellow("    (\(stopReason))")) }
        return lines
    }
}

extension Frame {
    /// `#3  0x0000…  function+0x12 [inlined] (module) file:line`
    func text(index: Int, style: TextStyle) -> String {
        let number = "#\(index)".padded(to: 4)
        var text = "  \(number)\(Format.paddedHex(pc)) "
        text += style.cyan(function ?? "??")
        if let offset, offset > 0 { text += style.dim("+0x" + String(offset, radix: 16)) }
        if isInlined { text += style.yellow(" [inlined]") }
        if let module { text += style.dim(" (\(Format.basename(module)))") }
        if let file {
            text += " " + file
            if let line { text += ":\(line)" }
        }
        return text
    }

}

/// A source location without a pc: where a goroutine was created, or a group's user frame.
struct SourceSite: Encodable {
    var function: String
    var file: String?
    var line: Int?

    init(function: String, file: String?, line: Int?) {
        self.function = function
        self.file = file
        self.line = line
    }

    init?(_ frame: Frame?) {
        guard let frame, let function = frame.function else { return nil }
        self.init(function: function, file: frame.file, line: frame.line)
    }

    var text: String {
        var text = function
        if let file { text += " at \(Format.basename(file))" + (line.map { ":\($0)" } ?? "") }
        return text
    }
}
