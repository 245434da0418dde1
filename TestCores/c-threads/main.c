/*
 * c-threads: core-dump fixture for coreinspect.
 *
 * Usage: c-threads gcore|kernel
 *
 * Starts four named worker threads, each blocked in a distinct function of
 * this program and in a distinct libc primitive:
 *
 *   reader     reader_main -> [inlined] wait_for_byte -> read()   (pipe)
 *   waiter     waiter_main -> wait_on_cond -> pthread_cond_wait()
 *   sleeper    sleeper_main -> nap -> nanosleep()
 *   semwaiter  semwaiter_main -> drain_queue -> sem_take -> sem_wait()
 *
 * When every worker is blocked in its system call (checked through
 * /proc/self/task/TID/syscall), the main thread writes truth.json and then
 * an empty file named "ready" in the current directory, then either
 *   gcore:  blocks in wait_for_dump() (pause()) until it is killed, or
 *   kernel: calls crash_now(), which calls abort() (SIGABRT, kernel core).
 *
 * truth.json is written without touching malloc after mallinfo2() is taken,
 * so the heap in the core is exactly the heap mallinfo2() described.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* noipa: no inlining, no cloning (".constprop.0" names) and no IPA-derived
 * noreturn, which would move the call into a "main.cold" part of the caller. */
#define NOINLINE __attribute__((noinline, noipa))
/* Keeps the compiler from turning a call into a tail call (or dropping it). */
#define BARRIER() __asm__ volatile("" ::: "memory")

enum { W_READER, W_WAITER, W_SLEEPER, W_SEMWAITER, NWORKERS };

struct worker {
    const char *name;        /* thread name (comm) */
    long expected_syscall;   /* syscall it blocks in */
    const char *frames[4];   /* own functions, innermost first */
    int inlined[4];
    volatile pid_t tid;
    volatile int about_to_block;
    pthread_t thread;
};

static struct worker workers[NWORKERS] = {
    [W_READER] = {"reader", SYS_read,
                  {"wait_for_byte", "reader_main"}, {1, 0}},
    [W_WAITER] = {"waiter", SYS_futex,
                  {"wait_on_cond", "waiter_main"}, {0, 0}},
    [W_SLEEPER] = {"sleeper", SYS_clock_nanosleep,
                   {"nap", "sleeper_main"}, {0, 0}},
    [W_SEMWAITER] = {"semwaiter", SYS_futex,
                     {"sem_take", "drain_queue", "semwaiter_main"}, {0, 0, 0}},
};

static int pipe_fds[2];
static pthread_mutex_t cond_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static volatile int cond_flag;
static sem_t sem;
static volatile long sink;
static void *reader_buffer;           /* allocated in the reader's arena */
static void *keep[64];                /* live main-arena allocations */

static void started(struct worker *w)
{
    pthread_setname_np(pthread_self(), w->name);
    w->tid = (pid_t)syscall(SYS_gettid);
}

/* ---- reader: read() on a pipe, through an always-inlined helper ---- */

static inline __attribute__((always_inline)) ssize_t wait_for_byte(int fd, char *out)
{
    workers[W_READER].about_to_block = 1;
    return read(fd, out, 1);
}

static NOINLINE void *reader_main(void *arg)
{
    (void)arg;
    started(&workers[W_READER]);
    reader_buffer = malloc(1000); /* creates a second malloc arena */
    char *buf = reader_buffer;
    for (;;) {
        ssize_t n = wait_for_byte(pipe_fds[0], buf);
        if (n > 0 || (n < 0 && errno != EINTR))
            break;
    }
    sink += buf[0];
    BARRIER();
    return NULL;
}

/* ---- waiter: pthread_cond_wait ---- */

static NOINLINE void wait_on_cond(void)
{
    pthread_mutex_lock(&cond_mutex);
    workers[W_WAITER].about_to_block = 1;
    while (!cond_flag)
        pthread_cond_wait(&cond, &cond_mutex);
    pthread_mutex_unlock(&cond_mutex);
    BARRIER();
}

static NOINLINE void *waiter_main(void *arg)
{
    (void)arg;
    started(&workers[W_WAITER]);
    wait_on_cond();
    BARRIER();
    sink++;
    return NULL;
}

/* ---- sleeper: nanosleep ---- */

static NOINLINE void nap(long seconds)
{
    struct timespec ts = {.tv_sec = seconds, .tv_nsec = 0};
    workers[W_SLEEPER].about_to_block = 1;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    BARRIER();
}

static NOINLINE void *sleeper_main(void *arg)
{
    (void)arg;
    started(&workers[W_SLEEPER]);
    nap(100000);
    BARRIER();
    sink++;
    return NULL;
}

/* ---- semwaiter: sem_wait, three frames deep ---- */

static NOINLINE int sem_take(sem_t *s)
{
    workers[W_SEMWAITER].about_to_block = 1;
    int r;
    while ((r = sem_wait(s)) != 0 && errno == EINTR)
        ;
    BARRIER();
    return r;
}

static NOINLINE int drain_queue(sem_t *s)
{
    int taken = 0;
    while (sem_take(s) == 0)
        taken++;
    BARRIER();
    return taken;
}

static NOINLINE void *semwaiter_main(void *arg)
{
    (void)arg;
    started(&workers[W_SEMWAITER]);
    sink += drain_queue(&sem);
    BARRIER();
    return NULL;
}

/* ---- main thread ---- */

static void die(const char *what)
{
    perror(what);
    _exit(1);
}

/* Reads a small /proc file into buf without using stdio (no malloc). */
static int read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return (int)n;
}

static void read_comm(pid_t tid, char *out, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)tid);
    if (read_small(path, out, size) < 0)
        die("read comm");
    out[strcspn(out, "\n")] = 0;
}

/* True once thread tid sleeps in system call nr. */
static int blocked_in(pid_t tid, long nr)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
    if (read_small(path, buf, sizeof buf) < 0)
        return 0;
    if (strncmp(buf, "running", 7) == 0)
        return 0;
    if (strtol(buf, NULL, 10) != nr)
        return 0;
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
    if (read_small(path, buf, sizeof buf) < 0)
        return 0;
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'S';
}

static void wait_until_blocked(void)
{
    for (int tries = 0; tries < 10000; tries++) {
        int all = 1;
        for (int i = 0; i < NWORKERS; i++)
            if (!workers[i].about_to_block || !blocked_in(workers[i].tid, workers[i].expected_syscall))
                all = 0;
        if (all)
            return;
        usleep(1000);
    }
    fprintf(stderr, "c-threads: workers did not block\n");
    _exit(1);
}

/* Leaves the main arena with free chunks of several kinds (tcache, fastbin,
 * unsorted/small bins) and one mmapped chunk, so mallinfo2 is interesting. */
static void shape_heap(void)
{
    int k = 0;
    for (int i = 0; i < 12; i++)
        keep[k++] = malloc(24);          /* 12 x 32-byte chunks */
    for (int i = 0; i < 20; i++)
        keep[k++] = malloc(600);         /* 20 x 608-byte chunks */
    keep[k++] = malloc(200 * 1024);      /* above mmap threshold */
    keep[k++] = malloc(5000);
    for (int i = 0; i < 12; i++) {       /* 7 go to tcache, 5 to a fastbin */
        free(keep[i]);
        keep[i] = NULL;
    }
    for (int i = 12; i < 32; i += 2) {   /* 10 freed: 7 tcache, 3 unsorted */
        free(keep[i]);
        keep[i] = NULL;
    }
}

static char truth[16384];
static size_t truth_len;

static void append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void append(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(truth + truth_len, sizeof truth - truth_len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof truth - truth_len) {
        fprintf(stderr, "c-threads: truth buffer too small\n");
        _exit(1);
    }
    truth_len += (size_t)n;
}

static void write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        die(path);
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("write");
        }
        data += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0)
        die("close");
}

static void write_truth(int kernel)
{
    char names[NWORKERS + 1][32];
    pid_t pid = getpid();
    pid_t main_tid = (pid_t)syscall(SYS_gettid);

    read_comm(main_tid, names[NWORKERS], sizeof names[NWORKERS]);
    for (int i = 0; i < NWORKERS; i++)
        read_comm(workers[i].tid, names[i], sizeof names[i]);

    /* Nothing below may call malloc/free. */
    struct mallinfo2 mi = mallinfo2();

    append("{\n  \"fixture\": \"c-threads\",\n  \"dump\": \"%s\",\n"
           "  \"exe\": \"c-threads\",\n  \"pid\": %d,\n",
           kernel ? "kernel" : "gcore", (int)pid);
    if (kernel)
        append("  \"signal\": {\"number\": %d, \"tid\": %d},\n", SIGABRT, (int)main_tid);
    else
        append("  \"signal\": null,\n");
    append("  \"threads\": [\n");
    append("    {\"tid\": %d, \"name\": \"%s\", \"frames\": [\n"
           "      {\"function\": \"%s\", \"inlined\": false},\n"
           "      {\"function\": \"main\", \"inlined\": false}]}",
           (int)main_tid, names[NWORKERS], kernel ? "crash_now" : "wait_for_dump");
    for (int i = 0; i < NWORKERS; i++) {
        append(",\n    {\"tid\": %d, \"name\": \"%s\", \"frames\": [", (int)workers[i].tid, names[i]);
        for (int f = 0; f < 4 && workers[i].frames[f]; f++)
            append("%s\n      {\"function\": \"%s\", \"inlined\": %s}", f ? "," : "",
                   workers[i].frames[f], workers[i].inlined[f] ? "true" : "false");
        append("]}");
    }
    append("\n  ],\n");
    append("  \"mallinfo2\": {\"arena\": %zu, \"ordblks\": %zu, \"smblks\": %zu, "
           "\"hblks\": %zu, \"hblkhd\": %zu, \"usmblks\": %zu, \"fsmblks\": %zu, "
           "\"uordblks\": %zu, \"fordblks\": %zu, \"keepcost\": %zu}\n}\n",
           mi.arena, mi.ordblks, mi.smblks, mi.hblks, mi.hblkhd, mi.usmblks,
           mi.fsmblks, mi.uordblks, mi.fordblks, mi.keepcost);

    write_file("truth.json", truth, truth_len);
    write_file("ready", "", 0);
}

static NOINLINE void wait_for_dump(void)
{
    for (;;) {
        pause();
        BARRIER();
    }
}

static NOINLINE void crash_now(void)
{
    sink++;
    abort();
}

int main(int argc, char **argv)
{
    int kernel;
    if (argc == 2 && strcmp(argv[1], "gcore") == 0)
        kernel = 0;
    else if (argc == 2 && strcmp(argv[1], "kernel") == 0)
        kernel = 1;
    else {
        fprintf(stderr, "usage: %s gcore|kernel\n", argv[0]);
        return 2;
    }

    if (pipe(pipe_fds) != 0)
        die("pipe");
    if (sem_init(&sem, 0, 0) != 0)
        die("sem_init");
    shape_heap();

    void *(*entry[NWORKERS])(void *) = {
        [W_READER] = reader_main,
        [W_WAITER] = waiter_main,
        [W_SLEEPER] = sleeper_main,
        [W_SEMWAITER] = semwaiter_main,
    };
    for (int i = 0; i < NWORKERS; i++) {
        int err = pthread_create(&workers[i].thread, NULL, entry[i], NULL);
        if (err != 0) {
            errno = err;
            die("pthread_create");
        }
    }

    wait_until_blocked();
    write_truth(kernel);

    if (kernel)
        crash_now();
    else
        wait_for_dump();
    BARRIER();
    return (int)sink;
}
