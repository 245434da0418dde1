/// The goroutine dump the Go runtime prints on a fatal signal with
/// GOTRACEBACK=crash: the truth for the kernel cores made that way.
struct RuntimeTraceback {
    struct Goroutine {
        var id: Int64
        /// The bracketed state without ", N minutes" or ", locked to thread".
        var state: String
        var frames: [Frame] = []
        var createdBy: Frame?
        var parent: Int64?
        /// "goroutine running on other thread; stack unavailable": printed while
        /// another M ran it, so it kept running until that M was stopped.
        var stackUnavailable = false
    }

    struct Frame: Equatable, CustomStringConvertible {
        var function: String
        var file: String
        var line: Int
        var description: String { "\(function) \(file):\(line)" }
    }

    /// By id; goroutine 0 (an M's g0) is left out. A goroutine printed twice keeps the dump with its stack.
    var goroutines: [Int64: Goroutine] = [:]

    init(_ text: String) {
        var current: Goroutine?
        var pendingFunction: String?
        var inCreatedBy = false
        func finish() {
            if let goroutine = current, goroutine.id != 0,
               goroutines[goroutine.id].map({ $0.frames.count < goroutine.frames.count }) ?? true {
                goroutines[goroutine.id] = goroutine
            }
            current = nil
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if line.hasPrefix("goroutine "), line.hasSuffix(":"), let open = line.lastIndex(of: "["), let close = line.lastIndex(of: "]") {
                finish()
                let id = Int64(line.dropFirst("goroutine ".count).prefix { $0.isNumber }) ?? -1
                let state = line[line.index(after: open)..<close].split(separator: ",").first.map(String.init) ?? ""
                current = Goroutine(id: id, state: state)
                continue
            }
            guard current != nil else { continue }
            if line.isEmpty {
                finish()
            } else if line.hasPrefix("\t") {
                if line.contains("stack unavailable") { current?.stackUnavailable = true }
                guard let function = pendingFunction else { continue }
                let location = line.dropFirst().split(separator: " ").first.map(String.init) ?? ""
                guard let colon = location.lastIndex(of: ":"), let number = Int(location[location.index(after: colon)...]) else { continue }
                let frame = Frame(function: function, file: String(location[..<colon]), line: number)
                if inCreatedBy { current?.createdBy = frame } else { current?.frames.append(frame) }
                pendingFunction = nil
            } else if line.hasPrefix("created by ") {
                var rest = line.dropFirst("created by ".count)
                if let range = rest.range(of: " in goroutine ") {
                    current?.parent = Int64(rest[range.upperBound...])
                    rest = rest[..<range.lowerBound]
                }
                pendingFunction = String(rest)
                inCreatedBy = true
            } else if line.hasSuffix(")"), let open = line.lastIndex(of: "(") {
                pendingFunction = String(line[..<open])
                inCreatedBy = false
            } else if line.hasPrefix("...") {
                continue // "...additional frames elided..."
            }
        }
        finish()
    }
}
