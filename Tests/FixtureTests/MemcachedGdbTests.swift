import CoreFile
import Foundation
import GlibcMalloc
import ProcessImage
import Symbols
import XCTest

/// Issue 9's second check, on a real server rather than a fixture program of our own: Debian's
/// memcached with four worker threads (so thread arenas exist) gets load from several connections,
/// then gdb walks its glibc heap through libc6-dbg, gcores it and asks it for `mallinfo2()`;
/// coreinspect's walk of that core must agree with gdb on every count.
final class MemcachedGdbTests: XCTestCase {
    static let valueSizes = [10, 100, 1000, 5000, 20000, 200_000]

    func testHeapWalkEqualsGdbsWalkOfLiveMemcached() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb") else { throw XCTSkip("gdb is not installed") }
        let server = try MemcachedServer(threads: 4)
        defer { server.stop() }
        try drive(server, clients: 8)

        let directory = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let core = directory + "/core", walkPath = directory + "/walk.json"
        // gdb_walk.py walks the free lists by libc's DWARF, then gcores, then calls mallinfo2() in
        // the process. The call comes after the dump because it pushes a frame below the current
        // thread's SP. It does not change the heap: in 2.36 `mallinfo2` only takes and releases each
        // arena's mutex around `int_mallinfo`, which reads the bins and calls nothing that allocates
        // or consolidates (see `disassemble int_mallinfo` in gdb). The process stays stopped from
        // the walk to the call, so the walk, the core and mallinfo2 all describe one state. memcached's
        // threads are idle in epoll_wait by then, so no arena lock is held and the call cannot block.
        let script = Fixtures.packageRoot + "/Tools/c-heap-fixture/gdb_walk.py"
        let gdb = try Shell.run("/usr/bin/env", ["C_HEAP_CORE_OUT=\(core)", "C_HEAP_WALK_OUT=\(walkPath)",
                                                 "timeout", "120", "gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off",
                                                 "-p", String(server.pid), "-x", script])
        server.stop()
        guard gdb.status == 0, FileManager.default.fileExists(atPath: walkPath) else {
            return XCTFail("gdb walk of memcached failed (\(gdb.status)): \(gdb.stderr.suffix(2000))")
        }
        let walk = try GdbHeapWalk(path: walkPath)

        // What makes the comparison worth having: thread arenas, and free chunks to find.
        XCTAssertGreaterThanOrEqual(walk.arenas.count, 3, "memcached's workers made thread arenas")
        var freeChunks = walk.tcaches.reduce(0) { $0 + $1.entries.count }
        for arena in walk.arenas {
            freeChunks += arena.fastbin.count + arena.unsorted.count + arena.smallbin.count + arena.largebin.count
        }
        XCTAssertGreaterThan(freeChunks, 0, "the load left free chunks")

        let search = FileSearch()
        let process = try ProcessImage(corePath: core, search: search)
        let symbols = try NativeSymbols(process: process, search: search)
        for method in [GlibcHeap.Method.automatic, .structureOnly] {
            let heap = try GlibcHeap.read(process: process, symbols: symbols, method: method)
            let context = "memcached (\(heap.arenaSource))"
            XCTAssertEqual(heap.warnings.count, 0, "\(context): \(heap.warnings)")
            // The ring in gdb's order, from main_arena along `next`.
            XCTAssertEqual(heap.arenas.map(\.address), walk.arenas.map { hexValue($0.address) }, context)
            for (arena, gdbArena) in zip(heap.arenas, walk.arenas) {
                XCTAssertEqual(arena.systemMem, gdbArena.system_mem, "\(context) arena \(gdbArena.address) system_mem")
                // The top chunk is no row: the walk stopped at it. (Its header is not checked: the
                // chunk before it owns the top's prev_size word as the last of its usable bytes.)
                XCTAssertNil(heap.table.row(containing: Address(hexValue(gdbArena.top))), "\(context) top \(gdbArena.top)")
            }
            try walk.assertFreeListsEqual(heap, context)
            try assertMallinfo2(heap.mallinfo2, equals: XCTUnwrap(walk.mallinfo2), context)
        }
    }

    /// Field by field, with struct mallinfo2's names on both sides.
    private func assertMallinfo2(_ mallinfo: GlibcMallinfo2, equals gdb: [String: UInt64], _ context: String) throws {
        let ours = try JSONDecoder().decode([String: UInt64].self, from: JSONEncoder().encode(mallinfo))
        XCTAssertEqual(ours.count, 10, context)
        XCTAssertEqual(Set(ours.keys), Set(gdb.keys), context)
        for (name, value) in ours.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(value, gdb[name], "\(context) mallinfo2.\(name)")
        }
    }

    /// Sets of every size in `valueSizes` from several connections at once (spread over the worker
    /// threads, each allocating in its own arena), a multi-get, stats replies, deletes and closes,
    /// so that buffers are allocated and freed in several arenas.
    private func drive(_ server: MemcachedServer, clients: Int) throws {
        let failures = Failures(), port = server.port
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            do {
                for round in 0..<2 {
                    let connection = try MemcachedServer.Connection(port: port)
                    defer { connection.close() }
                    let keys = (0..<120).map { "k\(client)_\(round)_\($0)" }
                    for (index, key) in keys.enumerated() {
                        let size = Self.valueSizes[index % Self.valueSizes.count]
                        try connection.request("set \(key) 0 0 \(size)", value: [UInt8](repeating: UInt8(65 + index % 26), count: size),
                                               until: ["STORED"])
                    }
                    let got = try connection.request("get " + keys.joined(separator: " "), until: ["END"])
                    if got.filter({ $0.hasPrefix("VALUE ") }).count != keys.count { throw FixtureError("get lost keys") }
                    for command in ["stats", "stats items", "stats slabs", "stats settings", "stats conns"] {
                        try connection.request(command, until: ["END"])
                    }
                    for key in keys.enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) {
                        try connection.request("delete \(key)", until: ["DELETED"])
                    }
                }
            } catch {
                failures.append("client \(client): \(error)")
            }
        }
        XCTAssertEqual(failures.all, [], "load on memcached")
    }
}

/// Errors gathered from concurrent clients.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ text: String) { lock.withLock { list.append(text) } }
    var all: [String] { lock.withLock { list } }
}
