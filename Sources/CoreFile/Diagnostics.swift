/// Part of the answer is missing or may be wrong: a truncated core, a file
/// that was not found, goroutines that could not be read, a guessed layout.
/// Any warning makes the exit status 1 ("partial").
///
/// Collected along the way and printed at the end, as golang/debug's
/// `Process.Warnings()` does. Warnings of one kind with one message are
/// counted rather than repeated (see `Diagnostics`), so a corrupt list gives
/// one line, not thousands.
public struct Warning: Hashable, Sendable, CustomStringConvertible {
    /// What is missing or doubtful; JSON and scripts match on it.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// The core ends before data it declares.
        case truncatedCore = "truncated-core"
        /// A note or structure of the core is inconsistent.
        case malformedCore = "malformed-core"
        /// A file the core names was not found.
        case missingFile = "missing-file"
        /// A file's build-id differs from the core's (refused, or used with --force).
        case buildIDMismatch = "build-id-mismatch"
        /// The Go runtime, or some goroutines, could not be read.
        case unreadableGoRuntime = "unreadable-go-runtime"
        /// A runtime layout or table taken from another release.
        case guessedLayout = "guessed-layout"
        /// Symbols are incomplete: frames lack names, lines or inlined calls.
        case incompleteSymbols = "incomplete-symbols"
        /// --timeout expired: an analysis stopped early and the answer is marked incomplete.
        case timeout
        case other
    }

    public var kind: Kind
    public var message: String
    /// How many times it happened.
    public var count: Int

    public init(_ message: String, kind: Kind = .other, count: Int = 1) {
        self.message = message
        self.kind = kind
        self.count = count
    }

    public var description: String { count > 1 ? "\(message) (\(count) times)" : message }
}

/// What the files allow, said once so nobody wonders: a library without
/// debug info, names taken from the symbol table. Printed, but the answer
/// is complete for those files and the exit status stays 0.
public struct Note: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// A module has no DWARF: names come from its symbol table, without lines or inlined calls.
        case noDebugInfo = "no-debug-info"
        case other
    }

    public var kind: Kind
    public var message: String

    public init(_ message: String, kind: Kind = .other) {
        self.message = message
        self.kind = kind
    }

    public var description: String { message }
}

/// The warnings and notes of one run, in the order first seen. The same
/// warning (kind and message) from any number of places becomes one entry
/// with the counts added up; the same note is kept once.
public struct Diagnostics: Sendable {
    public private(set) var warnings: [Warning] = []
    public private(set) var notes: [Note] = []
    private var warningIndex: [WarningKey: Int] = [:]

    private struct WarningKey: Hashable {
        var kind: Warning.Kind
        var message: String
    }

    public init(warnings: [Warning] = [], notes: [Note] = []) {
        add(warnings)
        add(notes)
    }

    public mutating func add(_ warning: Warning) {
        let key = WarningKey(kind: warning.kind, message: warning.message)
        if let index = warningIndex[key] {
            warnings[index].count += warning.count
        } else {
            warningIndex[key] = warnings.count
            warnings.append(warning)
        }
    }

    public mutating func add(_ warnings: [Warning]) {
        for warning in warnings { add(warning) }
    }

    public mutating func add(_ note: Note) {
        if !notes.contains(note) { notes.append(note) }
    }

    public mutating func add(_ notes: [Note]) {
        for note in notes { add(note) }
    }

    /// True when the answer is partial.
    public var hasWarnings: Bool { !warnings.isEmpty }
}
