/* c-heap: a C program with C++ parts whose glibc heap holds every case a leak
 * and heap analyzer must get right, and which writes the truth about it.
 *
 *   ./c-heap          the small fixture: each thread builds reachable lists,
 *                     trees and C++ objects, leaks buffers, clusters, a cycle
 *                     and an interior-only block, and frees chunks into every
 *                     free structure of its arena; then truth.json is written
 *   ./c-heap big      the benchmark heap (scenario in big.c)
 *
 * Threads run their scenarios one after another (main last), so every free is
 * deterministic. After `ready` appears all threads sleep until killed.
 * TestCores/README.md ("c-heap") documents truth.json. */
#define _GNU_SOURCE
#include "heap.h"
#include "record.h"
#include "scenario.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { WORKERS = 3 };
static const char *const thread_names[WORKERS + 1] = {"c-heap", "w1-lists", "w2-trees", "w3-nofree"};
static sem_t go[WORKERS + 1], done[WORKERS + 1];
static bool big_mode;
/* From libc-heap-dtls.so, dlopened so that its thread-local is dynamic TLS. */
static void **(*dtls_root_address)(void);
enum { DTLS_THREAD = 2 };

/* Each worker keeps its list and objects in thread-locals and its tree in a
 * stack local that stays live while it sleeps. */
static __thread struct scenario_roots tls_roots;

static void park(void) {
    for (;;) pause();
}

static void *worker(void *arg) {
    unsigned t = (unsigned)(uintptr_t)arg;
    pthread_setname_np(pthread_self(), thread_names[t]);
    rec_thread(t, gettid(), thread_names[t]);
    sem_wait(&go[t]);
    struct scenario_roots stack_roots = {0};
    void **dtls_slot = NULL;
    if (!big_mode && t == DTLS_THREAD) {
        dtls_slot = dtls_root_address(); /* glibc mallocs the thread's block for the module here */
        rec_thread_dtls(t, dtls_slot);
    }
    if (big_mode)
        big_build(t, &tls_roots);
    else
        scenario_build(t, &tls_roots, &stack_roots, dtls_slot, t != WORKERS /* w3 never frees */);
    struct scenario_roots *volatile keep_alive = &stack_roots;
    scrub_stack_and_registers();
    sem_post(&done[t]);
    park();
    return (void *)keep_alive;
}

static unsigned glibc_minor(void) {
    const char *v = gnu_get_libc_version(); /* "2.36" */
    const char *dot = strchr(v, '.');
    return dot ? (unsigned)atoi(dot + 1) : 0;
}

int main(int argc, char **argv) {
    big_mode = argc > 1 && strcmp(argv[1], "big") == 0;
    unsigned minor = glibc_minor();
    rec_init(big_mode ? 0 : 4096, minor);
    rec_thread(0, gettid(), thread_names[0]);
    if (!big_mode) {
        /* libc's own blocks for an analyzer to label: stdout's buffer, and the
         * loader's data for a dlopened library with its dynamic TLS. */
        fputs("c-heap: building the heap\n", stdout);
        fflush(stdout);
        rec_libc_block(stdout->_IO_buf_base, "stdout buffer");
        void *library = dlopen("./libc-heap-dtls.so", RTLD_NOW);
        if (!library) abort();
        dtls_root_address = (void **(*)(void))dlsym(library, "dtls_root_address");
        if (!dtls_root_address) abort();
    }

    pthread_t ids[WORKERS + 1];
    for (unsigned t = 1; t <= WORKERS; t++) {
        sem_init(&go[t], 0, 0), sem_init(&done[t], 0, 0);
        if (pthread_create(&ids[t], NULL, worker, (void *)(uintptr_t)t) != 0) abort();
    }
    /* One thread at a time: the manifest's free places depend on the order. */
    for (unsigned t = 1; t <= WORKERS; t++) {
        if (big_mode && t == WORKERS) break; /* the big heap uses three arenas: main, w1, w2 */
        sem_post(&go[t]);
        while (sem_wait(&done[t]) != 0) {}
    }
    struct scenario_roots stack_roots = {0};
    if (big_mode)
        big_build(0, &main_roots);
    else
        scenario_build(0, &main_roots, &stack_roots, NULL, true);
    struct scenario_roots *volatile keep_alive = &stack_roots;
    scrub_stack_and_registers();

    rec_write_truth(big_mode ? "big" : "small");
    int fd = open("ready", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) close(fd);
    park();
    return keep_alive != NULL;
}
