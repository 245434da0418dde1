#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a compressed core into a plain one that can be mapped like any
/// other: streamed through fixed buffers into a sparse file in `$TMPDIR`
/// that is unlinked at once, so it disappears with the process and nothing
/// is ever written next to the core.
///
/// A stream that is corrupt or cut off is refused (exit 2) rather than read
/// in part: the bytes before a cut are sound, but corrupt data is not, and
/// one rule is easier to trust. Decompressing with the tool itself (`zstd -d`
/// keeps what it got) gives a truncated core, which coreinspect reads with a
/// warning.
enum CoreDecompression {
    /// Input and output buffers: all the memory decompression needs besides the decoder's window.
    static let bufferSize = 1 << 20

    /// Decompresses the open file `input` (at offset 0) and returns the
    /// descriptor of the unlinked plain copy; the caller closes it.
    static func decompress(_ input: Int32, path: String, format: CompressionFormat, compressedSize: UInt64) throws -> Int32 {
        let output = try unlinkedTemporaryFile(for: path)
        do {
            try decode(input, into: output, path: path, format: format, compressedSize: compressedSize)
            return output
        } catch {
            close(output)
            throw error
        }
    }

    private static func decode(_ input: Int32, into output: Int32, path: String, format: CompressionFormat,
                               compressedSize: UInt64) throws {
        let decoder: StreamDecompressor
        do { decoder = try format.makeDecompressor() } catch { throw corrupt(path, format, error.reason) }
        let inputBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 4096)
        let outputBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 4096)
        defer { inputBuffer.deallocate(); outputBuffer.deallocate() }
        var writer = SparseFileWriter(descriptor: output)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let progress = ProgressReporting.start("decompressing \(name)", total: compressedSize, unit: .bytes)
        var consumedTotal: UInt64 = 0
        var available = 0, position = 0
        var inputEnded = false
        while true {
            if position == available && !inputEnded {
                available = try readSome(input, into: inputBuffer, path: path)
                position = 0
                inputEnded = available == 0
            }
            let pending = UnsafeRawBufferPointer(rebasing: inputBuffer[position..<available])
            let step: (consumed: Int, produced: Int)
            do {
                step = try decoder.decode(pending, into: outputBuffer, inputEnded: inputEnded)
            } catch {
                throw corrupt(path, format, "\(error.reason) (after \(writer.size) bytes of output)")
            }
            position += step.consumed
            consumedTotal += UInt64(step.consumed)
            do {
                try writer.append(UnsafeRawBufferPointer(rebasing: outputBuffer[0..<step.produced]))
            } catch {
                throw CoreInspectError.unreadableFile(path: path, reason: "cannot decompress into \(temporaryDirectory): \(error.reason)")
            }
            progress.update(consumedTotal)
            // A full output buffer may leave more output inside the decoder: drain it first.
            let drained = step.produced < outputBuffer.count
            if inputEnded && position == available && drained { break }
            if step.consumed == 0 && step.produced == 0 && position < available {
                throw corrupt(path, format, "the decoder stopped with input left (after \(writer.size) bytes of output)")
            }
        }
        progress.finish(consumedTotal)
        guard decoder.atStreamEnd else {
            throw CoreInspectError.truncated(path: path, what: "\(format.rawValue) stream ends early, after \(writer.size) bytes of output; `\(format.rawValue) -d` keeps that part as a truncated core")
        }
        do { try writer.finish() } catch {
            throw CoreInspectError.unreadableFile(path: path, reason: "cannot decompress into \(temporaryDirectory): \(error.reason)")
        }
    }

    private static func corrupt(_ path: String, _ format: CompressionFormat, _ reason: String) -> CoreInspectError {
        .malformed(path: path, what: "\(format.rawValue) stream: \(reason)")
    }

    private static func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw CoreInspectError.unreadableFile(path: path, reason: MappedFile.errnoText()) }
        }
    }

    static var temporaryDirectory: String {
        guard let value = getenv("TMPDIR"), value.pointee != 0 else { return "/tmp" }
        return String(cString: value)
    }

    /// A new file in `$TMPDIR`, removed from the directory at once: only our descriptor keeps it.
    private static func unlinkedTemporaryFile(for path: String) throws -> Int32 {
        var template = Array((temporaryDirectory + "/coreinspect-core-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw CoreInspectError.unreadableFile(path: path, reason: "cannot create a file in \(temporaryDirectory) to decompress into: \(MappedFile.errnoText())")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return descriptor
    }
}
