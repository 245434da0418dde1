/* The allocation registry and the truth.json writer of the c-heap fixture.
 *
 * The registry must not keep leaks alive: an analyzer scans the program's
 * writable data for pointers, so a registry holding plain addresses would make
 * every "leak" reachable. Records therefore hold each address XORed with
 * HIDE, which turns it into a non-canonical value no scanner takes for a
 * pointer. The registry and the manifest buffer come from mmap, never malloc,
 * so writing the truth leaves the heap exactly as mallinfo2 saw it. */
#define _GNU_SOURCE
#include "record.h"

#include <fcntl.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HIDE 0xa5a5000000000000ull
#define HEAP_MAX_SIZE (64ull << 20) /* non-main heaps are aligned to this (x86-64, no hugetlb) */
#define IS_MMAPPED 2ull
#define NON_MAIN_ARENA 4ull
#define TCACHE_SMALL_BINS 64
#define MAX_FAST_CHUNK 0x80ull   /* default global_max_fast on x86-64 */
#define MIN_LARGE_CHUNK 0x400ull /* smaller chunks belong to small bins */

struct record {
    uint64_t hidden;        /* the address ^ HIDE */
    uint64_t arena;         /* malloc_state of a non-main heap; 0 main, 1 mmapped */
    uint32_t size, usable;
    uint32_t leader;        /* record index + 1 of an indirect leak's leader */
    uint16_t cycle;
    uint8_t cls, place, thread, freer;
    const char *root, *type, *mangled;
};

struct thread_info { int tid; const char *name; uint64_t arena, dtls_root; };
struct libc_block { uint64_t hidden; const char *what; };

static struct record *records;
static size_t record_count, record_capacity;
static uint64_t class_count[5], class_bytes[5];
static struct thread_info threads[MAX_THREADS];
static unsigned thread_count;
static struct libc_block libc_blocks[4];
static unsigned libc_block_count;
static uint16_t tcache_used[MAX_THREADS][TCACHE_SMALL_BINS];
static unsigned glibc_minor, tcache_fill;
static bool has_fastbins, small_frees_skip_unsorted;
static char *out;
static size_t out_len, out_cap;

static void *map(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) abort();
    return p;
}

void rec_init(size_t capacity, unsigned minor) {
    glibc_minor = minor;
    has_fastbins = minor < 43;               /* 2.43 removed the fastbins */
    tcache_fill = minor >= 43 ? 16 : 7;      /* TCACHE_FILL_COUNT */
    small_frees_skip_unsorted = minor >= 41; /* 2.41: freed small chunks go straight to their small bin */
    record_capacity = capacity;
    if (capacity) records = map(capacity * sizeof *records);
    out_cap = 16384 + capacity * 400;
    out = map(out_cap);
}

static uint64_t chunk_size_field(const void *p) { return ((const uint64_t *)p)[-1]; }

size_t rec_add(void *p, size_t size, unsigned thread, const char *root) {
    if (!p) abort();
    size_t usable = malloc_usable_size(p);
    class_count[CLASS_REACHABLE]++;
    class_bytes[CLASS_REACHABLE] += size;
    if (record_count == record_capacity) abort();
    struct record *r = &records[record_count];
    uint64_t field = chunk_size_field(p), arena = 0;
    if (field & IS_MMAPPED)
        arena = 1;
    else if (field & NON_MAIN_ARENA) /* heap_info.ar_ptr is the heap's first word */
        arena = *(const uint64_t *)((uintptr_t)p & ~(HEAP_MAX_SIZE - 1));
    *r = (struct record){.hidden = (uint64_t)(uintptr_t)p ^ HIDE, .arena = arena, .size = (uint32_t)size,
                         .usable = (uint32_t)usable, .cls = CLASS_REACHABLE, .thread = (uint8_t)thread, .root = root};
    if (threads[thread].arena == 0 && arena > 1) threads[thread].arena = arena;
    return record_count++;
}

unsigned rec_tcache_fill(void) { return tcache_fill; }

void *rec_pointer(size_t index) { return (void *)(uintptr_t)(records[index].hidden ^ HIDE); }

void rec_tally(enum heap_class cls, uint64_t count, uint64_t bytes) {
    class_count[cls] += count;
    class_bytes[cls] += bytes;
}

void rec_set_type(size_t index, const char *name, const char *mangled) {
    records[index].type = name;
    records[index].mangled = mangled;
}

void rec_set_class(size_t index, enum heap_class cls) {
    struct record *r = &records[index];
    class_count[r->cls]--, class_bytes[r->cls] -= r->size;
    class_count[cls]++, class_bytes[cls] += r->size;
    r->cls = (uint8_t)cls;
}

void rec_set_indirect(size_t index, size_t leader, unsigned cycle) {
    rec_set_class(index, CLASS_INDIRECT);
    records[index].leader = (uint32_t)leader + 1;
    records[index].cycle = (uint16_t)cycle;
}

void rec_free(size_t index, unsigned freer, bool merges_into_top) {
    struct record *r = &records[index];
    uint64_t chunk = r->usable + 8ull; /* an in-use chunk's usable size is its size minus the size field */
    unsigned bin = (unsigned)((chunk - 0x20) / 0x10);
    enum free_place place;
    if (bin < TCACHE_SMALL_BINS && tcache_used[freer][bin] < tcache_fill) {
        tcache_used[freer][bin]++;
        place = PLACE_TCACHE;
    } else if (has_fastbins && chunk <= MAX_FAST_CHUNK) {
        place = PLACE_FASTBIN;
    } else if (merges_into_top) {
        place = PLACE_TOP;
    } else if (chunk < MIN_LARGE_CHUNK && small_frees_skip_unsorted) {
        place = PLACE_SMALLBIN;
    } else {
        place = PLACE_UNSORTED;
    }
    rec_set_class(index, CLASS_FREED);
    r->freer = (uint8_t)freer;
    r->place = (uint8_t)place;
    free(rec_pointer(index));
}

void rec_sorted_unsorted(unsigned thread) {
    for (size_t i = 0; i < record_count; i++) {
        struct record *r = &records[i];
        if (r->thread == thread && r->place == PLACE_UNSORTED)
            r->place = r->usable + 8ull < MIN_LARGE_CHUNK ? PLACE_SMALLBIN : PLACE_LARGEBIN;
    }
}

void rec_thread(unsigned thread, int tid, const char *name) {
    threads[thread].tid = tid;
    threads[thread].name = name;
    if (thread + 1 > thread_count) thread_count = thread + 1;
}

void rec_thread_dtls(unsigned thread, void *variable) {
    threads[thread].dtls_root = (uint64_t)(uintptr_t)variable;
}

void rec_libc_block(void *p, const char *what) {
    if (libc_block_count == sizeof libc_blocks / sizeof libc_blocks[0]) abort();
    libc_blocks[libc_block_count++] = (struct libc_block){(uint64_t)(uintptr_t)p ^ HIDE, what};
}

/* ------------------------------------------------------------ JSON output */
/* Formatting by hand into the mmapped buffer: stdio's printf may allocate. */

static void put(const char *s) {
    size_t n = strlen(s);
    if (out_len + n > out_cap) abort();
    memcpy(out + out_len, s, n);
    out_len += n;
}

static void put_u64(uint64_t v) {
    char digits[24];
    int i = sizeof digits;
    digits[--i] = 0;
    do digits[--i] = (char)('0' + v % 10); while (v /= 10);
    put(digits + i);
}

static void put_hex(uint64_t v) {
    char digits[24];
    int i = sizeof digits;
    digits[--i] = 0;
    digits[--i] = '"';
    do digits[--i] = "0123456789abcdef"[v & 15]; while (v >>= 4);
    digits[--i] = 'x', digits[--i] = '0', digits[--i] = '"';
    put(digits + i);
}

/* Strings here are literals or paths from the environment: escape quotes and backslashes. */
static void put_string(const char *s) {
    char one[3] = {0};
    put("\"");
    for (; s && *s; s++) {
        one[0] = *s, one[1] = 0;
        if (*s == '"' || *s == '\\') one[0] = '\\', one[1] = *s;
        put(one);
    }
    put("\"");
}

static void put_key(const char *key) { put("\""), put(key), put("\": "); }

static void put_env(const char *key, const char *variable) {
    put(", "), put_key(key), put_string(getenv(variable) ? getenv(variable) : "");
}

static void put_arena(uint64_t arena) {
    if (arena == 0) put("\"main\"");
    else if (arena == 1) put("\"mmap\"");
    else put_hex(arena);
}

static const char *const class_names[] = {"reachable", "direct", "indirect", "possible", "freed"};
static const char *const place_names[] = {"", "tcache", "fastbin", "unsorted", "smallbin", "largebin", "top"};

static void put_record(const struct record *r) {
    put("    {"), put_key("address"), put_hex(r->hidden ^ HIDE);
    put(", "), put_key("size"), put_u64(r->size);
    put(", "), put_key("usable"), put_u64(r->usable);
    put(", "), put_key("class"), put_string(class_names[r->cls]);
    put(", "), put_key("thread"), put_string(threads[r->thread].name);
    put(", "), put_key("arena"), put_arena(r->arena);
    if (r->cls == CLASS_FREED) {
        put(", "), put_key("free"), put_string(place_names[r->place]);
        put(", "), put_key("freed_by"), put_string(threads[r->freer].name);
    }
    if (r->leader) put(", "), put_key("leader"), put_hex(records[r->leader - 1].hidden ^ HIDE);
    if (r->cycle) put(", "), put_key("cycle"), put_u64(r->cycle);
    if (r->type) put(", "), put_key("type"), put_string(r->type), put(", "), put_key("typeinfo_name"), put_string(r->mangled);
    if (r->root) put(", "), put_key("root"), put_string(r->root);
    put("}");
}

static void put_mallinfo(const struct mallinfo2 *m) {
    put("  "), put_key("mallinfo2"), put("{");
    const char *names[] = {"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"};
    size_t values[] = {m->arena, m->ordblks, m->smblks, m->hblks, m->hblkhd, m->usmblks, m->fsmblks, m->uordblks, m->fordblks, m->keepcost};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        if (i) put(", ");
        put_key(names[i]), put_u64(values[i]);
    }
    put("},\n");
}

void rec_write_truth(const char *mode) {
    struct mallinfo2 info = mallinfo2(); /* after the program's last malloc and free */
    put("{\n  "), put_key("program"), put_string("c-heap");
    put(", "), put_key("mode"), put_string(mode);
    put(", "), put_key("glibc"), put_string(gnu_get_libc_version());
    put(", "), put_key("pid"), put_u64((uint64_t)getpid());
    put(",\n  "), put_key("tcache_fill_count"), put_u64(tcache_fill);
    put(", "), put_key("fastbins"), put(has_fastbins ? "true" : "false");
    put(", "), put_key("small_frees_skip_unsorted"), put(small_frees_skip_unsorted ? "true" : "false");
    put(",\n  "), put_key("glibc_files"), put("{");
    put_key("debian_version"), put_string(getenv("C_HEAP_GLIBC_DEBVER") ? getenv("C_HEAP_GLIBC_DEBVER") : "");
    put_env("loader", "C_HEAP_GLIBC_LOADER");
    put_env("libdir", "C_HEAP_GLIBC_LIBDIR");
    put_env("debugdir", "C_HEAP_GLIBC_DEBUGDIR");
    put("},\n  "), put_key("threads"), put("[\n");
    for (unsigned t = 0; t < thread_count; t++) {
        put(t ? ",\n    {" : "    {"), put_key("tid"), put_u64((uint64_t)threads[t].tid);
        put(", "), put_key("name"), put_string(threads[t].name);
        put(", "), put_key("arena"), put_arena(threads[t].arena);
        if (threads[t].dtls_root) put(", "), put_key("dtls_root"), put_hex(threads[t].dtls_root);
        put("}");
    }
    put("\n  ],\n  "), put_key("libc_blocks"), put("[");
    for (unsigned i = 0; i < libc_block_count; i++) {
        put(i ? ", {" : "{"), put_key("address"), put_hex(libc_blocks[i].hidden ^ HIDE);
        put(", "), put_key("what"), put_string(libc_blocks[i].what), put("}");
    }
    put("],\n  "), put_key("totals"), put("{");
    for (int c = 0; c < 5; c++) {
        put(c ? ", " : ""), put_key(class_names[c]), put("{"), put_key("count"), put_u64(class_count[c]);
        put(", "), put_key("bytes"), put_u64(class_bytes[c]), put("}");
    }
    put("},\n");
    put_mallinfo(&info);
    put("  "), put_key("allocations"), put("[\n");
    for (size_t i = 0; i < record_count; i++) {
        if (i) put(",\n");
        put_record(&records[i]);
    }
    put("\n  ]\n}\n");

    int fd = open("truth.json.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) abort();
    for (size_t done = 0; done < out_len;) {
        ssize_t n = write(fd, out + done, out_len - done);
        if (n <= 0) abort();
        done += (size_t)n;
    }
    close(fd);
    rename("truth.json.tmp", "truth.json");
}
