// go-cgo: core-dump fixture for `heap` and `leaks` on a Go program that uses
// cgo (TestCores/README.md, "go-cgo").
//
// The C half (cgo.c) runs the c-heap scenario on four C threads, each in its
// own glibc arena, and records every block in the c-heap manifest. The Go half
// then asks C for blocks that only Go holds: through unsafe.Pointer fields of
// live Go objects (each holding a further C block), through uintptr fields of
// live noscan Go objects, and in the locals of a parked goroutine. Then:
//
//  1. C writes its manifest with mallinfo2 (truth.json) without malloc; the
//     script checks it against gdb's mallinfo2() on the live process, which
//     catches a runtime malloc after it (a new M's thread-start record);
//  2. runtime.GC() twice (each call also finishes sweeping);
//  3. runtime.ReadMemStats, the Go truth formatted into a preallocated buffer,
//     ReadMemStats again: exit 3 if the heap moved (the script retries), and
//     again after a settling sleep;
//  4. go-truth.json and `ready` written with raw system calls; the script
//     merges the two truths.
//
// Nothing is allocated on the Go heap after the first ReadMemStats, and no C
// function is called after it (a cgo call may allocate in the runtime).
package main

/*
#cgo CFLAGS: -g -O2 -pthread
#cgo CXXFLAGS: -g -O2 -Wno-subobject-linkage
#cgo LDFLAGS: -pthread -lstdc++
#include "cgo.h"
*/
import "C"

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

const (
	nRefs        = 40 // main.CRef in the list at main.refs, each holding a C block
	nHandles     = 30 // main.CHandle in main.handles, each holding a C block as uintptr
	nStackBlocks = 5  // C blocks held only by main.holdOnStack's locals
	settleTime   = 300 * time.Millisecond
	settleRounds = 10
)

// CRef holds a C block through an unsafe.Pointer: 16 B with pointers.
type CRef struct {
	Next *CRef
	Ptr  unsafe.Pointer
}

// CHandle holds a C block as an integer: 24 B, noscan, so Go's collector never
// reads its words; only a conservative reader of live objects finds Raw.
type CHandle struct {
	ID   int64
	Raw  uintptr
	Size int64
}

var (
	refs     *CRef
	handles  []*CHandle
	sink     uintptr
	truthBuf = make([]byte, 0, 4096)
	memStats, memStats2 runtime.MemStats
)

//go:noinline
func holdFromGoObjects() {
	for i := 0; i < nRefs; i++ {
		refs = &CRef{Next: refs, Ptr: C.cgo_hold(C.size_t(64+8*i), C.GO_ROOT_POINTER)}
	}
	handles = make([]*CHandle, nHandles)
	for i := range handles {
		size := int64(200 + 16*i)
		handles[i] = &CHandle{ID: int64(i), Raw: uintptr(C.cgo_hold(C.size_t(size), C.GO_ROOT_UINTPTR)), Size: size}
	}
}

// holdOnStack keeps its C blocks in a local array while it waits.
func holdOnStack(ready chan<- struct{}, wait <-chan struct{}) {
	var held [nStackBlocks]unsafe.Pointer
	for i := range held {
		held[i] = C.cgo_hold(C.size_t(96+16*i), C.GO_ROOT_STACK)
	}
	ready <- struct{}{}
	<-wait
	for _, p := range held {
		sink += uintptr(p)
	}
}

func appendKey(buf []byte, key string) []byte {
	return append(append(append(buf, '"'), key...), "\": "...)
}

func appendTypeCount(buf []byte, typ string, count int) []byte {
	buf = append(buf, "{\"type\": \""...)
	buf = append(buf, typ...)
	buf = append(buf, "\", \"count\": "...)
	return append(strconv.AppendInt(buf, int64(count), 10), '}')
}

// truthBody formats the Go truth into truthBuf (no allocation while it fits).
func truthBody(head string) []byte {
	buf := append(truthBuf[:0], head...)
	buf = appendKey(append(buf, ",\n  "...), "memstats")
	buf = append(buf, '{')
	buf = strconv.AppendUint(appendKey(buf, "HeapObjects"), memStats.HeapObjects, 10)
	buf = strconv.AppendUint(appendKey(append(buf, ", "...), "HeapAlloc"), memStats.HeapAlloc, 10)
	buf = strconv.AppendUint(appendKey(append(buf, ", "...), "Mallocs"), memStats.Mallocs, 10)
	buf = strconv.AppendUint(appendKey(append(buf, ", "...), "Frees"), memStats.Frees, 10)
	buf = strconv.AppendUint(appendKey(append(buf, ", "...), "NumGC"), uint64(memStats.NumGC), 10)
	buf = appendKey(append(buf, "},\n  "...), "types")
	buf = appendTypeCount(append(buf, '['), "main.CRef", nRefs)
	buf = appendTypeCount(append(buf, ", "...), "main.CHandle", nHandles)
	buf = append(buf, "]\n}\n"...)
	if cap(buf) != cap(truthBuf) {
		os.Stderr.WriteString("go-cgo: truth buffer too small\n")
		os.Exit(5)
	}
	return buf
}

// writeFile creates path (NUL-terminated) and writes data with raw system calls.
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

func sameHeap(a, b *runtime.MemStats) bool {
	return a.Mallocs == b.Mallocs && a.Frees == b.Frees && a.HeapAlloc == b.HeapAlloc && a.HeapObjects == b.HeapObjects &&
		a.NumGC == b.NumGC && a.StackInuse == b.StackInuse && a.HeapInuse == b.HeapInuse
}

func main() {
	runtime.GC() // starts the collector's workers (and any M they need) before the C heap is built
	C.cgo_build_c_heap()
	holdFromGoObjects()
	ready, wait := make(chan struct{}), make(chan struct{})
	go holdOnStack(ready, wait)
	<-ready

	C.cgo_write_manifest()

	exe := filepath.Base(os.Args[0])
	goTruthPath, readyPath := append([]byte("go-truth.json"), 0), append([]byte("ready"), 0)
	head := "{\n  \"fixture\": \"go-cgo\", \"exe\": " + strconv.Quote(exe) + ", \"goVersion\": " +
		strconv.Quote(runtime.Version()) + ", \"pid\": " + strconv.Itoa(os.Getpid()) +
		", \"gomaxprocs\": " + strconv.Itoa(runtime.GOMAXPROCS(0))

	// The first sleep of a goroutine allocates its timer: sleep before measuring.
	time.Sleep(time.Millisecond)
	runtime.GC()
	runtime.GC()
	var buf []byte
	for round := 1; ; round++ {
		runtime.ReadMemStats(&memStats)
		buf = truthBody(head)
		runtime.ReadMemStats(&memStats2)
		if !sameHeap(&memStats, &memStats2) {
			os.Exit(3)
		}
		time.Sleep(settleTime)
		runtime.ReadMemStats(&memStats2)
		if sameHeap(&memStats, &memStats2) {
			break
		}
		if round == settleRounds {
			os.Exit(3)
		}
	}
	writeFile(goTruthPath, buf)
	writeFile(readyPath, nil)
	for { // wait stays open: holdOnStack stays parked with its locals
		time.Sleep(time.Hour)
	}
}
