package main

// The parts of the truth known before the measurement: what the program
// allocated (types, strings, garbage), where chosen objects live and which
// root holds them, what each global holds exclusively, and the goroutines.
// They are marshalled with encoding/json before the two GCs.

import (
	"runtime"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// sizeClasses is the allocator's size-class table, identical in Go 1.19
// through 1.27 (runtime/sizeclasses.go, internal/runtime/gc from 1.26).
var sizeClasses = [...]uintptr{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
	240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408,
	1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472,
	9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

const (
	maxSmallSize   = 32768
	pageSize       = 8192
	mallocHeader   = 8   // Go 1.22+: *abi.Type before objects over 512 B with pointers
	heapBitsInSpan = 512 // objects up to this size keep their pointer bits in the span
)

func goMinor() int {
	v := strings.TrimPrefix(runtime.Version(), "go1.")
	if i := strings.IndexAny(v, ".rc-"); i >= 0 {
		v = v[:i]
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 1000 // devel: newest behaviour
	}
	return n
}

// slotSize is the heap bytes an allocation of size bytes occupies (what
// HeapAlloc charges): its size class, or whole pages for a large object.
func slotSize(size uintptr, hasPointers bool) uintptr {
	if hasPointers && size > heapBitsInSpan && size <= maxSmallSize-mallocHeader && goMinor() >= 22 {
		size += mallocHeader
	}
	if size <= maxSmallSize {
		for _, c := range sizeClasses {
			if c >= size {
				return c
			}
		}
	}
	return (size + pageSize - 1) &^ (pageSize - 1)
}

type typeCount struct {
	Type   string  `json:"type"`
	Count  int     `json:"count"`
	Size   uintptr `json:"size"`  // the Go type's size (an array: cap × element size)
	Slot   uintptr `json:"slot"`  // bytes per object in the heap; 0 for tiny objects
	Bytes  uintptr `json:"bytes"` // count × slot (tiny: count × size)
	Noscan bool    `json:"noscan"`
	Tiny   bool    `json:"tiny,omitempty"`
	Large  bool    `json:"large,omitempty"`
	Holder string  `json:"holder"` // where the program keeps them
}

func count(typ string, n int, size uintptr, hasPointers bool, holder string) typeCount {
	t := typeCount{Type: typ, Count: n, Size: size, Noscan: !hasPointers, Holder: holder}
	if !hasPointers && size < 16 {
		t.Tiny = true
		t.Bytes = uintptr(n) * size
		return t
	}
	t.Slot = slotSize(size, hasPointers)
	t.Large = t.Slot > maxSmallSize
	t.Bytes = uintptr(n) * t.Slot
	return t
}

// array counts one backing array of cap elements of elem.
func array(elem string, cap int, elemSize uintptr, hasPointers bool, holder string) typeCount {
	return count("["+strconv.Itoa(cap)+"]"+elem, 1, uintptr(cap)*elemSize, hasPointers, holder)
}

func typeCounts(big bool, truthBufCap int) []typeCount {
	ptr := unsafe.Sizeof(uintptr(0))
	ts := []typeCount{
		count("main.Session", nSessions, unsafe.Sizeof(Session{}), true,
			"main.sessions, main.sessionByName (map-only ones), main.sessionCh (buffered)"),
		count("main.Entry", nSessions, unsafe.Sizeof(Entry{}), false, "Session.Entry of every main.Session"),
		count("[4]main.Entry", nQuads, unsafe.Sizeof([4]Entry{}), false, "main.quads"),
		count("main.Tiny", nTiny, unsafe.Sizeof(Tiny{}), false, "main.tinies"),
		count("main.Chunk", nChunks, unsafe.Sizeof(Chunk{}), true, "main.chunks"),
		count("main.Page", nPages, unsafe.Sizeof(Page{}), false, "main.pages"),
		count("main.Arena", nArenas, unsafe.Sizeof(Arena{}), true, "main.arenas"),
		count("main.Blob", nBlobs, unsafe.Sizeof(Blob{}), false, "main.blobs"),
		count("main.Circle", nCircles, unsafe.Sizeof(Circle{}), false, "main.shapes[0:64] (boxed in main.Shape)"),
		count("main.Node", nStackNodes, unsafe.Sizeof(Node{}), true, "goroutine main.stackHolder (stack only)"),
		count("main.PoolItem", nPoolItems, unsafe.Sizeof(PoolItem{}), false, "main.itemPool"),
		count("main.Resource", 1, unsafe.Sizeof(Resource{}), true, "main.finalized (has a finalizer)"),
		count("main.Handle", 1, unsafe.Sizeof(Handle{}), false, "main.handle (has a cleanup from Go 1.24)"),
		count("main.makeCounter.func1", nCounters, 3*ptr, true,
			"main.counters (closure contexts: struct { F uintptr; s *main.Session; n int64 })"),
		count("[5000]uint8", nBuffers, bufferSize, false, "main.buffers"),
		array("*main.Session", nListSessions, ptr, true, "main.sessions"),
		array("main.Entry", nEntryArray, unsafe.Sizeof(Entry{}), false, "main.entryArray"),
		array("*[4]main.Entry", nQuads, ptr, true, "main.quads"),
		array("*main.Tiny", nTiny, ptr, true, "main.tinies"),
		array("*main.Chunk", nChunks, ptr, true, "main.chunks"),
		array("*main.Page", nPages, ptr, true, "main.pages"),
		array("*main.Arena", nArenas, ptr, true, "main.arenas"),
		array("*main.Blob", nBlobs, ptr, true, "main.blobs"),
		array("[]uint8", nBuffers, 3*ptr, true, "main.buffers"),
		array("func() int64", nCounters, ptr, true, "main.counters"),
		array("main.Shape", nShapes, 2*ptr, true, "main.shapes"),
		array("runtime.MemProfileRecord", profileRecords, unsafe.Sizeof(runtime.MemProfileRecord{}), false,
			"main.profile (the MemProfile records)"),
		array("uint8", truthBufCap, 1, false, "main.truthBuf (the truth buffer)"),
	}
	if big {
		ts = append(ts,
			count("main.BigNode", nBigNodes, unsafe.Sizeof(BigNode{}), true, "main.bigLists, main.bigMap"),
			array("*main.BigNode", nBigLists, ptr, true, "main.bigLists"))
	}
	return ts
}

type rootedObject struct {
	What    string `json:"what"`
	Type    string `json:"type"`
	Address string `json:"address"`
	Root    string `json:"root"`     // a global's name, or a goroutine's function
	Kind    string `json:"rootKind"` // "global", "goroutine", "pool"
	Goid    int    `json:"goroutine,omitempty"`
}

func hex(p uintptr) string { return "0x" + strconv.FormatUint(uint64(p), 16) }

func addr(p unsafe.Pointer) string { return hex(uintptr(p)) }

// dataWord is the data pointer of an interface or of a func value's context.
func dataWord(p unsafe.Pointer, word int) uintptr {
	return *(*uintptr)(unsafe.Add(p, word*int(unsafe.Sizeof(uintptr(0)))))
}

func rootedObjects(holderGoid int) []rootedObject {
	var mapOnly *Session
	for _, s := range sessionByName {
		if s.ID >= 100000 && (mapOnly == nil || s.ID < mapOnly.ID) {
			mapOnly = s
		}
	}
	chanFirst := <-sessionCh // put back at the end: the channel keeps its order
	sessionCh <- chanFirst
	for i := 1; i < nChanSessions; i++ {
		sessionCh <- <-sessionCh
	}
	g := func(what, typ, address, root string) rootedObject {
		return rootedObject{what, typ, address, root, "global", 0}
	}
	return []rootedObject{
		g("sessions[0]", "main.Session", addr(unsafe.Pointer(sessions[0])), "main.sessions"),
		g("sessions backing array", "[1024]*main.Session", addr(unsafe.Pointer(&sessions[0])), "main.sessions"),
		g("lowest map-only session", "main.Session", addr(unsafe.Pointer(mapOnly)), "main.sessionByName"),
		g("first buffered session", "main.Session", addr(unsafe.Pointer(chanFirst)), "main.sessionCh"),
		g("sessions[0].Name data", "string", hex(dataWord(unsafe.Pointer(&sessions[0].Name), 0)), "main.sessions"),
		g("sessions[0].Entry", "main.Entry", addr(unsafe.Pointer(sessions[0].Entry)), "main.sessions"),
		g("entryArray backing array", "[300]main.Entry", addr(unsafe.Pointer(&entryArray[0])), "main.entryArray"),
		g("quads[0]", "[4]main.Entry", addr(unsafe.Pointer(quads[0])), "main.quads"),
		g("tinies[0] (inside a 16-byte tiny block)", "main.Tiny", addr(unsafe.Pointer(tinies[0])), "main.tinies"),
		g("chunks[0]", "main.Chunk", addr(unsafe.Pointer(chunks[0])), "main.chunks"),
		g("pages[0]", "main.Page", addr(unsafe.Pointer(pages[0])), "main.pages"),
		g("arenas[0]", "main.Arena", addr(unsafe.Pointer(arenas[0])), "main.arenas"),
		g("blobs[0]", "main.Blob", addr(unsafe.Pointer(blobs[0])), "main.blobs"),
		g("buffers[0] data", "[5000]uint8", addr(unsafe.Pointer(&buffers[0][0])), "main.buffers"),
		g("counters[0] closure context", "main.makeCounter.func1",
			hex(dataWord(unsafe.Pointer(&counters[0]), 0)), "main.counters"),
		g("shapes[0] boxed Circle", "main.Circle", hex(dataWord(unsafe.Pointer(&shapes[0]), 1)), "main.shapes"),
		g("finalized", "main.Resource", addr(unsafe.Pointer(finalized)), "main.finalized"),
		g("handle", "main.Handle", addr(unsafe.Pointer(handle)), "main.handle"),
		{"poolStage[0], later in the pool", "main.PoolItem", hex(poolAddrs[0]), "main.itemPool", "pool", 0},
		{"head of the Node list", "main.Node", hex(stackHead), "main.stackHolder", "goroutine", holderGoid},
	}
}

type retained struct {
	Root    string  `json:"root"`
	Objects int     `json:"objects"`
	Bytes   uintptr `json:"bytes"`
	What    string  `json:"what"`
}

// exclusive lists roots whose objects nothing else references: the bytes a
// dominator tree must charge to each (every object reachable from it).
func exclusive(ts []typeCount) []retained {
	by := map[string]typeCount{}
	for _, t := range ts {
		by[t.Type] = t
	}
	r := func(root, what string, types ...string) retained {
		x := retained{Root: root, What: what}
		for _, t := range types {
			x.Objects += by[t].Count
			x.Bytes += by[t].Bytes
		}
		return x
	}
	return []retained{
		r("main.buffers", "backing array + 16 buffers", "[16][]uint8", "[5000]uint8"),
		r("main.pages", "backing array + pages", "[100]*main.Page", "main.Page"),
		r("main.blobs", "backing array + large noscan blobs", "[3]*main.Blob", "main.Blob"),
		r("main.entryArray", "one noscan backing array", "[300]main.Entry"),
		r("main.quads", "backing array + [4]main.Entry arrays", "[50]*[4]main.Entry", "[4]main.Entry"),
		r("main.stackHolder", "the Node list on that goroutine's stack", "main.Node"),
	}
}

// ---------------------------------------------------------------- goroutines

type frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Inlined  bool   `json:"inlined"`
}

// goroutine is listed as go-states lists it (under "goroutineRoots": the
// fixture tests read "goroutines" for their own goroutine and call-site
// checks, which need the richer stacks of go-states).
type goroutine struct {
	ID       int     `json:"id"`
	State    string  `json:"state"`
	Function string  `json:"function"`
	Frames   []frame `json:"frames"`
}

// goroutines parses runtime.Stack(buf, true): id, state, the goroutine's own
// (outermost) function and its frames, innermost first, without the
// "created by" line, once main.stackHolder and main.sleeper are parked.
func goroutines() []goroutine {
	buf := make([]byte, 1<<20)
	for try := 0; ; try++ {
		text := string(buf[:runtime.Stack(buf, true)])
		var gs []goroutine
		parked := 0
		for _, block := range strings.Split(strings.TrimSpace(text), "\n\n") {
			lines := strings.Split(block, "\n")
			var g goroutine
			head := strings.Fields(strings.TrimSuffix(lines[0], ":"))
			g.ID, _ = strconv.Atoi(head[1])
			st := lines[0][strings.Index(lines[0], "[")+1 : strings.LastIndex(lines[0], "]")]
			if i := strings.Index(st, ", "); i >= 0 {
				st = st[:i]
			}
			g.State = st
			g.Frames = []frame{}
			for i, l := range lines[1:] {
				if l == "" || l[0] == '\t' || strings.HasPrefix(l, "created by ") || strings.HasPrefix(l, "...") {
					continue
				}
				f := frame{Function: l}
				if j := strings.LastIndex(l, "("); j > 0 {
					f.Function, f.Inlined = l[:j], l[j:] == "(...)"
				}
				if i+2 < len(lines) && strings.HasPrefix(lines[i+2], "\t") {
					loc := strings.Fields(lines[i+2])[0]
					if k := strings.LastIndex(loc, ":"); k > 0 {
						f.File = loc[:k]
						f.Line, _ = strconv.Atoi(loc[k+1:])
					}
				}
				if f.Function != "runtime.goexit" {
					g.Function = f.Function
					g.Frames = append(g.Frames, f)
				}
			}
			if g.Function == "main.stackHolder" && g.State == "chan receive" ||
				g.Function == "main.sleeper" && g.State == "sleep" {
				parked++
			}
			gs = append(gs, g)
		}
		if parked == 2 {
			return gs
		}
		if try == 1000 {
			fail("main.stackHolder or main.sleeper did not park:\n" + text)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func goidOf(gs []goroutine, function string) int {
	for _, g := range gs {
		if g.Function == function {
			return g.ID
		}
	}
	return 0
}
