import CoreFile

/// `coreinspect symbolize EXE ADDR…`: each address's function, file:line and
/// inlined calls, innermost first.
public struct SymbolizeReport: Encodable {
    public struct Location: Encodable {
        public var function: String?
        public var file: String?
        public var line: Int?
        public var column: Int?
        /// Inlined into the next location of the list.
        public var inlined: Bool

        public init(function: String?, file: String?, line: Int?, column: Int?, inlined: Bool) {
            self.function = function
            self.file = file
            self.line = line
            self.column = column
            self.inlined = inlined
        }
    }

    public struct Entry: Encodable {
        public var address: String
        /// pclntab (Go), dwarf, symbols (ELF symbol table only), or none.
        public var source: String
        public var frames: [Location]
        /// The ELF symbol holding the address (demangled), which may differ
        /// from the DWARF name: `read_comm.constprop.0`, `f() [clone .cold]`.
        public var symbol: String?
        let value: Address

        enum CodingKeys: String, CodingKey { case address, source, frames, symbol }

        public init(address: Address, source: String, frames: [Location], symbol: String?) {
            value = address
            self.symbol = symbol
            self.address = address.hex
            self.source = source
            self.frames = frames
        }
    }

    public var executable: String
    public var buildID: String?
    public var addresses: [Entry]

    public init(executable: String, buildID: String?, addresses: [Entry]) {
        self.executable = executable
        self.buildID = buildID
        self.addresses = addresses
    }

    /// `eu-addr2line -a -i -f -C` output: the address, then per frame the
    /// function and its file:line:column, "??" for what is unknown. As there,
    /// only the innermost frame, when inlined, names its call site and the
    /// ELF symbol it is in; the JSON has every frame's flag.
    public func text(style: TextStyle) -> String {
        var lines: [String] = []
        for entry in addresses {
            lines.append(style.dim(Format.paddedHex(entry.value)))
            for (index, frame) in entry.frames.enumerated() {
                let function = frame.function ?? "??"
                if index == 0, frame.inlined, entry.frames.count > 1 {
                    let callSite = entry.frames[1], outermost = entry.frames[entry.frames.count - 1]
                    let container = entry.symbol ?? outermost.function ?? "??"
                    lines.append("\(style.bold(function)) inlined at \(Self.location(callSite)) in \(container)")
                } else {
                    lines.append(style.bold(function))
                }
                lines.append(Self.location(frame))
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func location(_ frame: Location) -> String {
        guard let file = frame.file else { return "??:0" }
        return "\(file):\(frame.line ?? 0)" + (frame.column.map { ":\($0)" } ?? "")
    }
}
