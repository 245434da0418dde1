/// Go release numbers from the version strings build info carries.
enum GoVersion {
    /// "go1.23.4" → 23, "go1.21rc2" → 21, "devel go1.27-abcdef …" → 27.
    static func minor(of version: String) -> Int? {
        let bytes = Array(version.utf8), prefix = Array("go1.".utf8)
        guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: prefix) }) else { return nil }
        let digits = bytes[(start + prefix.count)...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return digits.isEmpty ? nil : Int(String(decoding: digits, as: UTF8.self))
    }
}
