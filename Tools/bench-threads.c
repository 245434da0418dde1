/*
 * bench-threads: the process Tools/bench dumps to get a big, many-threaded
 * core. Built and run only by Tools/bench, in a temporary directory.
 *
 * Usage: bench-threads READY_FILE THREADS HEAP_MIB
 *
 * 1. Fills about HEAP_MIB MiB of malloc heap with blocks of 64 B .. 64 KiB
 *    and writes every byte, so the pages are resident and land in the core.
 * 2. Starts THREADS worker threads. Worker i recurses to a depth of 3..10
 *    through a mix of three noinline functions (so the stacks differ in
 *    length and in shape), then blocks forever in one of
 *    pthread_cond_wait, read() on an empty pipe, nanosleep or sem_wait.
 * 3. Once every worker has said it is about to block *and* the kernel shows
 *    it sleeping (state S in /proc/self/task/TID/stat, twice in a row),
 *    creates READY_FILE and parks the main thread in pause() until killed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* noipa: no inlining and no cloning, so every level of the recursion is a
 * real frame with a stable name; BARRIER after a call keeps it from being
 * turned into a tail call, which would drop the caller's frame. */
#define NOINLINE __attribute__((noinline, noipa))
#define BARRIER() __asm__ volatile("" ::: "memory")
/* The dispatch helpers are always inlined: as separate functions GCC would
 * reach them by tail calls, which leaves no frame for eu-stack or coreinspect
 * but one that gdb rebuilds from call-site DWARF. Inlined, every tool sees
 * them (as inlined frames), so all three unwind the same stacks. */
#define INLINE static inline __attribute__((always_inline))

enum blocker { B_COND, B_PIPE, B_SLEEP, B_SEM, NBLOCKERS };

struct worker {
    int index;
    int depth;               /* recursion levels before blocking: 3..10 */
    enum blocker how;
    pthread_t thread;
    volatile pid_t tid;
    volatile int about_to_block;
};

static struct worker *workers;
static int nworkers;

static pthread_mutex_t cond_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int never;            /* the condition the cond waiters wait for */
static int pipe_fds[2];      /* nobody ever writes to pipe_fds[1] */
static sem_t sem;            /* stays at 0 */
void **heap_blocks;          /* every heap block; external so it is kept */

static void fail(const char *what)
{
    fprintf(stderr, "bench-threads: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---------------------------------------------------------------- heap */

/* xorshift64: deterministic, so every run builds the same heap shape. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Sizes spread evenly over the powers of two 64 .. 32 KiB, each plus a random
 * amount below the next power, i.e. 64 B .. 64 KiB: all below glibc's mmap
 * threshold (128 KiB), so everything lives in the main arena's chunks. */
static size_t random_block_size(void)
{
    unsigned shift = 6 + (unsigned)(next_random() % 10);
    size_t base = (size_t)1 << shift;
    return base + (size_t)(next_random() % base);
}

static void fill_heap(size_t total_bytes)
{
    size_t used = 0, count = 0, capacity = 1024;
    void **blocks = malloc(capacity * sizeof *blocks);
    if (!blocks)
        fail("malloc");
    while (used < total_bytes) {
        size_t size = random_block_size();
        unsigned char *block = malloc(size);
        if (!block)
            fail("malloc");
        /* Non-zero fill: the pages must really be written to be resident. */
        memset(block, (int)(count % 255) + 1, size);
        if (count == capacity) {
            capacity *= 2;
            blocks = realloc(blocks, capacity * sizeof *blocks);
            if (!blocks)
                fail("realloc");
        }
        blocks[count++] = block;
        used += size;
    }
    heap_blocks = blocks; /* reachable from a global, as a live heap is */
    fprintf(stderr, "bench-threads: %zu heap blocks, %zu MiB\n", count, used >> 20);
}

/* ---------------------------------------------------------------- blocking */

static void announce_blocking(struct worker *w)
{
    __atomic_store_n(&w->about_to_block, 1, __ATOMIC_RELEASE);
}

NOINLINE static void block_on_cond(struct worker *w)
{
    pthread_mutex_lock(&cond_mutex);
    /* Announced under the mutex: the next sleep is inside pthread_cond_wait,
     * not a contended pthread_mutex_lock. */
    announce_blocking(w);
    while (!never)
        pthread_cond_wait(&cond, &cond_mutex);
    pthread_mutex_unlock(&cond_mutex);
}

NOINLINE static void block_on_pipe(struct worker *w)
{
    char byte;
    announce_blocking(w);
    while (read(pipe_fds[0], &byte, 1) != 0)
        ;
}

NOINLINE static void block_in_sleep(struct worker *w)
{
    announce_blocking(w);
    for (;;) {
        struct timespec hour = {3600, 0};
        nanosleep(&hour, NULL);
    }
}

NOINLINE static void block_on_sem(struct worker *w)
{
    announce_blocking(w);
    for (;;)
        sem_wait(&sem);
}

INLINE void block_forever(struct worker *w)
{
    switch (w->how) {
    case B_COND: block_on_cond(w); break;
    case B_PIPE: block_on_pipe(w); break;
    case B_SLEEP: block_in_sleep(w); break;
    default: block_on_sem(w); break;
    }
}

/* ---------------------------------------------------------------- recursion */

NOINLINE static void descend_a(struct worker *w, int level);
NOINLINE static void descend_b(struct worker *w, int level);
NOINLINE static void descend_c(struct worker *w, int level);

/* Goes one level deeper, picking the next function from the worker's index
 * and the level, so different workers get different sequences. */
INLINE void step(struct worker *w, int level)
{
    if (level >= w->depth) {
        block_forever(w);
        return;
    }
    switch ((w->index / 3 + level * (w->index % 5 + 1)) % 3) {
    case 0: descend_a(w, level + 1); break;
    case 1: descend_b(w, level + 1); break;
    default: descend_c(w, level + 1); break;
    }
}

/* Each keeps a differently sized local buffer alive across the call, so the
 * frames also differ in size. */
NOINLINE static void descend_a(struct worker *w, int level)
{
    volatile char scratch[32];
    scratch[0] = (char)level;
    step(w, level);
    BARRIER();
    (void)scratch[0];
}

NOINLINE static void descend_b(struct worker *w, int level)
{
    volatile long scratch[24];
    scratch[level % 24] = level;
    step(w, level);
    BARRIER();
    (void)scratch[level % 24];
}

NOINLINE static void descend_c(struct worker *w, int level)
{
    volatile int scratch[100];
    scratch[level] = level;
    step(w, level);
    BARRIER();
    (void)scratch[level];
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char name[16];
    snprintf(name, sizeof name, "bench-%02d", w->index);
    pthread_setname_np(pthread_self(), name);
    w->tid = (pid_t)syscall(SYS_gettid);
    step(w, 0);
    return NULL;
}

/* ---------------------------------------------------------------- readiness */

/* The state letter of thread TID ('R', 'S', ...), or 0 if unreadable. */
static char thread_state(pid_t tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    /* The comm field may contain ") ", so look for the last one. */
    char *end = strrchr(buf, ')');
    return end && end[1] == ' ' ? end[2] : 0;
}

static int all_workers_blocked(void)
{
    for (int i = 0; i < nworkers; i++) {
        struct worker *w = &workers[i];
        if (!__atomic_load_n(&w->about_to_block, __ATOMIC_ACQUIRE) || thread_state(w->tid) != 'S')
            return 0;
    }
    return 1;
}

static void wait_until_blocked(void)
{
    struct timespec tick = {0, 10 * 1000 * 1000};
    int stable = 0;
    for (int tries = 0; tries < 6000; tries++) { /* up to a minute */
        stable = all_workers_blocked() ? stable + 1 : 0;
        if (stable >= 2)
            return;
        nanosleep(&tick, NULL);
    }
    fprintf(stderr, "bench-threads: workers did not all block within a minute\n");
    exit(1);
}

NOINLINE static void wait_for_dump(void)
{
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s READY_FILE THREADS HEAP_MIB\n", argv[0]);
        return 2;
    }
    const char *ready = argv[1];
    nworkers = atoi(argv[2]);
    long heap_mib = atol(argv[3]);
    if (nworkers <= 0 || heap_mib < 0) {
        fprintf(stderr, "bench-threads: bad THREADS or HEAP_MIB\n");
        return 2;
    }

    fill_heap((size_t)heap_mib << 20);

    if (pipe(pipe_fds) != 0)
        fail("pipe");
    if (sem_init(&sem, 0, 0) != 0)
        fail("sem_init");
    workers = calloc((size_t)nworkers, sizeof *workers);
    if (!workers)
        fail("calloc");

    /* Small stacks: 64 default 8 MiB stacks would add half a GiB of zeros
     * to the core, and the benchmark is about the heap and the unwinding. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (int i = 0; i < nworkers; i++) {
        struct worker *w = &workers[i];
        w->index = i;
        w->depth = 3 + i % 8;
        w->how = (enum blocker)((i / 8) % NBLOCKERS); /* independent of depth */
        int err = pthread_create(&w->thread, &attr, worker_main, w);
        if (err) {
            errno = err;
            fail("pthread_create");
        }
    }
    pthread_attr_destroy(&attr);

    wait_until_blocked();

    int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fail(ready);
    close(fd);

    wait_for_dump();
    return 0;
}
