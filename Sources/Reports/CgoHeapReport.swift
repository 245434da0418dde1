/// `heap` on a Go program: the Go heap's report, and for a program that uses cgo its C heap's
/// beside it, each on its own. JSON: the Go report's keys, plus `glibc` holding the C heap's
/// result exactly as `heap` prints it for a C program; without a C heap, exactly the Go report.
public struct CgoHeapReport: Encodable {
    public let go: HeapReport
    public let glibc: GlibcHeapReport?

    public init(go: HeapReport, glibc: GlibcHeapReport?) {
        self.go = go
        self.glibc = glibc
    }

    private enum Key: String, CodingKey { case glibc }

    public func encode(to encoder: any Encoder) throws {
        // Both write into the one keyed container: the Go report's keys stay at the top level.
        try go.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(glibc, forKey: .glibc)
    }

    public func text(style: TextStyle) -> String {
        guard let glibc else { return go.text(style: style) }
        return go.text(style: style) + "\n\n" + glibc.text(style: style)
    }
}
