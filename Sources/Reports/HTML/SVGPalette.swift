/// Colours and numbers for the report's SVG: the same name gets the same colour in every
/// report and run (FNV-1a, not Swift's per-process randomized hashing).
enum SVGPalette {
    static func hue(of name: String, in range: ClosedRange<Int> = 0...359) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in name.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        return range.lowerBound + Int(hash % UInt32(range.count))
    }

    /// What tiles of one colour share: a Go type's package ("main" of "[128]*main.Entry"),
    /// else the name without its array and pointer prefixes (every "[N bytes]" alike).
    static func family(of name: String) -> String {
        let bare = name.drop { "[]0123456789*".contains($0) }
        return String(bare.prefix { $0 != "." })
    }

    static func hsl(_ hue: Int, saturation: Int, lightness: Int) -> String { "hsl(\(hue),\(saturation)%,\(lightness)%)" }

    /// A coordinate to a tenth of a unit: plenty for a screen, and short in the file.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    /// `label` cut to what fits in `width` units at the report's 11-unit font (about 6.6 units a character).
    static func fitted(_ label: String, width: Double) -> String? {
        let characters = Int((width - 6) / 6.6)
        guard characters >= 3 else { return nil }
        return label.count <= characters ? label : String(label.prefix(characters - 1)) + "…"
    }
}
