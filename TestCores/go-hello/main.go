// go-hello: core-dump fixture for coreinspect (Go runtime inspection).
//
// Usage: go-hello
//
// Starts goroutines blocked in different ways (channel receive, select,
// sync.Mutex, sync.WaitGroup, time.Sleep, a pipe read in the netpoller),
// then a reporter goroutine waits until all of them are parked, runs
// runtime.GC() and debug.FreeOSMemory() (the latter so the background
// scavenger has nothing left to release), reads runtime.MemStats and writes
// truth.json and then an empty "ready" file into the current directory.
// The reporter then exits; the process waits to be dumped with gcore.
//
// Nothing between runtime.ReadMemStats and the end of the reporter
// allocates on the Go heap (the JSON text is built in a preallocated buffer
// and written with raw system calls), and the program checks this by
// reading the MemStats a second time, so the heap in the core is the heap
// the truth describes.
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
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var (
	mu      sync.Mutex
	wg      sync.WaitGroup
	never   = make(chan int)
	never2  = make(chan string)
	never3  = make(chan struct{})
	sink    int
	pipeR   *os.File
	pipeW   *os.File
	blocker = make(chan bool)
)

//go:noinline
func recvForever() {
	v := <-never
	sink += v
}

//go:noinline
func selectForever() {
	select {
	case v := <-never2:
		sink += len(v)
	case <-never3:
		sink++
	}
}

//go:noinline
func lockForever() {
	mu.Lock() // main holds mu forever
	sink++
	mu.Unlock()
}

//go:noinline
func waitGroupForever() {
	wg.Wait() // the counter never drops to zero
	sink++
}

//go:noinline
func sleepForever() {
	time.Sleep(100000 * time.Hour)
	sink++
}

//go:noinline
func readPipeForever() {
	var b [1]byte
	n, _ := pipeR.Read(b[:])
	sink += n
}

type goroutine struct {
	ID       int      `json:"id"`
	State    string   `json:"state"`
	Function string   `json:"function"`
	Frames   []string `json:"frames"`
}

// parseStacks parses runtime.Stack(buf, true) output.
func parseStacks(text string) []goroutine {
	var out []goroutine
	for _, block := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(block, "\n")
		header := lines[0] // goroutine 7 [chan receive, 2 minutes]:
		var g goroutine
		rest, ok := strings.CutPrefix(header, "goroutine ")
		if !ok {
			panic("bad header: " + header)
		}
		idText, state, ok := strings.Cut(rest, " [")
		if !ok {
			panic("bad header: " + header)
		}
		g.ID, _ = strconv.Atoi(idText)
		state = strings.TrimSuffix(state, "]:")
		if i := strings.Index(state, ","); i >= 0 {
			state = state[:i]
		}
		g.State = state
		for _, line := range lines[1:] {
			if strings.HasPrefix(line, "\t") || line == "" {
				continue
			}
			if strings.HasPrefix(line, "created by ") || strings.HasPrefix(line, "...") {
				break
			}
			fn := line
			if i := strings.LastIndex(fn, "("); i > 0 {
				fn = fn[:i]
			}
			g.Frames = append(g.Frames, fn)
		}
		if len(g.Frames) > 0 {
			g.Function = g.Frames[0]
		}
		out = append(out, g)
	}
	return out
}

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

func selfID() int {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	id, _ := strconv.Atoi(f[1])
	return id
}

// waitUntilParked returns the other goroutines once all `want` of them are
// parked in a waiting state and two snapshots 50 ms apart agree.
func waitUntilParked(self, want int) []goroutine {
	var prev string
	for i := 0; i < 2000; i++ {
		var others []goroutine
		for _, g := range parseStacks(stacks()) {
			if g.ID != self {
				others = append(others, g)
			}
		}
		parked := len(others) == want
		for _, g := range others {
			switch g.State {
			case "running", "runnable", "syscall", "idle":
				parked = false
			}
		}
		if parked {
			key := fmt.Sprint(others)
			if key == prev {
				return others
			}
			prev = key
			time.Sleep(50 * time.Millisecond)
			continue
		}
		prev = ""
		time.Sleep(5 * time.Millisecond)
	}
	fail("goroutines did not park")
	return nil
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "go-hello:", msg)
	os.Exit(1)
}

// Raw file writing: no heap allocation.
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
	failMsg             = []byte("go-hello: heap changed after ReadMemStats\n")
)

func report(done chan<- struct{}) {
	defer close(done)
	self := selfID()
	const want = 7 // main + 6 blocked goroutines
	others := waitUntilParked(self, want)

	info, ok := debug.ReadBuildInfo()
	if !ok {
		fail("no build info")
	}
	stripped := false
	for _, s := range info.Settings {
		if s.Key == "-ldflags" {
			for _, f := range strings.Fields(s.Value) {
				if f == "-s" {
					stripped = true
				}
			}
		}
	}
	head := struct {
		Fixture    string      `json:"fixture"`
		Dump       string      `json:"dump"`
		Exe        string      `json:"exe"`
		Pid        int         `json:"pid"`
		GoVersion  string      `json:"go_version"`
		MainModule string      `json:"main_module"`
		Stripped   bool        `json:"stripped"`
		Goroutines []goroutine `json:"goroutines"`
	}{"go-hello", "gcore", filepath.Base(os.Args[0]), os.Getpid(), runtime.Version(),
		info.Main.Path, stripped, others}
	js, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		fail(err.Error())
	}
	js = bytes.TrimSuffix(bytes.TrimSpace(js), []byte("}"))
	js = bytes.TrimRight(js, "\n ")

	// Every numeric MemStats field, located before the measurement.
	var fields []statField
	v := reflect.ValueOf(&memStats).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Uint64, reflect.Uint32, reflect.Float64:
			fields = append(fields, statField{v.Type().Field(i).Name, f.Kind(),
				f.Addr().UnsafePointer()})
		}
	}
	buf := make([]byte, 0, len(js)+64*1024)
	buf = append(buf, js...)
	truthPath := []byte("truth.json\x00")
	readyPath := []byte("ready\x00")
	others, js, info = nil, nil, nil

	runtime.GC()
	debug.FreeOSMemory()
	runtime.ReadMemStats(&memStats)
	// From here on: no heap allocation.
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
	buf = append(buf, "\n  }\n}\n"...)
	if !rawWrite(truthPath, buf) {
		fail("cannot write truth.json")
	}
	runtime.ReadMemStats(&memStats2)
	if memStats2.Mallocs != memStats.Mallocs || memStats2.Frees != memStats.Frees ||
		memStats2.HeapAlloc != memStats.HeapAlloc || memStats2.HeapReleased != memStats.HeapReleased ||
		memStats2.NumGC != memStats.NumGC {
		syscall.Write(2, failMsg)
		syscall.Exit(3)
	}
	if !rawWrite(readyPath, nil) {
		syscall.Exit(4)
	}
}

func main() {
	r, w, err := os.Pipe()
	if err != nil {
		fail(err.Error())
	}
	pipeR, pipeW = r, w
	mu.Lock()
	wg.Add(1)

	go recvForever()
	go selectForever()
	go lockForever()
	go waitGroupForever()
	go sleepForever()
	go readPipeForever()

	done := make(chan struct{})
	go report(done)
	<-blocker // never sent: main stays in "chan receive" until killed
	sink++
	<-done
}
