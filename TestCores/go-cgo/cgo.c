/* The C half of go-cgo: four C threads build the c-heap scenario (reachable
 * structures from globals, thread-locals and stacks, every kind of leak, frees
 * into every free structure), and the Go half's blocks are recorded in the
 * same manifest. Only C threads free: Go's runtime mallocs on its own threads
 * (a thread-start record per new M), which must not take a chunk from a
 * tcache whose contents the manifest predicts. */
#define _GNU_SOURCE
#include "cgo.h"
#include "../c-heap/heap.h"
#include "../c-heap/record.h"
#include "../c-heap/scenario.h"

#include <gnu/libc-version.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { C_THREADS = 4, GO_THREAD = C_THREADS, W3_NO_FREES = 3 };
static const char *const thread_names[C_THREADS + 1] = {"c-globals", "w1-lists", "w2-trees", "w3-nofree", "go"};
static const char *const go_root_names[] = {"go heap main.CRef.Ptr", "go heap via main.CRef.Ptr",
                                            "go heap main.CHandle.Raw", "goroutine stack"};
static sem_t start[C_THREADS], done[C_THREADS];
/* Thread 0 hangs its structures from globals (main_roots), the others from thread-locals. */
static __thread struct scenario_roots tls_roots;

static void *worker(void *arg) {
    unsigned t = (unsigned)(uintptr_t)arg;
    pthread_setname_np(pthread_self(), thread_names[t]);
    rec_thread(t, gettid(), thread_names[t]);
    sem_wait(&start[t]);
    struct scenario_roots stack_roots = {0};
    scenario_build(t, t == 0 ? &main_roots : &tls_roots, &stack_roots, NULL, t != W3_NO_FREES);
    struct scenario_roots *volatile keep_alive = &stack_roots;
    scrub_stack_and_registers();
    sem_post(&done[t]);
    for (;;) pause();
    return (void *)keep_alive;
}

static unsigned glibc_minor(void) {
    const char *dot = strchr(gnu_get_libc_version(), '.'); /* "2.36" */
    return dot ? (unsigned)atoi(dot + 1) : 0;
}

void cgo_build_c_heap(void) {
    rec_init(4096, glibc_minor());
    rec_thread(GO_THREAD, 0, thread_names[GO_THREAD]);
    pthread_t ids[C_THREADS];
    for (unsigned t = 0; t < C_THREADS; t++) {
        sem_init(&start[t], 0, 0), sem_init(&done[t], 0, 0);
        if (pthread_create(&ids[t], NULL, worker, (void *)(uintptr_t)t) != 0) abort();
    }
    /* c-heap's order (its main thread, here thread 0, last): thread 0 frees two of w1's blocks. */
    static const unsigned order[C_THREADS] = {1, 2, 3, 0};
    for (unsigned i = 0; i < C_THREADS; i++) {
        sem_post(&start[order[i]]);
        while (sem_wait(&done[order[i]]) != 0) {}
    }
}

void *cgo_hold(size_t size, enum go_root root) {
    void **p = malloc(size);
    if (!p) abort();
    memset(p, 'g', size);
    rec_add(p, size, GO_THREAD, go_root_names[root]);
    if (root == GO_ROOT_POINTER) {
        p[0] = malloc(48);
        memset(p[0], 'h', 48);
        rec_add(p[0], 48, GO_THREAD, go_root_names[GO_ROOT_CHILD]);
    }
    return p;
}

void cgo_write_manifest(void) { rec_write_truth("cgo"); }
