// cxx-threads: core-dump fixture for coreinspect (C++ symbol demangling).
//
// Usage: cxx-threads
//
// Starts three named std::threads, each blocked inside a function whose
// demangled name exercises a different C++ feature:
//
//   pool     fixture::Pool<int>::wait_for_work(int)           template method
//   timer    fixture::detail::Timer::sleep_until_cancelled()   nested namespace,
//                                                              class method
//   lambda   fixture::start_lambda_thread()::{lambda()#1}::operator()() const
//            -> fixture::block_on_pipe(int)                    lambda
//
// Function names in truth.json are the demangled names exactly as
// `eu-stack -i -s` prints them. All of them are noinline+noipa: a clone
// such as "[clone .constprop.0]" would change the printed names.
//
// When all of them sleep in their system call, the main thread writes
// truth.json and "ready" into the current directory and blocks in
// fixture::wait_for_dump() until it is dumped with gcore and killed.
#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <malloc.h>
#include <mutex>
#include <pthread.h>
#include <string>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <fcntl.h>
#include <vector>

// noipa: no inlining, no cloning (".constprop.0" names) and no IPA-derived
// noreturn, which would move the call into a "main.cold" part of the caller.
#define NOINLINE __attribute__((noinline, noipa))
#define BARRIER() __asm__ volatile("" ::: "memory")

namespace fixture {

volatile long sink;

struct ThreadInfo {
    std::atomic<pid_t> tid{0};
    std::atomic<bool> about_to_block{false};
    long expected_syscall;
    std::vector<const char *> frames;   // own functions, innermost first
};

ThreadInfo pool_info{.expected_syscall = SYS_futex,
                     .frames = {"fixture::Pool<int>::wait_for_work(int)",
                                "fixture::pool_thread_main()"}};
ThreadInfo timer_info{.expected_syscall = SYS_clock_nanosleep,
                      .frames = {"fixture::detail::Timer::sleep_until_cancelled()",
                                 "fixture::detail::Timer::run()"}};
ThreadInfo lambda_info{.expected_syscall = SYS_read,
                       .frames = {"fixture::block_on_pipe(int)",
                                  "fixture::start_lambda_thread()::{lambda()#1}::operator()() const"}};

static void started(ThreadInfo &info, const char *name)
{
    pthread_setname_np(pthread_self(), name);
    info.tid = static_cast<pid_t>(syscall(SYS_gettid));
}

template <typename T>
class Pool {
public:
    NOINLINE T wait_for_work(int slot);
    void push(T value)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        items_.push_back(value);
        cv_.notify_one();
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<T> items_;
};

template <typename T>
T Pool<T>::wait_for_work(int slot)
{
    std::unique_lock<std::mutex> lock(mutex_);
    pool_info.about_to_block = true;
    while (items_.size() <= static_cast<size_t>(slot))
        cv_.wait(lock);
    T value = items_[slot];
    BARRIER();
    return value;
}

template class Pool<int>;

Pool<int> pool;

NOINLINE void pool_thread_main()
{
    started(pool_info, "pool");
    sink += pool.wait_for_work(0);
    BARRIER();
}

namespace detail {

class Timer {
public:
    explicit Timer(long seconds) : seconds_(seconds) {}
    NOINLINE void run();

private:
    NOINLINE void sleep_until_cancelled();
    long seconds_;
    volatile bool cancelled_ = false;
};

void Timer::sleep_until_cancelled()
{
    timer_info.about_to_block = true;
    while (!cancelled_) {
        struct timespec ts = {seconds_, 0};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        BARRIER();
    }
}

void Timer::run()
{
    started(timer_info, "timer");
    sleep_until_cancelled();
    BARRIER();
    sink++;
}

} // namespace detail

int lambda_pipe[2];

NOINLINE int block_on_pipe(int fd)
{
    char c = 0;
    lambda_info.about_to_block = true;
    ssize_t n;
    while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
        ;
    BARRIER();
    return n > 0 ? c : -1;
}

NOINLINE std::thread start_lambda_thread()
{
    return std::thread([]() __attribute__((noinline, noipa)) {
        started(lambda_info, "lambda");
        sink += block_on_pipe(lambda_pipe[0]);
        BARRIER();
    });
}

NOINLINE void wait_for_dump()
{
    for (;;) {
        pause();
        BARRIER();
    }
}

static void die(const char *what)
{
    perror(what);
    _exit(1);
}

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
    return static_cast<int>(n);
}

static bool blocked_in(pid_t tid, long nr)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", static_cast<int>(tid));
    if (read_small(path, buf, sizeof buf) < 0 || strncmp(buf, "running", 7) == 0)
        return false;
    if (strtol(buf, nullptr, 10) != nr)
        return false;
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", static_cast<int>(tid));
    if (read_small(path, buf, sizeof buf) < 0)
        return false;
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] == 'S';
}

static void read_comm(pid_t tid, char *out, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", static_cast<int>(tid));
    if (read_small(path, out, size) < 0)
        die("read comm");
    out[strcspn(out, "\n")] = 0;
}

static char truth[16384];
static size_t truth_len;

__attribute__((format(printf, 1, 2))) static void append(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(truth + truth_len, sizeof truth - truth_len, fmt, ap);
    va_end(ap);
    if (n < 0 || static_cast<size_t>(n) >= sizeof truth - truth_len) {
        fprintf(stderr, "cxx-threads: truth buffer too small\n");
        _exit(1);
    }
    truth_len += static_cast<size_t>(n);
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
        len -= static_cast<size_t>(n);
    }
    if (close(fd) != 0)
        die("close");
}

static void write_truth()
{
    ThreadInfo *infos[] = {&pool_info, &timer_info, &lambda_info};
    constexpr int n = sizeof infos / sizeof infos[0];
    char names[n + 1][32];
    pid_t main_tid = static_cast<pid_t>(syscall(SYS_gettid));
    read_comm(main_tid, names[n], sizeof names[n]);
    for (int i = 0; i < n; i++)
        read_comm(infos[i]->tid, names[i], sizeof names[i]);

    // Nothing below may call malloc/free.
    struct mallinfo2 mi = mallinfo2();

    append("{\n  \"fixture\": \"cxx-threads\",\n  \"dump\": \"gcore\",\n"
           "  \"exe\": \"cxx-threads\",\n  \"pid\": %d,\n  \"signal\": null,\n"
           "  \"threads\": [\n",
           static_cast<int>(getpid()));
    append("    {\"tid\": %d, \"name\": \"%s\", \"frames\": [\n"
           "      {\"function\": \"fixture::wait_for_dump()\", \"inlined\": false},\n"
           "      {\"function\": \"main\", \"inlined\": false}]}",
           static_cast<int>(main_tid), names[n]);
    for (int i = 0; i < n; i++) {
        append(",\n    {\"tid\": %d, \"name\": \"%s\", \"frames\": [",
               static_cast<int>(infos[i]->tid.load()), names[i]);
        for (size_t f = 0; f < infos[i]->frames.size(); f++)
            append("%s\n      {\"function\": \"%s\", \"inlined\": false}", f ? "," : "",
                   infos[i]->frames[f]);
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

static void wait_until_blocked()
{
    ThreadInfo *infos[] = {&pool_info, &timer_info, &lambda_info};
    for (int tries = 0; tries < 10000; tries++) {
        bool all = true;
        for (ThreadInfo *info : infos)
            if (!info->about_to_block || !blocked_in(info->tid, info->expected_syscall))
                all = false;
        if (all)
            return;
        usleep(1000);
    }
    fprintf(stderr, "cxx-threads: threads did not block\n");
    _exit(1);
}

} // namespace fixture

int main()
{
    if (pipe(fixture::lambda_pipe) != 0)
        fixture::die("pipe");
    fixture::detail::Timer timer(100000);
    std::thread t1(fixture::pool_thread_main);
    std::thread t2(&fixture::detail::Timer::run, &timer);
    std::thread t3 = fixture::start_lambda_thread();

    fixture::wait_until_blocked();
    fixture::write_truth();
    fixture::wait_for_dump();

    t1.join();
    t2.join();
    t3.join();
    return static_cast<int>(fixture::sink);
}
