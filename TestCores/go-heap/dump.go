package main

// The measurement: two GCs, the pool and the garbage, ReadMemStats,
// MemProfile, then the truth formatted into a preallocated buffer, checked
// against a second ReadMemStats, and written with raw system calls.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// settleTime is how long the program waits after writing its truth before it
// checks that nothing moved and says it is ready to be dumped.
const (
	settleTime   = time.Second
	settleRounds = 10
)

var (
	// Globals, so that they are live in every GC whatever the stack maps say.
	profile   []runtime.MemProfileRecord
	truthBuf  []byte
	memStats  runtime.MemStats
	memStats2 runtime.MemStats
	afterGC   runtime.MemStats

	heapChanged = []byte("go-heap: the heap changed after ReadMemStats\n")
	profileFull = []byte("go-heap: runtime.MemProfile needs more records\n")
	bufferFull  = []byte("go-heap: the truth buffer is too small\n")
	writeFailed = []byte("go-heap: cannot write TRUTH_PATH or READY_PATH\n")
)

func fail(msg string) {
	os.Stderr.WriteString("go-heap: " + msg + "\n")
	os.Exit(1)
}

type statField struct {
	name string
	kind reflect.Kind
	ptr  unsafe.Pointer
}

// scalarFields locates every numeric and bool field of memStats.
func scalarFields() []statField {
	var fs []statField
	v := reflect.ValueOf(&memStats).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Uint64, reflect.Uint32, reflect.Float64, reflect.Bool:
			fs = append(fs, statField{v.Type().Field(i).Name, f.Kind(), unsafe.Pointer(f.UnsafeAddr())})
		}
	}
	return fs
}

func appendKey(buf []byte, key string) []byte {
	buf = append(buf, '"')
	buf = append(buf, key...)
	return append(buf, "\": "...)
}

func appendUints(buf []byte, key string, vs []uint64) []byte {
	buf = appendKey(buf, key)
	buf = append(buf, '[')
	for i, v := range vs {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = strconv.AppendUint(buf, v, 10)
	}
	return append(buf, ']')
}

// appendMemStats appends the "memstats" member: every scalar field, then
// PauseNs, PauseEnd and BySize, under their Go names.
func appendMemStats(buf []byte, fields []statField, ms *runtime.MemStats) []byte {
	buf = append(buf, "  \"memstats\": {"...)
	for _, f := range fields {
		buf = append(buf, "\n    "...)
		buf = appendKey(buf, f.name)
		switch f.kind {
		case reflect.Uint64:
			buf = strconv.AppendUint(buf, *(*uint64)(f.ptr), 10)
		case reflect.Uint32:
			buf = strconv.AppendUint(buf, uint64(*(*uint32)(f.ptr)), 10)
		case reflect.Float64:
			buf = strconv.AppendFloat(buf, *(*float64)(f.ptr), 'g', -1, 64)
		case reflect.Bool:
			buf = strconv.AppendBool(buf, *(*bool)(f.ptr))
		}
		buf = append(buf, ',')
	}
	buf = append(buf, "\n    "...)
	buf = appendUints(buf, "PauseNs", ms.PauseNs[:])
	buf = append(buf, ",\n    "...)
	buf = appendUints(buf, "PauseEnd", ms.PauseEnd[:])
	buf = append(buf, ",\n    \"BySize\": ["...)
	for i, c := range ms.BySize {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n      {\"Size\": "...)
		buf = strconv.AppendUint(buf, uint64(c.Size), 10)
		buf = append(buf, ", \"Mallocs\": "...)
		buf = strconv.AppendUint(buf, c.Mallocs, 10)
		buf = append(buf, ", \"Frees\": "...)
		buf = strconv.AppendUint(buf, c.Frees, 10)
		buf = append(buf, '}')
	}
	return append(buf, "\n    ]\n  }"...)
}

func appendInt(buf []byte, key string, v int64) []byte {
	buf = appendKey(buf, key)
	return strconv.AppendInt(buf, v, 10)
}

// appendHexList appends a JSON array of the values as "0x…" strings.
func appendHexList(buf []byte, vs []uintptr) []byte {
	buf = append(buf, '[')
	for i, v := range vs {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, "\"0x"...)
		buf = strconv.AppendUint(buf, uint64(v), 16)
		buf = append(buf, '"')
	}
	return append(buf, ']')
}

// appendProfile appends "memProfile": the records as runtime.MemProfile
// returned them, with each stack's return PCs in hex.
func appendProfile(buf []byte, recs []runtime.MemProfileRecord) []byte {
	buf = append(buf, "  \"memProfile\": ["...)
	for i := range recs {
		r := &recs[i]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    {"...)
		buf = appendInt(buf, "allocObjects", r.AllocObjects)
		buf = append(buf, ", "...)
		buf = appendInt(buf, "allocBytes", r.AllocBytes)
		buf = append(buf, ", "...)
		buf = appendInt(buf, "freeObjects", r.FreeObjects)
		buf = append(buf, ", "...)
		buf = appendInt(buf, "freeBytes", r.FreeBytes)
		buf = append(buf, ", \"stack\": "...)
		buf = appendHexList(buf, r.Stack())
		buf = append(buf, '}')
	}
	return append(buf, "\n  ]"...)
}

// openFile opens path (NUL-terminated) for writing with a raw openat.
func openFile(path []byte) int {
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(0xffffffffffffff9c), // AT_FDCWD
		uintptr(unsafe.Pointer(&path[0])),
		uintptr(syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC), 0o644, 0, 0)
	if errno != 0 {
		return -1
	}
	return int(fd)
}

func writeAll(fd int, data []byte) bool {
	for len(data) > 0 {
		n, err := syscall.Write(fd, data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return false
		}
		data = data[n:]
	}
	return syscall.Close(fd) == nil
}

func die(msg []byte, code int) {
	syscall.Write(2, msg)
	syscall.Exit(code)
}

func sameHeap(a, b *runtime.MemStats) bool {
	return a.Mallocs == b.Mallocs && a.Frees == b.Frees && a.HeapAlloc == b.HeapAlloc
}

// reportChanges names on stderr the statistics that moved, for the script's log.
func reportChanges(a, b *runtime.MemStats) {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for i := 0; i < va.NumField(); i++ {
		if k := va.Field(i).Kind(); k != reflect.Uint64 && k != reflect.Uint32 {
			continue
		}
		if x, y := va.Field(i).Uint(), vb.Field(i).Uint(); x != y {
			os.Stderr.WriteString("go-heap: " + va.Type().Field(i).Name + " " +
				strconv.FormatUint(x, 10) + " -> " + strconv.FormatUint(y, 10) + "\n")
		}
	}
}

// settled reports whether every statistic that tests compare exactly is as
// the truth recorded it. The runtime can start an M (thread, g0, stack) or
// grow its own structures shortly after the truth is written, when a
// background goroutine wakes; such a dump would disagree with its truth.
// HeapReleased is left out: the scavenger moves idle pages to released at
// any time, and the tests bound it instead.
func settled(a, b *runtime.MemStats) bool {
	return sameHeap(a, b) && a.HeapObjects == b.HeapObjects && a.HeapSys == b.HeapSys &&
		a.HeapInuse == b.HeapInuse && a.HeapIdle == b.HeapIdle && a.StackInuse == b.StackInuse &&
		a.StackSys == b.StackSys && a.MSpanInuse == b.MSpanInuse && a.MSpanSys == b.MSpanSys &&
		a.MCacheInuse == b.MCacheInuse && a.MCacheSys == b.MCacheSys && a.BuckHashSys == b.BuckHashSys &&
		a.GCSys == b.GCSys && a.OtherSys == b.OtherSys && a.Sys == b.Sys && a.NumGC == b.NumGC
}

func mainModule() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info.Main.Path
	}
	return ""
}

func isStripped() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-ldflags" {
			for _, f := range strings.Fields(s.Value) {
				if f == "-s" {
					return true
				}
			}
		}
	}
	return false
}

// header returns the truth's opening members, all known before the GCs.
func header(big bool) []byte {
	dumpKind := os.Getenv("DUMP")
	if dumpKind == "" {
		dumpKind = "gcore"
		if os.Getenv("GOTRACEBACK") == "crash" {
			dumpKind = "kernel"
		}
	}
	gs := goroutines()
	rate := runtime.MemProfileRate
	profile = make([]runtime.MemProfileRecord, profileRecords)
	bufCap := 256<<10 + profileRecords*(40*20+120)
	types := typeCounts(big, bufCap)
	head, err := json.MarshalIndent(struct {
		Fixture        string         `json:"fixture"`
		GoVersionTests string         `json:"go_version"`  // the key the fixture tests look for
		MainModule     string         `json:"main_module"` // as go-hello and go-states
		Dump           string         `json:"dump"`
		Exe            string         `json:"exe"`
		Pid            int            `json:"pid"`
		GoVersion      string         `json:"goVersion"`
		Stripped       bool           `json:"stripped"`
		Big            bool           `json:"big"`
		GOMAXPROCS     int            `json:"gomaxprocs"`
		MemProfileRate int            `json:"memProfileRate"`
		HasCleanup     bool           `json:"hasCleanup"`
		Goroutines     []goroutine    `json:"goroutineRoots"`
		Types          []typeCount    `json:"types"`
		StringData     interface{}    `json:"stringData"`
		Garbage        typeCount      `json:"garbage"`
		Objects        []rootedObject `json:"objects"`
		Retained       []retained     `json:"retained"`
		Containers     interface{}    `json:"containers"`
	}{
		"go-heap", runtime.Version(), mainModule(), dumpKind, filepath.Base(os.Args[0]), os.Getpid(), runtime.Version(), isStripped(), big,
		runtime.GOMAXPROCS(0), rate, hasCleanup, gs, types,
		map[string]interface{}{"count": nSessions + 1, "len": nameLen, "slot": slotSize(nameLen, false),
			"bytes": (nSessions + 1) * int(slotSize(nameLen, false)),
			"what":  "Session.Name of every main.Session and main.finalized.Name: one fresh 24-byte string each"},
		count("main.Garbage", nGarbage, unsafe.Sizeof(Garbage{}), true, "nothing: made after the last GC, dropped"),
		rootedObjects(goidOf(gs, "main.stackHolder")),
		exclusive(types),
		[]map[string]interface{}{
			{"root": "main.sessionByName", "type": "map[string]*main.Session", "len": len(sessionByName)},
			{"root": "main.entryByKey", "type": "map[int64]main.Entry", "len": len(entryByKey)},
			{"root": "main.sessionCh", "type": "chan *main.Session", "len": len(sessionCh), "cap": cap(sessionCh)},
			{"root": "main.entryCh", "type": "chan main.Entry", "len": len(entryCh), "cap": cap(entryCh)},
			{"root": "main.itemPool", "type": "sync.Pool", "len": nPoolItems},
		},
	}, "", "  ")
	if err != nil {
		fail(err.Error())
	}
	truthBuf = make([]byte, 0, bufCap)
	return head[:len(head)-2] // without the closing "\n}"
}

// truthBody writes the truth for the current measurement into the
// preallocated buffer.
func truthBody(head []byte, fields []statField, records []runtime.MemProfileRecord) []byte {
	buf := append(truthBuf[:0], head...)
	buf = append(buf, ",\n"...)
	buf = appendMemStats(buf, fields, &memStats)
	buf = append(buf, ",\n  \"afterLastGC\": {"...)
	buf = appendInt(buf, "Mallocs", int64(memStats.Mallocs-afterGC.Mallocs))
	buf = append(buf, ", "...)
	buf = appendInt(buf, "Frees", int64(memStats.Frees-afterGC.Frees))
	buf = append(buf, ", "...)
	buf = appendInt(buf, "HeapObjects", int64(memStats.HeapObjects)-int64(afterGC.HeapObjects))
	buf = append(buf, ", "...)
	buf = appendInt(buf, "HeapAlloc", int64(memStats.HeapAlloc)-int64(afterGC.HeapAlloc))
	buf = append(buf, "},\n"...)
	buf = append(buf, "  \"garbageAddresses\": "...)
	buf = appendHexList(buf, garbageAddrs[:])
	buf = append(buf, ",\n"...)
	buf = appendProfile(buf, records)
	buf = append(buf, ",\n  \"selfCheck\": true\n}\n"...)
	if cap(buf) != cap(truthBuf) {
		die(bufferFull, 5)
	}
	return buf
}

func dump(big bool) {
	truthPath, readyPath := os.Getenv("TRUTH_PATH"), os.Getenv("READY_PATH")
	if truthPath == "" || readyPath == "" {
		fail("TRUTH_PATH and READY_PATH must be set")
	}
	head := header(big)
	fields := scalarFields()
	truthZ := append([]byte(truthPath), 0)
	readyZ := append([]byte(readyPath), 0)

	// The first sleep of a goroutine allocates its timer; sleep once before
	// measuring so the settling sleep below allocates nothing.
	time.Sleep(time.Millisecond)
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&afterGC)
	// The pool is filled after the GCs: each GC moves a pool's contents to
	// its victim cache and drops the previous victims.
	for i := range poolStage {
		itemPool.Put(poolStage[i])
		poolStage[i] = nil
	}
	makeGarbage()
	truthFD := openFile(truthZ)
	if truthFD < 0 {
		die(writeFailed, 2)
	}

	// Measure until a whole settling period passes with nothing moved: the
	// runtime can start an M (thread, g0, stack), a background goroutine, or
	// record a profile bucket shortly after the program goes quiet, and a
	// dump taken then would disagree with its truth. Each round reuses the
	// preallocated buffers, so measuring allocates nothing.
	var buf []byte
	for round := 1; ; round++ {
		runtime.ReadMemStats(&memStats)
		n, ok := runtime.MemProfile(profile, true)
		if !ok {
			die(profileFull, 4)
		}
		buf = truthBody(head, fields, profile[:n])
		runtime.ReadMemStats(&memStats2)
		if !sameHeap(&memStats, &memStats2) {
			die(heapChanged, 3)
		}
		time.Sleep(settleTime)
		runtime.ReadMemStats(&memStats2)
		if settled(&memStats, &memStats2) {
			break
		}
		if round == settleRounds {
			reportChanges(&memStats, &memStats2) // allocates, but this run is discarded
			die(heapChanged, 3)
		}
	}
	if !writeAll(truthFD, buf) {
		die(writeFailed, 2)
	}
	readyFD := openFile(readyZ)
	if readyFD < 0 || !writeAll(readyFD, nil) {
		die(writeFailed, 2)
	}
	select {}
}
