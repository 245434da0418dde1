import Foundation
import Reports
import XCTest

/// Debian's chromium, headless: the real browser the HTML report is checked in.
/// Tools/setup installs it; a test skips only where it is absent.
struct HeadlessChromium {
    let binary: String
    /// Its own profile directory, so parallel runs never share one.
    let profile: String

    init(scratch: String) throws {
        guard let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("chromium is not installed (Tools/setup installs it): the report is not rendered in a browser")
        }
        self.binary = binary
        profile = scratch + "/chromium-profile"
    }

    struct Rendering {
        /// The page's console messages (errors, CSP violations, uncaught exceptions): a clean page has none.
        var console: [String]
        var stderr: String
    }

    /// A screenshot of `page` at the window size.
    func screenshot(_ page: String, to png: String, width: Int, height: Int) throws -> Rendering {
        try run(["--screenshot=\(png)", "--window-size=\(width),\(height)", "--hide-scrollbars", "file://\(page)"]).rendering
    }

    /// The DOM after parsing, as the browser built it.
    func dumpDOM(_ page: String) throws -> (dom: String, rendering: Rendering) {
        let (stdout, rendering) = try run(["--dump-dom", "file://\(page)"])
        return (stdout, rendering)
    }

    private func run(_ arguments: [String]) throws -> (stdout: String, rendering: Rendering) {
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                      "--user-data-dir=\(profile)", "--enable-logging=stderr", "--v=0"]
        let result = try Shell.run(binary, common + arguments)
        guard result.status == 0 else { throw FixtureError("chromium \(arguments) exited \(result.status): \(result.stderr.suffix(2000))") }
        let console = result.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }.map(String.init)
        return (result.stdout, Rendering(console: console, stderr: result.stderr))
    }
}

/// Just enough of PNG to judge a screenshot: its size, and the colours of its pixels
/// (8-bit RGB or RGBA, non-interlaced, as chromium writes them).
struct PNGImage {
    let width: Int
    let height: Int
    /// Every pixel as 0xRRGGBB, row by row.
    let pixels: [UInt32]

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count > 33, bytes.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw FixtureError("\(path): not a PNG file")
        }
        func word(_ offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        var offset = 8
        var header: ArraySlice<UInt8> = []
        var compressed: [UInt8] = []
        while offset + 8 <= bytes.count {
            let length = word(offset), type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            guard offset + 12 + length <= bytes.count else { throw FixtureError("\(path): chunk \(type) cut off") }
            let data = bytes[offset + 8..<offset + 8 + length]
            if type == "IHDR" { header = data } else if type == "IDAT" { compressed += data }
            offset += 12 + length
        }
        guard header.count == 13 else { throw FixtureError("\(path): no IHDR") }
        let start = header.startIndex
        width = word(start)
        height = word(start + 4)
        let (depth, colour, interlace) = (header[start + 8], header[start + 9], header[start + 12])
        guard depth == 8, colour == 2 || colour == 6, interlace == 0 else {
            throw FixtureError("\(path): depth \(depth), colour type \(colour), interlace \(interlace) not read here")
        }
        let channels = colour == 6 ? 4 : 3
        let raw = try Gzip.decompress(compressed)
        let stride = width * channels
        guard raw.count == height * (stride + 1) else { throw FixtureError("\(path): \(raw.count) bytes of pixels for \(width)x\(height)") }
        pixels = Self.unfiltered(raw, width: width, height: height, channels: channels)
    }

    /// Undoes PNG's per-row filters (none, sub, up, average, Paeth).
    private static func unfiltered(_ raw: [UInt8], width: Int, height: Int, channels: Int) -> [UInt32] {
        let stride = width * channels
        var previous = [UInt8](repeating: 0, count: stride), current = previous
        var pixels: [UInt32] = []
        pixels.reserveCapacity(width * height)
        for row in 0..<height {
            let base = row * (stride + 1), filter = raw[base]
            for index in 0..<stride {
                let x = raw[base + 1 + index]
                let left = index >= channels ? current[index - channels] : 0
                let up = previous[index], upLeft = index >= channels ? previous[index - channels] : 0
                switch filter {
                case 1: current[index] = x &+ left
                case 2: current[index] = x &+ up
                case 3: current[index] = x &+ UInt8((Int(left) + Int(up)) / 2)
                case 4:
                    let estimate = Int(left) + Int(up) - Int(upLeft)
                    let (a, b, c) = (abs(estimate - Int(left)), abs(estimate - Int(up)), abs(estimate - Int(upLeft)))
                    current[index] = x &+ (a <= b && a <= c ? left : b <= c ? up : upLeft)
                default: current[index] = x
                }
            }
            for pixel in 0..<width {
                let at = pixel * channels
                pixels.append(UInt32(current[at]) << 16 | UInt32(current[at + 1]) << 8 | UInt32(current[at + 2]))
            }
            swap(&previous, &current)
        }
        return pixels
    }
}
