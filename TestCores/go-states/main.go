// go-states: core-dump fixture for `coreinspect goroutines`.
//
// Usage: TRUTH_PATH=truth.json READY_PATH=ready [DUMP=gcore|kernel] go-states
//
// The program puts goroutines into many scheduler states, each in its own
// named function, waits until every one of them shows its expected state in
// the runtime's own goroutine dump (runtime.Stack(buf, true)), and then a
// reporter goroutine
//
//  1. runs runtime.GC() and debug.FreeOSMemory(),
//  2. reads runtime.MemStats,
//  3. writes the truth JSON to $TRUTH_PATH without allocating (preallocated
//     buffer, raw system calls), checks that the heap did not change, and
//  4. creates $READY_PATH, and returns.
//
// main itself blocks in `select {}` from the start. The process then waits
// to be dumped (gcore), or to get SIGQUIT under GOTRACEBACK=crash (the
// runtime prints every goroutine to stderr and the kernel writes a core).
//
// Goroutines, with the function that identifies them ("role" in truth.json):
//
//	main                 main.main                select (no cases)
//	chansend             main.blockChanSend       chan send (unbuffered, no receiver)
//	chanrecv             main.blockChanRecv       chan receive
//	nilchanrecv          main.blockNilChanRecv    chan receive (nil chan)
//	select               main.blockSelect         select (3 cases, none ready)
//	mutex                main.blockMutexLock      sync.Mutex.Lock (main holds the mutex; semacquire in Go 1.19)
//	rwmutex_rlock        main.blockRWMutexRLock   sync.RWMutex.RLock (main holds the write lock; semacquire in Go 1.19)
//	waitgroup            main.blockWaitGroup      semacquire (Go <= 1.23) / sync.WaitGroup.Wait
//	cond                 main.blockCondWait       sync.Cond.Wait
//	sleep                main.blockSleep          sleep
//	pipe_read            main.blockPipeRead       IO wait (os.Pipe, netpoller)
//	tcp_read             main.blockTCPRead        IO wait (127.0.0.1 TCP, peer never sends)
//	syscall              main.blockRawPipeRead    syscall (syscall.Read on a blocking pipe fd)
//	inlined              main.takeJob             chan receive, inlined into main.blockInlinedRecv
//	group                main.groupMember x 25    chan receive, all at the same line
//	nest_parent          main.nestParent          chan receive, started by main
//	nest_child           main.nestChild           select, started by nestParent
//	nest_grandchild      main.nestGrandchild      chan send, started by nestChild
//	runnable             main.spinGosched x 4     runnable (loops calling runtime.Gosched)
//	running              main.spinTight           running, locked to thread (a loop without calls)
//
// With GOMAXPROCS=4 there are five busy goroutines (spinTight and four
// spinGosched) for four Ps, so at every instant at least one spinGosched is
// runnable and not running, while spinTight, which never yields, is nearly
// always on its thread. spinTight locks its thread and publishes the thread
// id, so the dump script can send SIGQUIT to exactly that thread (tgkill):
// the runtime then prints spinTight as the interrupted, running goroutine.
// (A process-directed SIGQUIT lands on an arbitrary thread, and the
// runtime's freezetheworld preempts every other running goroutine before it
// prints them, so they all read "runnable".) The expected roles carry the
// thread ids of spinTight ("running") and of the thread blocked in read(2)
// ("syscall").
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	groupSize    = 25
	spinners     = 4
	settleTimout = 60 * time.Second
)

var (
	sink int

	unbuffered = make(chan int) // nobody ever receives
	recvCh     = make(chan int) // nobody ever sends
	nilCh      chan int
	selA       = make(chan int)
	selB       = make(chan string)
	selC       = make(chan struct{}, 1) // buffered but full: a send case never fires
	jobs       = make(chan int)
	groupCh    = make(chan int)
	nestDone   = make(chan int)
	nestSel    = make(chan int)
	nestOut    = make(chan int)

	mu       sync.Mutex
	rw       sync.RWMutex
	wg       sync.WaitGroup
	condMu   sync.Mutex
	cond     = sync.NewCond(&condMu)
	condFlag bool

	pipeR, pipeW       *os.File
	rawPipe            [2]int
	tcpClient, tcpPeer net.Conn

	gosched    uint64
	tightCount uint64
	tightTid   int64 // thread of spinTight, set once it runs
)

//go:noinline
func blockChanSend() {
	unbuffered <- 1
}

//go:noinline
func blockChanRecv() {
	sink += <-recvCh
}

//go:noinline
func blockNilChanRecv() {
	sink += <-nilCh
}

//go:noinline
func blockSelect() {
	select {
	case v := <-selA:
		sink += v
	case s := <-selB:
		sink += len(s)
	case selC <- struct{}{}:
		sink++
	}
}

//go:noinline
func blockMutexLock() {
	mu.Lock() // main holds mu forever
	sink++
	mu.Unlock()
}

//go:noinline
func blockRWMutexRLock() {
	rw.RLock() // main holds the write lock forever
	sink++
	rw.RUnlock()
}

//go:noinline
func blockWaitGroup() {
	wg.Wait() // the counter never drops to zero
	sink++
}

//go:noinline
func blockCondWait() {
	condMu.Lock()
	for !condFlag {
		cond.Wait() // nobody signals
	}
	condMu.Unlock()
}

//go:noinline
func blockSleep() {
	time.Sleep(100000 * time.Hour)
	sink++
}

//go:noinline
func blockPipeRead() {
	var b [1]byte
	n, _ := pipeR.Read(b[:]) // os.Pipe: non-blocking fd, parks in the netpoller
	sink += n
}

//go:noinline
func blockTCPRead() {
	var b [1]byte
	n, _ := tcpClient.Read(b[:]) // the peer never writes
	sink += n
}

//go:noinline
func blockRawPipeRead() {
	var b [1]byte
	n, _ := syscall.Read(rawPipe[0], b[:]) // blocking fd: the thread sleeps in read(2)
	sink += n
}

// takeJob is small enough for the compiler to inline it into its caller; the
// traceback shows it as `main.takeJob(...)`.
func takeJob(ch chan int) int {
	return <-ch
}

//go:noinline
func blockInlinedRecv() {
	sink += takeJob(jobs)
}

//go:noinline
func groupMember(id int) {
	sink += <-groupCh + id
}

//go:noinline
func startGroup() {
	for i := 0; i < groupSize; i++ {
		go groupMember(i)
	}
}

//go:noinline
func nestParent() {
	go nestChild()
	sink += <-nestDone
}

//go:noinline
func nestChild() {
	go nestGrandchild()
	select {
	case v := <-nestSel:
		sink += v
	case v := <-nestDone:
		sink += v
	}
}

//go:noinline
func nestGrandchild() {
	nestOut <- 1
}

//go:noinline
func spinGosched() {
	for {
		runtime.Gosched()
		gosched++
	}
}

// spinTight locks itself to its thread, publishes the thread id and then
// loops without calls. (A plain `tightCount++` loop would be compiled to an
// empty loop; the atomic add is an intrinsic, a LOCK XADD, not a call.)
//
//go:noinline
func spinTight() {
	runtime.LockOSThread()
	atomic.StoreInt64(&tightTid, int64(syscall.Gettid()))
	for {
		atomic.AddUint64(&tightCount, 1)
	}
}

// ---------------------------------------------------------------- traceback parsing

type frame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Inlined  bool   `json:"inlined"`
}

type goroutine struct {
	ID        int     `json:"id"`
	State     string  `json:"state"`
	Function  string  `json:"function"`
	CreatedBy *string `json:"created_by"`
	Parent    *int    `json:"parent"`
	Frames    []frame `json:"frames"`
}

var (
	headerRE    = regexp.MustCompile(`^goroutine (\d+)(?: [^\[]*)? \[(.*)\]:$`)
	createdByRE = regexp.MustCompile(`^created by (\S+)(?: in goroutine (\d+))?$`)
	fileLineRE  = regexp.MustCompile(`^\t(.*):(\d+)(?: .*)?$`)
)

// parseStacks parses the text of runtime.Stack(buf, true).
func parseStacks(text string) []goroutine {
	var out []goroutine
	for _, block := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(block, "\n")
		m := headerRE.FindStringSubmatch(lines[0])
		if m == nil {
			fail("bad goroutine header: " + lines[0])
		}
		var g goroutine
		g.ID, _ = strconv.Atoi(m[1])
		g.State = m[2]
		if i := strings.Index(g.State, ", "); i >= 0 { // ", 5 minutes", ", locked to thread"
			g.State = g.State[:i]
		}
		g.Frames = []frame{}
		for i := 1; i < len(lines); i++ {
			line := lines[i]
			if line == "" || strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "...") {
				continue
			}
			var loc []string
			if i+1 < len(lines) {
				loc = fileLineRE.FindStringSubmatch(lines[i+1])
			}
			if c := createdByRE.FindStringSubmatch(line); c != nil {
				fn := c[1]
				g.CreatedBy = &fn
				if c[2] != "" {
					p, _ := strconv.Atoi(c[2])
					g.Parent = &p
				}
				continue
			}
			fn, args := line, ""
			if j := strings.LastIndex(fn, "("); j > 0 {
				fn, args = fn[:j], fn[j:]
			}
			f := frame{Function: fn, Inlined: args == "(...)"}
			if loc != nil {
				f.File = loc[1]
				f.Line, _ = strconv.Atoi(loc[2])
			}
			g.Frames = append(g.Frames, f)
		}
		// The goroutine's own function: the outermost frame, as started by
		// the go statement (main.main for goroutine 1 at the default
		// traceback level, which hides runtime.main and runtime.goexit).
		for j := len(g.Frames) - 1; j >= 0; j-- {
			if g.Frames[j].Function != "runtime.goexit" {
				g.Function = g.Frames[j].Function
				break
			}
		}
		out = append(out, g)
	}
	return out
}

func allStacks() string {
	buf := make([]byte, 1<<20)
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

// ---------------------------------------------------------------- roles

type role struct {
	Function  string `json:"function"`
	State     string `json:"state"`
	CreatedBy string `json:"created_by,omitempty"`
	Inlined   bool   `json:"inlined,omitempty"`
	Count     int    `json:"count,omitempty"`
	Tid       int    `json:"tid,omitempty"`
	// States accepted in the runtime.Stack snapshot. runtime.Stack stops
	// the world, which preempts running goroutines: there they are
	// "runnable", never "running".
	snapshot []string
}

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

func roles() map[string]*role {
	wgState := "sync.WaitGroup.Wait"
	if goMinor() <= 23 {
		wgState = "semacquire"
	}
	busy := []string{"runnable", "running"}
	return map[string]*role{
		"main":            {Function: "main.main", State: "select (no cases)"},
		"chansend":        {Function: "main.blockChanSend", State: "chan send"},
		"chanrecv":        {Function: "main.blockChanRecv", State: "chan receive"},
		"nilchanrecv":     {Function: "main.blockNilChanRecv", State: "chan receive (nil chan)"},
		"select":          {Function: "main.blockSelect", State: "select"},
		"mutex":           {Function: "main.blockMutexLock", State: mutexState("sync.Mutex.Lock")},
		"rwmutex_rlock":   {Function: "main.blockRWMutexRLock", State: mutexState("sync.RWMutex.RLock")},
		"waitgroup":       {Function: "main.blockWaitGroup", State: wgState},
		"cond":            {Function: "main.blockCondWait", State: "sync.Cond.Wait"},
		"sleep":           {Function: "main.blockSleep", State: "sleep"},
		"pipe_read":       {Function: "main.blockPipeRead", State: "IO wait"},
		"tcp_read":        {Function: "main.blockTCPRead", State: "IO wait"},
		"syscall":         {Function: "main.blockRawPipeRead", State: "syscall"},
		"inlined":         {Function: "main.takeJob", State: "chan receive", Inlined: true},
		"group":           {Function: "main.groupMember", State: "chan receive", Count: groupSize},
		"nest_parent":     {Function: "main.nestParent", State: "chan receive", CreatedBy: "main.main"},
		"nest_child":      {Function: "main.nestChild", State: "select", CreatedBy: "main.nestParent"},
		"nest_grandchild": {Function: "main.nestGrandchild", State: "chan send", CreatedBy: "main.nestChild"},
		"runnable":        {Function: "main.spinGosched", State: "runnable", snapshot: busy},
		"running":         {Function: "main.spinTight", State: "running", snapshot: busy},
	}
}

func (r *role) snapshotStateOK(state string) bool {
	if r.snapshot == nil {
		return state == r.State
	}
	for _, s := range r.snapshot {
		if s == state {
			return true
		}
	}
	return false
}

// matches reports whether g plays role r in a runtime.Stack snapshot.
func (r *role) matches(g *goroutine) bool {
	if !r.snapshotStateOK(g.State) {
		return false
	}
	if r.CreatedBy != "" && (g.CreatedBy == nil || *g.CreatedBy != r.CreatedBy) {
		return false
	}
	for _, f := range g.Frames {
		if f.Function == r.Function && f.Inlined == r.Inlined {
			return true
		}
	}
	return false
}

// unsettled lists the roles not (yet) shown in the snapshot.
func unsettled(rs map[string]*role, gs []goroutine) []string {
	var bad []string
	for name, r := range rs {
		n := 0
		for i := range gs {
			if r.matches(&gs[i]) {
				n++
			}
		}
		if (r.Count == 0 && n == 0) || (r.Count > 0 && n != r.Count) {
			bad = append(bad, name)
		}
	}
	sort.Strings(bad)
	return bad
}

// rawReadTid returns the thread sleeping in read(2) on the raw pipe, from
// /proc/self/task/TID/syscall ("0 0xFD ..."; 0 is SYS_read), or 0.
func rawReadTid() int {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		fail(err.Error())
	}
	want := fmt.Sprintf("%d 0x%x ", syscall.SYS_READ, rawPipe[0])
	found := 0
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/syscall")
		if err == nil && strings.HasPrefix(string(b), want) {
			if found != 0 {
				return 0 // ambiguous
			}
			found, _ = strconv.Atoi(t.Name())
		}
	}
	return found
}

// stableKey describes the waiting goroutines; busy ones move all the time.
func stableKey(gs []goroutine) string {
	var b strings.Builder
	for _, g := range gs {
		if g.State == "runnable" || g.State == "running" {
			continue
		}
		fmt.Fprintf(&b, "%d %s %v\n", g.ID, g.State, g.Frames)
	}
	return b.String()
}

// waitUntilSettled returns the goroutines other than self once every role
// is in its state and two snapshots 50 ms apart agree.
func waitUntilSettled(self int, rs map[string]*role) []goroutine {
	deadline := time.Now().Add(settleTimout)
	prev := ""
	var last []string
	var text string
	for time.Now().Before(deadline) {
		text = allStacks()
		var others []goroutine
		for _, g := range parseStacks(text) {
			if g.ID != self {
				others = append(others, g)
			}
		}
		last = unsettled(rs, others)
		rs["running"].Tid = int(atomic.LoadInt64(&tightTid))
		rs["syscall"].Tid = rawReadTid()
		if rs["running"].Tid == 0 {
			last = append(last, "running (no tid yet)")
		}
		if rs["syscall"].Tid == 0 {
			last = append(last, "syscall (no thread in read(2) on the raw pipe)")
		}
		if len(last) == 0 {
			key := stableKey(others)
			if key == prev {
				return others
			}
			prev = key
			time.Sleep(50 * time.Millisecond)
			continue
		}
		prev = ""
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, text)
	fail("goroutines did not settle; roles not in place: " + strings.Join(last, ", "))
	return nil
}

// ---------------------------------------------------------------- truth

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "go-states:", msg)
	os.Exit(1)
}

// rawWrite creates path (NUL-terminated) and writes data without touching
// the Go heap.
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
	heapChanged         = []byte("go-states: heap changed after ReadMemStats\n")
	truthFailed         = []byte("go-states: cannot write TRUTH_PATH\n")
	readyFailed         = []byte("go-states: cannot create READY_PATH\n")
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

// marshalBody returns `"key": value` pairs (no braces) for the fields of v.
func marshalBody(v interface{}) []byte {
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fail(err.Error())
	}
	js = bytes.TrimSpace(js)
	js = bytes.TrimPrefix(js, []byte("{"))
	js = bytes.TrimSuffix(js, []byte("}"))
	return bytes.Trim(js, "\n ")
}

func report() {
	truthPath, readyPath := os.Getenv("TRUTH_PATH"), os.Getenv("READY_PATH")
	if truthPath == "" || readyPath == "" {
		fail("TRUTH_PATH and READY_PATH must be set")
	}
	dump := os.Getenv("DUMP")
	if dump == "" {
		dump = "gcore"
		if os.Getenv("GOTRACEBACK") == "crash" {
			dump = "kernel"
		}
	}
	// A first collection starts the GC's background mark workers, so that
	// the goroutine snapshot below already lists every goroutine that
	// exists at dump time (at GOTRACEBACK=crash, runtime.Stack shows them).
	runtime.GC()
	self := selfID()
	rs := roles()
	gs := waitUntilSettled(self, rs)

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
	head := marshalBody(struct {
		Fixture     string `json:"fixture"`
		Dump        string `json:"dump"`
		Exe         string `json:"exe"`
		Pid         int    `json:"pid"`
		GoVersion   string `json:"go_version"`
		MainModule  string `json:"main_module"`
		Stripped    bool   `json:"stripped"`
		GOMAXPROCS  int    `json:"gomaxprocs"`
		GOTRACEBACK string `json:"gotraceback"`
	}{"go-states", dump, filepath.Base(os.Args[0]), os.Getpid(), runtime.Version(),
		info.Main.Path, stripped, runtime.GOMAXPROCS(0), os.Getenv("GOTRACEBACK")})
	tail := marshalBody(struct {
		Goroutines []goroutine      `json:"goroutines"`
		Expected   map[string]*role `json:"expected"`
	}{gs, rs})

	// Every numeric MemStats field, located before the measurement.
	var fields []statField
	v := reflect.ValueOf(&memStats).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Uint64, reflect.Uint32, reflect.Float64:
			fields = append(fields, statField{v.Type().Field(i).Name, f.Kind(), f.Addr().UnsafePointer()})
		}
	}
	prefix := append([]byte("{\n  "), head...)
	suffix := append(append([]byte(",\n  "), tail...), "\n}\n"...)
	buf := make([]byte, 0, len(prefix)+len(suffix)+64*1024)
	truthZ := append([]byte(truthPath), 0)
	readyZ := append([]byte(readyPath), 0)
	gs, info, head, tail = nil, nil, nil, nil

	writeTruth(buf, prefix, suffix, fields, truthZ)
	if !rawWrite(readyZ, nil) {
		syscall.Write(2, readyFailed)
		syscall.Exit(4)
	}
}

// ---------------------------------------------------------------- main

func setup() {
	var err error
	if pipeR, pipeW, err = os.Pipe(); err != nil {
		fail(err.Error())
	}
	if err = syscall.Pipe(rawPipe[:]); err != nil { // blocking fds
		fail(err.Error())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err.Error())
	}
	if tcpClient, err = net.Dial("tcp", ln.Addr().String()); err != nil {
		fail(err.Error())
	}
	if tcpPeer, err = ln.Accept(); err != nil {
		fail(err.Error())
	}
	ln.Close()
	selC <- struct{}{} // fill the buffer: blockSelect's send case never fires
	mu.Lock()
	rw.Lock()
	wg.Add(1)
}

func main() {
	setup()
	go blockChanSend()
	go blockChanRecv()
	go blockNilChanRecv()
	go blockSelect()
	go blockMutexLock()
	go blockRWMutexRLock()
	go blockWaitGroup()
	go blockCondWait()
	go blockSleep()
	go blockPipeRead()
	go blockTCPRead()
	go blockRawPipeRead()
	go blockInlinedRecv()
	startGroup()
	go nestParent()
	for i := 0; i < spinners; i++ {
		go spinGosched()
	}
	go spinTight()
	go report()
	select {}
}

// mutexState is the state of a goroutine blocked in a sync.Mutex or
// sync.RWMutex method: the runtime's own wait reason, or "semacquire" in Go
// 1.19, whose runtime has none for them (1.21's has). It sits at the end of
// the file so that the lines of the older releases' fixtures stay put.
func mutexState(reason string) string {
	if goMinor() <= 19 {
		return "semacquire"
	}
	return reason
}
