/* The C half of go-cgo, as the Go half calls it (main.go). */
#ifndef GO_CGO_H
#define GO_CGO_H

#include <stddef.h>

/* What holds a block the Go half asked for. */
enum go_root {
    GO_ROOT_POINTER, /* an unsafe.Pointer field of a live Go object (main.CRef.Ptr) */
    GO_ROOT_CHILD,   /* only a GO_ROOT_POINTER block's first word */
    GO_ROOT_UINTPTR, /* a uintptr field of a live noscan Go object (main.CHandle.Raw) */
    GO_ROOT_STACK,   /* a local of a parked goroutine */
};

/* Runs the c-heap scenario on four C threads (pthreads, not Go's), one after
 * another, each in its own arena; they then sleep until the process dies. */
void cgo_build_c_heap(void);
/* malloc(size), recorded as reachable from `root`; GO_ROOT_POINTER blocks also
 * hold a GO_ROOT_CHILD block in their first word. */
void *cgo_hold(size_t size, enum go_root root);
/* Writes the C manifest (truth.json, with mallinfo2), without malloc. */
void cgo_write_manifest(void);

#endif
