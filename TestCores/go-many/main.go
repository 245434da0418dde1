// go-many: core-dump fixture for benchmarking `coreinspect goroutines`.
//
// Usage: TRUTH_PATH=truth.json READY_PATH=ready go-many
//
// Starts 10,000 goroutines that block in four distinct stacks:
//
//	4000  main.manyRecv                                    chan receive
//	3000  main.manySelect <- main.nest x4 <- main.manySelectRoot   select
//	2000  main.manySleep                                   sleep
//	1000  main.manyRecvDeep <- main.manyRecvMid <- main.manyRecvTop   chan receive
//
// main itself waits in a chan receive. Once every goroutine is parked, a
// reporter goroutine runs runtime.GC() and debug.FreeOSMemory(), reads
// runtime.MemStats, writes the truth JSON to $TRUTH_PATH without allocating,
// creates $READY_PATH and returns. The process then waits to be dumped.
//
// The program builds with Go 1.19 (Debian's golang-1.19, so that Debian's
// delve 1.20 can read the core) as well as with newer toolchains.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
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

var (
	sink    int
	recvCh  = make(chan int)
	selA    = make(chan int)
	selB    = make(chan string)
	deepCh  = make(chan int)
	mainCh  = make(chan int)
	nesting = 4
)

type group struct {
	Function string `json:"function"`
	State    string `json:"state"`
	Count    int    `json:"count"`
}

var groups = []*group{
	{Function: "main.manyRecv", State: "chan receive", Count: 4000},
	{Function: "main.manySelect", State: "select", Count: 3000},
	{Function: "main.manySleep", State: "sleep", Count: 2000},
	{Function: "main.manyRecvDeep", State: "chan receive", Count: 1000},
}

//go:noinline
func manyRecv() {
	sink += <-recvCh
}

//go:noinline
func manySelectRoot() {
	nest(nesting)
}

//go:noinline
func nest(n int) {
	if n > 0 {
		nest(n - 1)
		return
	}
	manySelect()
}

//go:noinline
func manySelect() {
	select {
	case v := <-selA:
		sink += v
	case s := <-selB:
		sink += len(s)
	}
}

//go:noinline
func manySleep() {
	time.Sleep(100000 * time.Hour)
}

//go:noinline
func manyRecvTop() {
	manyRecvMid()
}

//go:noinline
func manyRecvMid() {
	manyRecvDeep()
}

//go:noinline
func manyRecvDeep() {
	sink += <-deepCh
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "go-many:", msg)
	os.Exit(1)
}

func allStacks() string {
	buf := make([]byte, 4<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

func selfID() int {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _ := strconv.Atoi(strings.Fields(string(buf))[1])
	return id
}

// census counts, per group, the goroutines in the group's state whose stack
// contains the group's function; it also returns the number of goroutines
// other than self and main's state.
func census(self int) (counts map[string]int, total int, mainState string) {
	counts = map[string]int{}
	for _, block := range strings.Split(strings.TrimSpace(allStacks()), "\n\n") {
		lines := strings.Split(block, "\n")
		header := lines[0] // goroutine 7 [chan receive, 2 minutes]:
		f := strings.Fields(header)
		if len(f) < 3 || f[0] != "goroutine" {
			fail("bad header: " + header)
		}
		id, _ := strconv.Atoi(f[1])
		if id == self {
			continue
		}
		total++
		state := header[strings.Index(header, "[")+1 : strings.LastIndex(header, "]")]
		if i := strings.Index(state, ", "); i >= 0 {
			state = state[:i]
		}
		if id == 1 {
			mainState = state
		}
		for _, g := range groups {
			if state != g.State {
				continue
			}
			for _, line := range lines[1:] {
				if strings.HasPrefix(line, g.Function+"(") {
					counts[g.Function]++
					break
				}
			}
		}
	}
	return counts, total, mainState
}

func rawWrite(path []byte, data []byte) bool {
	dirfd := -100 // AT_FDCWD
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(dirfd),
		uintptr(unsafe.Pointer(&path[0])),
		uintptr(syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_CLOEXEC), 0o644, 0, 0)
	if errno != 0 {
		return false
	}
	for len(data) > 0 {
		n, err := syscall.Write(int(fd), data)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			syscall.Close(int(fd))
			return false
		}
		data = data[n:]
	}
	return syscall.Close(int(fd)) == nil
}

type statField struct {
	name string
	kind reflect.Kind
	ptr  unsafe.Pointer
}

var (
	memStats, memStats2 runtime.MemStats
	heapChanged         = []byte("go-many: heap changed after ReadMemStats\n")
	truthFailed         = []byte("go-many: cannot write TRUTH_PATH\n")
	readyFailed         = []byte("go-many: cannot create READY_PATH\n")
)

// appendTruth appends prefix, the "memstats" member from memStats, and
// suffix to buf. It does not allocate when buf has room.
func appendTruth(buf, prefix, suffix []byte, fields []statField) []byte {
	buf = append(buf, prefix...)
	buf = append(buf, ",\n  \"memstats\": {"...)
	for i, f := range fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, "\n    \""...)
		buf = append(buf, f.name...)
		buf = append(buf, "\": "...)
		switch f.kind {
		case reflect.Uint64:
			buf = strconv.AppendUint(buf, *(*uint64)(f.ptr), 10)
		case reflect.Uint32:
			buf = strconv.AppendUint(buf, uint64(*(*uint32)(f.ptr)), 10)
		case reflect.Float64:
			buf = strconv.AppendFloat(buf, *(*float64)(f.ptr), 'g', -1, 64)
		}
	}
	buf = append(buf, "\n  }"...)
	return append(buf, suffix...)
}

// sameHeap reports whether two MemStats describe the same heap.
func sameHeap(a, b *runtime.MemStats) bool {
	return a.Mallocs == b.Mallocs && a.Frees == b.Frees && a.HeapAlloc == b.HeapAlloc &&
		a.HeapReleased == b.HeapReleased && a.NumGC == b.NumGC
}

// writeTruth measures the heap and writes the truth to truthZ without
// allocating. The runtime itself allocates when it starts a thread (an m and
// two gs), so the heap must stay unchanged for 50 ms after the write, or the
// measurement is repeated.
func writeTruth(buf, prefix, suffix []byte, fields []statField, truthZ []byte) {
	runtime.GC()
	debug.FreeOSMemory()
	for attempt := 0; attempt < 20; attempt++ {
		runtime.ReadMemStats(&memStats)
		buf = appendTruth(buf[:0], prefix, suffix, fields)
		if !rawWrite(truthZ, buf) {
			syscall.Write(2, truthFailed)
			syscall.Exit(2)
		}
		time.Sleep(50 * time.Millisecond)
		runtime.ReadMemStats(&memStats2)
		if sameHeap(&memStats, &memStats2) {
			return
		}
	}
	syscall.Write(2, heapChanged)
	syscall.Exit(3)
}

func report() {
	truthPath, readyPath := os.Getenv("TRUTH_PATH"), os.Getenv("READY_PATH")
	if truthPath == "" || readyPath == "" {
		fail("TRUTH_PATH and READY_PATH must be set")
	}
	runtime.GC() // start the GC workers before counting
	self := selfID()
	want := 1 // main
	for _, g := range groups {
		want += g.Count
	}
	var (
		counts    map[string]int
		mainState string
		settled   bool
		last      string
	)
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); {
		var total int
		counts, total, mainState = census(self)
		settled = mainState == "chan receive"
		for _, g := range groups {
			if counts[g.Function] != g.Count {
				settled = false
			}
		}
		last = fmt.Sprintf("main %q, counts %v, %d goroutines (want %d)", mainState, counts, total, want)
		if settled {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !settled {
		fail("goroutines did not settle: " + last)
	}

	info, ok := debug.ReadBuildInfo()
	if !ok {
		fail("no build info")
	}
	js, err := json.MarshalIndent(struct {
		Fixture    string   `json:"fixture"`
		Dump       string   `json:"dump"`
		Exe        string   `json:"exe"`
		Pid        int      `json:"pid"`
		GoVersion  string   `json:"go_version"`
		MainModule string   `json:"main_module"`
		GOMAXPROCS int      `json:"gomaxprocs"`
		UserGs     int      `json:"user_goroutines"`
		MainState  string   `json:"main_state"`
		Groups     []*group `json:"groups"`
	}{"go-many", "gcore", filepath.Base(os.Args[0]), os.Getpid(), runtime.Version(),
		info.Main.Path, runtime.GOMAXPROCS(0), want, mainState, groups}, "", "  ")
	if err != nil {
		fail(err.Error())
	}
	js = bytes.TrimSuffix(bytes.TrimSpace(js), []byte("}"))
	js = bytes.TrimRight(js, "\n ")

	var fields []statField
	v := reflect.ValueOf(&memStats).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Uint64, reflect.Uint32, reflect.Float64:
			fields = append(fields, statField{v.Type().Field(i).Name, f.Kind(), f.Addr().UnsafePointer()})
		}
	}
	prefix, suffix := js, []byte("\n}\n")
	buf := make([]byte, 0, len(prefix)+len(suffix)+64*1024)
	truthZ := append([]byte(truthPath), 0)
	readyZ := append([]byte(readyPath), 0)
	info, counts = nil, nil

	writeTruth(buf, prefix, suffix, fields, truthZ)
	if !rawWrite(readyZ, nil) {
		syscall.Write(2, readyFailed)
		syscall.Exit(4)
	}
}

func main() {
	for i := 0; i < groups[0].Count; i++ {
		go manyRecv()
	}
	for i := 0; i < groups[1].Count; i++ {
		go manySelectRoot()
	}
	for i := 0; i < groups[2].Count; i++ {
		go manySleep()
	}
	for i := 0; i < groups[3].Count; i++ {
		go manyRecvTop()
	}
	go report()
	sink += <-mainCh // never sent: main stays in "chan receive"
}
