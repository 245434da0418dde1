@testable import CoreFile
import Foundation
import XCTest

/// The decompressed copy of a core must read back byte for byte and leave
/// its zero blocks as holes, whatever the output pieces' alignment.
final class SparseFileWriterTests: XCTestCase {
    func testZeroBlocksBecomeHolesAndTheBytesReadBack() throws {
        let path = NSTemporaryDirectory() + "coreinspect-sparse-\(getpid())"
        let descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        defer { close(descriptor); unlink(path) }
        // 8 MiB of zeros with a few marked bytes, fed in pieces that straddle block boundaries.
        let size = 8 << 20
        var expected = [UInt8](repeating: 0, count: size)
        let marks = [0, 4095, 4096, 5 << 20 + 17, size - 1]
        for (index, offset) in marks.enumerated() { expected[offset] = UInt8(index + 1) }
        var writer = SparseFileWriter(descriptor: descriptor)
        var position = 0
        let pieces = [1, 4094, 3, 100_000, 1 << 20]
        var next = 0
        while position < size {
            let count = min(pieces[next % pieces.count], size - position)
            try expected.withUnsafeBytes { try writer.append(UnsafeRawBufferPointer(rebasing: $0[position..<position + count])) }
            position += count
            next += 1
        }
        try writer.finish()
        var info = stat()
        XCTAssertEqual(fstat(descriptor, &info), 0)
        XCTAssertEqual(Int(info.st_size), size)
        // At most one 4 KiB block per mark (0 and 4095 share one), counted in 512-byte units; a
        // file system may round up, so allow a few blocks more but nowhere near 8 MiB.
        XCTAssertLessThan(Int(info.st_blocks) * 512, 64 * 4096, "zero blocks were written out")
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertTrue(written == Data(expected), "the sparse copy differs from what was appended")
    }

    func testFormatsAreToldByMagicBytes() {
        XCTAssertEqual(CompressionFormat.detect([0x28, 0xB5, 0x2F, 0xFD, 0x24, 0x00]), .zstd)
        XCTAssertEqual(CompressionFormat.detect([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]), .xz)
        XCTAssertEqual(CompressionFormat.detect([0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00]), .gzip)
        XCTAssertNil(CompressionFormat.detect([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01]), "ELF is read as is")
        XCTAssertNil(CompressionFormat.detect([0xFD, 0x37, 0x7A]), "a cut-off magic is not xz")
    }
}
