import Foundation
import Glibc
import XCTest

/// Debian's memcached, run as the current user on a loopback port for one test, and driven through
/// its text protocol. `stop()` kills it; callers `defer` it so a failing test never leaves it running.
final class MemcachedServer {
    static let candidates = ["/usr/bin/memcached", "/usr/local/bin/memcached"]

    let process = Process()
    let port: UInt16
    var pid: Int32 { process.processIdentifier }

    /// Starts memcached with `threads` workers and waits until it accepts connections.
    init(threads: Int) throws {
        guard let binary = Self.candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("memcached is not installed (Tools/setup installs Debian's package)")
        }
        port = try Self.freeLoopbackPort()
        process.executableURL = URL(fileURLWithPath: binary)
        // UDP off; memcached refuses to run as root unless told which user to become.
        var arguments = ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-t", String(threads)]
        if getuid() == 0 { arguments += ["-u", "root"] }
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<100 {
            if let connection = try? Connection(port: port) {
                connection.close()
                return
            }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        stop()
        throw XCTSkip("memcached did not start on 127.0.0.1:\(port)")
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    /// A port the kernel just handed out, so unlikely to clash with another test run.
    private static func freeLoopbackPort() throws -> UInt16 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(socket) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw FixtureError("no free loopback port: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// One client connection speaking memcached's text protocol.
    final class Connection {
        private let socket: Int32
        private var pending: [UInt8] = []

        init(port: UInt16) throws {
            socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = MemcachedServer.loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else {
                Glibc.close(socket)
                throw FixtureError("connect to 127.0.0.1:\(port): errno \(errno)")
            }
        }

        func close() { Glibc.close(socket) }

        func send(_ bytes: [UInt8]) throws {
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { throw FixtureError("send: errno \(errno)") }
                sent += count
            }
        }

        /// Sends one command and reads reply lines until one of `last` (e.g. END, STORED).
        @discardableResult
        func request(_ command: String, value: [UInt8]? = nil, until last: Set<String>) throws -> [String] {
            var bytes = Array((command + "\r\n").utf8)
            if let value { bytes += value + Array("\r\n".utf8) }
            try send(bytes)
            var lines: [String] = []
            while true {
                let line = try readLine()
                lines.append(line)
                if last.contains(line) { return lines }
                if line.hasPrefix("ERROR") || line.hasPrefix("CLIENT_ERROR") || line.hasPrefix("SERVER_ERROR") {
                    throw FixtureError("memcached answered \(command.prefix(40)): \(line)")
                }
            }
        }

        private func readLine() throws -> String {
            while true {
                if let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<end], as: UTF8.self)
                    pending.removeSubrange(...end)
                    return line.hasSuffix("\r") ? String(line.dropLast()) : line
                }
                var buffer = [UInt8](repeating: 0, count: 65536)
                let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { throw FixtureError("memcached closed the connection") }
                pending += buffer[..<count]
            }
        }
    }
}
