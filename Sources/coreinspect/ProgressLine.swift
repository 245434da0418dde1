#if canImport(Glibc)
import Glibc
#endif
import CoreFile
import Synchronization

/// Draws long steps' progress as one line on standard error, redrawn in
/// place, and clears it when the step ends, so the output that follows (and
/// any warnings) starts on a clean line. Only on a terminal, never with
/// `--quiet`: a log file or a pipe gets no carriage returns.
enum ProgressLine {
    static func installIfWanted(quiet: Bool) {
        guard !quiet, isatty(STDERR_FILENO) == 1 else { return }
        // COREINSPECT_PROGRESS_DELAY: seconds before a step's first line (default 1), so tests see it on small cores.
        let delay = getenv("COREINSPECT_PROGRESS_DELAY").flatMap { Double(String(cString: $0)) } ?? 1.0
        ProgressReporting.install({ update in draw(update) }, quietPeriod: delay)
    }

    /// Updates can come from several workers at once; lines must not interleave.
    private static let writing = Mutex(())

    private static func draw(_ update: ProgressUpdate) {
        // "\r" back to the line's start, ESC[K clears the rest of it.
        let line = update.finished ? "\r\u{1b}[K" : "\r\u{1b}[K" + describe(update)
        writing.withLock { _ in
            let bytes = Array(line.utf8)
            _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
    }

    static func describe(_ update: ProgressUpdate) -> String {
        let done = amount(update.done, update.unit)
        var text = "\(update.title): \(done)"
        if let total = update.total, total > 0 {
            text += " of \(amount(total, update.unit)) (\(min(100, update.done * 100 / total)) %)"
        }
        return text + ", \(Int(update.elapsed)) s"
    }

    private static func amount(_ value: UInt64, _ unit: ProgressUnit) -> String {
        switch unit {
        case .items: return "\(value)"
        case .bytes:
            let tenthsOfGiB = (value * 10) >> 30
            if tenthsOfGiB >= 10 { return "\(tenthsOfGiB / 10).\(tenthsOfGiB % 10) GiB" }
            return value >= 1 << 20 ? "\(value >> 20) MiB" : "\(value >> 10) KiB"
        }
    }
}
