/// NT_PRPSINFO (`struct elf_prpsinfo`, 136 bytes on x86_64): who the process was.
public struct ProcessInfo: Sendable, NamedFields {
    public static let size: UInt64 = 136

    public var state: Int8
    public var stateName: Character
    public var zombie: Int8
    public var nice: Int8
    public var flags: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    public var ppid: Int32
    public var processGroup: Int32
    public var session: Int32
    /// `pr_fname`: the thread-group leader's `comm`, at most 15 characters.
    public var fileName: String
    /// `pr_psargs`: the command line, spaces for NULs, cut at 80 bytes.
    public var arguments: String

    public init(descriptor view: ByteView, path: String) throws {
        guard view.contains(offset: 0, count: ProcessInfo.size) else {
            throw CoreInspectError.malformed(path: path, what: "NT_PRPSINFO is \(view.count) bytes, expected \(ProcessInfo.size)")
        }
        state = view.loadUnchecked(Int8.self, at: 0)
        stateName = Character(Unicode.Scalar(view.loadUnchecked(UInt8.self, at: 1)))
        zombie = view.loadUnchecked(Int8.self, at: 2)
        nice = view.loadUnchecked(Int8.self, at: 3)
        flags = view.loadUnchecked(UInt64.self, at: 8)
        uid = view.loadUnchecked(UInt32.self, at: 16)
        gid = view.loadUnchecked(UInt32.self, at: 20)
        pid = view.loadUnchecked(Int32.self, at: 24)
        ppid = view.loadUnchecked(Int32.self, at: 28)
        processGroup = view.loadUnchecked(Int32.self, at: 32)
        session = view.loadUnchecked(Int32.self, at: 36)
        fileName = view.cString(at: 40, maxLength: 16) ?? ""
        let rawArguments = view.cString(at: 56, maxLength: 80) ?? ""
        arguments = String(rawArguments.reversed().drop { $0 == " " }.reversed())
    }

    public var fields: [NoteField] {
        [
            NoteField("state", "\(state)"), NoteField("sname", String(stateName)),
            NoteField("zomb", "\(zombie)"), NoteField("nice", "\(nice)"),
            NoteField("flag", hex(flags)), NoteField("uid", "\(uid)"), NoteField("gid", "\(gid)"),
            NoteField("pid", "\(pid)"), NoteField("ppid", "\(ppid)"),
            NoteField("pgrp", "\(processGroup)"), NoteField("sid", "\(session)"),
            NoteField("fname", fileName), NoteField("psargs", arguments),
        ]
    }
}
