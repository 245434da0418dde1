"""Checks for Tools/make-go-heap-fixtures, independent of coreinspect.

  truth TRUTH                 the program's self-check passed; counts fit in MemStats
  core TRUTH CORE             PT_LOAD segments hold the chosen objects, and their
                              bytes are what the program stored there
  signal CORE                 the signal number of the core's first NT_SIGINFO
  traceback TRUTH STDERR      every goroutine of the truth is in the SIGQUIT dump
  gdb TRUTH GDB_OUT           gdb's view of main.sessions and runtime.memstats.numgc
  pcs TRUTH                   the memProfile's return PCs minus 1, one a line (for
                              `go tool addr2line`)
  profile TRUTH ADDR2LINE_OUT in-use objects per allocating main.* function agree
                              with the counts (MemProfileRate 1 only)
"""
import json
import re
import struct
import sys


def fail(msg):
    sys.exit(f'go-heap-check: {msg}')


def load(path):
    return json.load(open(path))


class Core:
    """The PT_LOAD segments and notes of an x86_64 ELF core."""

    def __init__(self, path):
        self.f = open(path, 'rb')
        eh = self.f.read(64)
        if eh[:4] != b'\x7fELF' or struct.unpack_from('<H', eh, 16)[0] != 4:
            fail(f'{path}: not an ELF core')
        phoff, = struct.unpack_from('<Q', eh, 0x20)
        phnum, = struct.unpack_from('<H', eh, 0x38)
        self.f.seek(phoff)
        ph = self.f.read(56 * phnum)
        self.loads, self.notes = [], []
        for i in range(phnum):
            ptype, _, off, vaddr, _, filesz, memsz, _ = struct.unpack_from('<IIQQQQQQ', ph, 56 * i)
            if ptype == 1:
                self.loads.append((vaddr, memsz, off, filesz))
            elif ptype == 4:
                self.f.seek(off)
                self.notes.extend(parse_notes(self.f.read(filesz)))

    def read(self, addr, n):
        for vaddr, memsz, off, filesz in self.loads:
            if vaddr <= addr and addr + n <= vaddr + memsz:
                if addr + n > vaddr + filesz:
                    fail(f'{addr:#x}: in a segment without file contents')
                self.f.seek(off + addr - vaddr)
                return self.f.read(n)
        fail(f'{addr:#x}: in no PT_LOAD segment')

    def u64(self, addr):
        return struct.unpack('<Q', self.read(addr, 8))[0]


def parse_notes(d):
    """Notes with 4-byte alignment (kernel) or 1 (gcore, whose sizes are all
    multiples of 4 anyway)."""
    out, p = [], 0
    while p + 12 <= len(d):
        namesz, descsz, ntype = struct.unpack_from('<III', d, p)
        p += 12 + ((namesz + 3) & ~3)
        out.append((ntype, d[p:p + descsz]))
        p += (descsz + 3) & ~3
    return out


def obj(truth, what):
    for o in truth['objects']:
        if o['what'] == what:
            return int(o['address'], 16)
    fail(f'no object "{what}" in the truth')


def check_truth(truth):
    ms = truth['memstats']
    if truth.get('selfCheck') is not True:
        fail('selfCheck is not true')
    counted = [t for t in truth['types'] if not t.get('tiny')]
    objects = sum(t['count'] for t in counted) + truth['garbage']['count'] + truth['stringData']['count']
    nbytes = sum(t['bytes'] for t in counted) + truth['garbage']['bytes'] + truth['stringData']['bytes']
    if objects > ms['HeapObjects'] or nbytes > ms['HeapAlloc']:
        fail(f'{objects} objects / {nbytes} B counted, more than HeapObjects {ms["HeapObjects"]} '
             f'/ HeapAlloc {ms["HeapAlloc"]}')
    if truth['afterLastGC']['Mallocs'] < truth['garbage']['count']:
        fail('fewer mallocs after the last GC than garbage objects')
    if ms['Mallocs'] - ms['Frees'] != ms['HeapObjects']:
        fail('Mallocs - Frees != HeapObjects')
    if not truth['memProfile'] or len(ms['BySize']) != 61:
        fail('no memProfile records, or BySize is not 61 long')
    print(f"{truth['goVersion']} {truth['dump']}{' stripped' if truth['stripped'] else ''}: "
          f"HeapObjects {ms['HeapObjects']} HeapAlloc {ms['HeapAlloc']}, counted {objects} objects "
          f"{nbytes} B, {len(truth['memProfile'])} profile records")


def check_core(truth, core):
    """Reads the chosen objects back from the core: main.Session is
    {ID int64; Name string; Peer, Entry *T}, main.Handle {FD, Gen int64}."""
    s0 = obj(truth, 'sessions[0]')
    name_ptr, name_len = core.u64(s0 + 8), core.u64(s0 + 16)
    if core.u64(s0) != 0 or name_len != 24 or name_ptr != obj(truth, 'sessions[0].Name data'):
        fail(f'sessions[0] at {s0:#x} does not hold ID 0 and its 24-byte name')
    if core.read(name_ptr, 24) != b's' + b'0' * 23:
        fail('sessions[0].Name reads %r' % core.read(name_ptr, 24))
    if core.u64(s0 + 32) != obj(truth, 'sessions[0].Entry'):
        fail('sessions[0].Entry differs')
    if core.u64(obj(truth, 'sessions backing array')) != s0:
        fail('the sessions backing array does not start with sessions[0]')
    h = obj(truth, 'handle')
    if (core.u64(h), core.u64(h + 8)) != (9, 1):
        fail(f'handle at {h:#x} is not {{9, 1}}')
    chunk = obj(truth, 'chunks[0]')
    if core.u64(chunk) != s0:
        fail('chunks[0].Owner is not sessions[0]')
    garbage = [int(a, 16) for a in truth['garbageAddresses']]
    if len(garbage) != truth['garbage']['count'] or any(core.u64(a + 8) != i for i, a in enumerate(garbage)):
        fail('the garbage objects do not hold their index in Pad[0]')
    node = obj(truth, 'head of the Node list')
    n = 0
    while node and n < 1000:
        node, n = core.u64(node), n + 1
    want = next(t['count'] for t in truth['types'] if t['type'] == 'main.Node')
    if n != want:
        fail(f'the Node list has {n} nodes, not {want}')
    nthreads = sum(1 for t, _ in core.notes if t == 1)
    print(f'core: {len(core.loads)} PT_LOAD segments, {nthreads} threads; sessions[0], its name and '
          f'entry, handle, chunks[0], the {len(garbage)} garbage objects and the {n}-node stack list read back '
          'as written')


def check_signal(core):
    NT_SIGINFO = 0x53494749
    print(next((struct.unpack_from('<i', d, 0)[0] for t, d in core.notes if t == NT_SIGINFO), 0))


def check_traceback(truth, text):
    ids = set(int(m) for m in re.findall(r'^goroutine (\d+)[^\n]*\[', text, re.M))
    for g in truth['goroutineRoots']:
        if g['id'] not in ids:
            fail(f"goroutine {g['id']} ({g['function']}) is not in the traceback")
    holder = next(g for g in truth['goroutineRoots'] if g['function'] == 'main.stackHolder')
    if not re.search(r'^goroutine %d [^\n]*\[chan receive\]:\n(?:.*\n)*?main\.stackHolder\(' % holder['id'],
                     text, re.M):
        fail('main.stackHolder is not parked in chan receive in the traceback')
    print(f'traceback: {len(ids)} goroutines, main.stackHolder is goroutine {holder["id"]}')


def check_gdb(truth, text):
    m = re.search(r'^\$1 = (0x[0-9a-f]+)$', text, re.M)
    n = re.search(r'^\$2 = (\d+)$', text, re.M)
    if not m or not n:
        fail('gdb did not print main.sessions.array and runtime.memstats.numgc:\n' + text[-2000:])
    if int(m.group(1), 16) != obj(truth, 'sessions backing array'):
        fail(f'gdb: main.sessions.array is {m.group(1)}, the truth says otherwise')
    if int(n.group(1)) != truth['memstats']['NumGC']:
        fail(f"gdb: runtime.memstats.numgc is {n.group(1)}, NumGC {truth['memstats']['NumGC']}")
    print(f'gdb: main.sessions.array {m.group(1)}, numgc {n.group(1)}')


def profile_pcs(truth):
    return sorted({int(pc, 16) - 1 for r in truth['memProfile'] for pc in r['stack']})


# (type, text of the main.go line in main.build that allocates it)
BUILD_LINES = [
    ('[1024]*main.Session', 'sessions = make([]*Session'),
    ('[300]main.Entry', 'entryArray = make([]Entry'),
    ('[50]*[4]main.Entry', 'quads = make('),
    ('[4]main.Entry', 'quads[i] = new([4]Entry)'),
    ('[1000]*main.Tiny', 'tinies = make('),
    # Not main.Tiny: a tiny allocation that fits into the current 16-byte
    # block returns before the profiling hook; only one in four is sampled.
    ('[200]*main.Chunk', 'chunks = make('),
    ('main.Chunk', 'chunks[i] = &Chunk'),
    ('[100]*main.Page', 'pages = make('),
    ('main.Page', 'pages[i] = new(Page)'),
    ('[4]*main.Arena', 'arenas = make('),
    ('main.Arena', 'arenas[i] = new(Arena)'),
    ('[3]*main.Blob', 'blobs = make('),
    ('main.Blob', 'blobs[i] = new(Blob)'),
    ('[16][]uint8', 'buffers = make('),
    ('[5000]uint8', 'buffers[i] = make('),
    ('[100]func() int64', 'counters = make('),
    ('[128]main.Shape', 'shapes = make('),
    ('main.Circle', 'shapes[i] = Circle'),
    ('main.PoolItem', 'poolStage[i] = &PoolItem'),
    ('main.Resource', 'finalized = &Resource'),
    ('main.Handle', 'handle = &Handle'),
]


def check_profile(truth, text):
    """With MemProfileRate 1 every allocation made in main is sampled, so the
    in-use objects (allocs - frees, as of the last GC) of the stacks whose
    innermost main.* frame is a noinline allocator equal the program's
    counts. The garbage is made after the last GC: the profile cannot show it."""
    if truth['memProfileRate'] != 1:
        print(f"profile: rate {truth['memProfileRate']}, not checked")
        return
    lines = text.splitlines()
    pcs = profile_pcs(truth)
    if len(lines) != 2 * len(pcs):
        fail(f'addr2line printed {len(lines)} lines for {len(pcs)} PCs')
    inuse = {}  # allocator -> [objects, bytes] in use
    by_line = {}  # main.go line in main.build -> [objects, bytes] in use
    for r in truth['memProfile']:
        for pc in r['stack']:
            i = pcs.index(int(pc, 16) - 1)
            fn = lines[2 * i]
            if not fn.startswith('main.'):
                continue
            key = fn
            if fn == 'main.build':
                key = lines[2 * i + 1].rsplit(':', 1)[1]
            use = (by_line if fn == 'main.build' else inuse).setdefault(key, [0, 0])
            use[0] += r['allocObjects'] - r['freeObjects']
            use[1] += r['allocBytes'] - r['freeBytes']
            break
    types = {t['type']: t for t in truth['types']}
    tb = lambda *ts: [sum(types[t]['count'] for t in ts), sum(types[t]['bytes'] for t in ts)]
    want = {
        'main.newSession': tb('main.Session', 'main.Entry'),
        'main.name': [truth['stringData']['count'], truth['stringData']['bytes']],
        'main.newNode': tb('main.Node'),
        'main.makeCounter': tb('main.makeCounter.func1'),
    }
    # Objects allocated in main.build, by the source line that allocates them.
    source = open(__file__.rsplit('/', 1)[0] + '/main.go').read().splitlines()
    for typ, marker in BUILD_LINES:
        at = [str(i + 1) for i, l in enumerate(source) if marker in l]
        if len(at) != 1:
            fail(f'main.go has {len(at)} lines with "{marker}"')
        key = f'{typ} (main.go:{at[0]})'
        want[key] = tb(typ)
        inuse[key] = by_line.get(at[0], [0, 0])
    for fn, n in want.items():
        if inuse.get(fn, [0, 0]) != n:
            fail(f'profile: {inuse.get(fn, [0, 0])} objects/bytes in use allocated by {fn}, the truth counts {n}')
    if inuse.get('main.newGarbage', [0, 0])[0] != 0:
        fail('profile: garbage made after the last GC shows in the profile')
    print(f'profile: in-use objects and bytes agree for {len(want)} allocation sites, '
          f'{sum(n[0] for n in want.values())} objects')


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'truth':
        check_truth(load(args[0]))
    elif cmd == 'core':
        check_core(load(args[0]), Core(args[1]))
    elif cmd == 'signal':
        check_signal(Core(args[0]))
    elif cmd == 'traceback':
        check_traceback(load(args[0]), open(args[1], errors='replace').read())
    elif cmd == 'gdb':
        check_gdb(load(args[0]), open(args[1], errors='replace').read())
    elif cmd == 'pcs':
        print('\n'.join(hex(pc) for pc in profile_pcs(load(args[0]))))
    elif cmd == 'profile':
        check_profile(load(args[0]), open(args[1]).read())
    else:
        fail(f'unknown command {cmd}')


main()
