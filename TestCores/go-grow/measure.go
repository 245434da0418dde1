package main

// The measurement of one stage, as go-heap's dump.go does it: what is known
// before (types, goroutine groups) is marshalled first; then two GCs,
// ReadMemStats and MemProfile, formatted into a preallocated buffer, checked
// against a later ReadMemStats, and written with raw system calls. Nothing
// is allocated between the first ReadMemStats and the dump.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

const (
	profileRecords = 4096
	settleTime     = time.Second
	settleRounds   = 10
	pollInterval   = 20 * time.Millisecond
)

var (
	profile  []runtime.MemProfileRecord
	truthBuf []byte
	stats    runtime.MemStats
	stats2   runtime.MemStats
)

// sizeClasses is the allocator's size-class table, identical in Go 1.19
// through 1.27 (the same table as TestCores/go-heap/facts.go).
var sizeClasses = [...]uintptr{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224,
	240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408,
	1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472,
	9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// slotSize is what HeapAlloc charges for an object of size bytes: its size
// class, after the 8-byte malloc header of Go 1.22+ for objects over 512 B
// with pointers (this fixture is built with Go 1.26), or whole pages.
func slotSize(size uintptr, hasPointers bool) uintptr {
	if hasPointers && size > 512 && size <= 32768-8 {
		size += 8
	}
	if size <= 32768 {
		for _, c := range sizeClasses {
			if c >= size {
				return c
			}
		}
	}
	return (size + 8191) &^ 8191
}

type typeCount struct {
	Type  string  `json:"type"`
	Count int     `json:"count"`
	Slot  uintptr `json:"slot"`
	Bytes uintptr `json:"bytes"`
}

func count(typ string, n int, size uintptr, hasPointers bool) typeCount {
	slot := slotSize(size, hasPointers)
	return typeCount{typ, n, slot, uintptr(n) * slot}
}

func typeCounts(s stage) []typeCount {
	ptr := unsafe.Sizeof(uintptr(0))
	return []typeCount{
		count("main.Item", s.items, unsafe.Sizeof(Item{}), true),
		count("main.Record", s.records, unsafe.Sizeof(Record{}), false),
		count("["+strconv.Itoa(bufferSize)+"]uint8", s.buffers, bufferSize, false),
		count("["+strconv.Itoa(s.items)+"]*main.Item", 1, uintptr(s.items)*ptr, true),
		count("["+strconv.Itoa(s.buffers)+"][]uint8", 1, uintptr(s.buffers)*3*ptr, true),
	}
}

// group is one goroutine group as the runtime's own runtime.Stack shows it:
// the innermost frame of package main and the wait reason.
type group struct {
	Function string `json:"function"`
	State    string `json:"state"`
	Count    int    `json:"count"`
}

// census counts the leaked goroutines by group from runtime.Stack.
func census() []group {
	buf := make([]byte, 1<<20)
	text := string(buf[:runtime.Stack(buf, true)])
	counts := map[group]int{}
	for _, block := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(block, "\n")
		state := lines[0][strings.Index(lines[0], "[")+1 : strings.LastIndex(lines[0], "]")]
		if i := strings.Index(state, ", "); i >= 0 {
			state = state[:i]
		}
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, "main.leaky") {
				counts[group{Function: l[:strings.LastIndex(l, "(")], State: state}]++
				break
			}
		}
	}
	var gs []group
	for g, n := range counts {
		g.Count = n
		gs = append(gs, g)
	}
	return gs
}

// parkedGroups waits until every leaked goroutine is parked where the stage
// put it: Done runs just before a goroutine blocks.
func parkedGroups(s stage) []group {
	for try := 0; try < 500; try++ {
		groups := census()
		parked := 0
		for _, g := range groups {
			if g.Function == "main.leakyWaiter" && g.State == "chan receive" && g.Count == s.waiters ||
				g.Function == "main.leakyLocker" && g.State == "sync.Mutex.Lock" && g.Count == s.lockers {
				parked++
			}
		}
		if parked == len(groups) && parked == countNonZero(s.waiters, s.lockers) {
			return groups
		}
		time.Sleep(10 * time.Millisecond)
	}
	fail("the leaked goroutines did not park")
	return nil
}

func countNonZero(ns ...int) int {
	c := 0
	for _, n := range ns {
		if n > 0 {
			c++
		}
	}
	return c
}

func fail(msg string) {
	os.Stderr.WriteString("go-grow: " + msg + "\n")
	os.Exit(1)
}

func prepare() {
	profile = make([]runtime.MemProfileRecord, profileRecords)
	truthBuf = make([]byte, 0, 1<<20)
}

// header is the truth's opening members, marshalled before the GCs.
func header(index int) []byte {
	s := stages[index]
	groups := parkedGroups(s)
	head, err := json.MarshalIndent(struct {
		Fixture        string      `json:"fixture"`
		GoVersionTests string      `json:"go_version"`
		MainModule     string      `json:"main_module"`
		Dump           string      `json:"dump"`
		Exe            string      `json:"exe"`
		Pid            int         `json:"pid"`
		Stripped       bool        `json:"stripped"`
		MemProfileRate int         `json:"memProfileRate"`
		Types          []typeCount `json:"types"`
		Groups         []group     `json:"groups"`
		Uncounted      string      `json:"uncounted"`
	}{
		"go-grow", runtime.Version(), "coreinspect.test/go-grow", []string{"old", "new"}[index],
		filepath.Base(os.Args[0]), os.Getpid(), false, runtime.MemProfileRate, typeCounts(s), groups,
		"main.records' map internals, the runtime's own objects (g, sudog), the truth's own buffers",
	}, "", "  ")
	if err != nil {
		fail(err.Error())
	}
	return head[:len(head)-2] // without the closing "\n}"
}

func appendKey(buf []byte, key string) []byte {
	buf = append(buf, '"')
	buf = append(buf, key...)
	return append(buf, "\": "...)
}

func appendUint(buf []byte, key string, v uint64) []byte {
	return strconv.AppendUint(appendKey(buf, key), v, 10)
}

// body appends the heap statistics and the memory profile, allocation-free.
func body(head []byte, records []runtime.MemProfileRecord) []byte {
	buf := append(truthBuf[:0], head...)
	buf = append(buf, ",\n  \"heap\": {"...)
	buf = appendUint(buf, "HeapObjects", stats.HeapObjects)
	buf = append(buf, ", "...)
	buf = appendUint(buf, "HeapAlloc", stats.HeapAlloc)
	buf = append(buf, ", "...)
	buf = appendUint(buf, "NumGC", uint64(stats.NumGC))
	buf = append(buf, "},\n  \"memProfile\": ["...)
	for i := range records {
		r := &records[i]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    {"...)
		buf = appendUint(buf, "allocObjects", uint64(r.AllocObjects))
		buf = append(buf, ", "...)
		buf = appendUint(buf, "allocBytes", uint64(r.AllocBytes))
		buf = append(buf, ", "...)
		buf = appendUint(buf, "freeObjects", uint64(r.FreeObjects))
		buf = append(buf, ", "...)
		buf = appendUint(buf, "freeBytes", uint64(r.FreeBytes))
		buf = append(buf, ", \"stack\": ["...)
		for j, pc := range r.Stack() {
			if j > 0 {
				buf = append(buf, ", "...)
			}
			buf = append(buf, "\"0x"...)
			buf = strconv.AppendUint(buf, uint64(pc), 16)
			buf = append(buf, '"')
		}
		buf = append(buf, "]}"...)
	}
	buf = append(buf, "\n  ]\n}\n"...)
	if cap(buf) != cap(truthBuf) {
		fail("the truth buffer is too small")
	}
	return buf
}

// cPath is path NUL-terminated, for raw system calls.
func cPath(name string) []byte {
	path := os.Getenv(name)
	if path == "" {
		fail(name + " must be set")
	}
	return append([]byte(path), 0)
}

func writeFile(path []byte, data []byte) {
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(0xffffffffffffff9c), // AT_FDCWD
		uintptr(unsafe.Pointer(&path[0])), uintptr(syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC), 0o644, 0, 0)
	if errno != 0 {
		syscall.Exit(2)
	}
	for len(data) > 0 {
		n, err := syscall.Write(int(fd), data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			syscall.Exit(2)
		}
		data = data[n:]
	}
	syscall.Close(int(fd))
}

func exists(path []byte) bool {
	_, _, errno := syscall.Syscall6(syscall.SYS_FACCESSAT, uintptr(0xffffffffffffff9c),
		uintptr(unsafe.Pointer(&path[0])), 0, 0, 0, 0) // F_OK
	return errno == 0
}

func settled(a, b *runtime.MemStats) bool {
	return a.Mallocs == b.Mallocs && a.Frees == b.Frees && a.HeapAlloc == b.HeapAlloc &&
		a.HeapObjects == b.HeapObjects && a.NumGC == b.NumGC
}

// measure writes stage index's truth, says it is ready, and for the first
// stage waits for the script's go-ahead.
func measure(index int) {
	suffix := []string{"", "2"}[index]
	truthPath, readyPath := cPath("TRUTH_PATH"+suffix), cPath("READY_PATH"+suffix)
	var nextPath []byte
	if index == 0 {
		nextPath = cPath("NEXT_PATH")
	}
	head := header(index)
	// A goroutine's first sleep allocates its timer: sleep before measuring.
	time.Sleep(time.Millisecond)
	runtime.GC()
	runtime.GC()
	var buf []byte
	for round := 1; ; round++ {
		runtime.ReadMemStats(&stats)
		n, ok := runtime.MemProfile(profile, true)
		if !ok {
			syscall.Exit(4)
		}
		buf = body(head, profile[:n])
		time.Sleep(settleTime)
		runtime.ReadMemStats(&stats2)
		if settled(&stats, &stats2) {
			break
		}
		if round == settleRounds {
			syscall.Exit(3)
		}
	}
	writeFile(truthPath, buf)
	writeFile(readyPath, nil)
	for nextPath != nil && !exists(nextPath) {
		time.Sleep(pollInterval)
	}
}
