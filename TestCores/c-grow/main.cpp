// c-grow: core-dump fixture for `coreinspect diff` on a glibc heap: one
// process dumped twice, with more reachable objects and new leaks between.
//
// Usage: MANIFEST_PATH=old.manifest.json READY_PATH=ready NEXT_PATH=next
//        MANIFEST_PATH2=new.manifest.json READY_PATH2=ready2 c-grow
//
// Each stage allocates reachable objects (held by the global `kept`), leaks
// C++ objects and plain blocks (their pointers dropped in frames that die),
// and leaks one linked list (its head a direct leak, the rest indirect). It
// then writes its manifest (every block it allocated: address, usable size,
// type as coreinspect names it, reachable/direct/indirect), says it is ready,
// and waits: the script dumps it. Nothing between the first allocation and
// the dump calls malloc except the program's own allocations: output is
// formatted into a static buffer and written with write(2), and the program
// checks that mallinfo2 did not move while it wrote.
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

struct Shape {
    virtual ~Shape() {}
    virtual double area() const = 0;
};

// 8 (vtable) + 8: usable 24, chunk 32.
struct Square : Shape {
    double side = 2;
    double area() const override { return side * side; }
};

// 8 + 64: usable 72, chunk 80.
struct Polygon : Shape {
    double points[8] = {};
    double area() const override { return points[0]; }
};

// A plain C block of a linked list: 40 B asked, usable 40, chunk 48.
struct Node {
    Node *next;
    long payload[4];
};

enum Kind { reachable, direct, indirect };
static const char *const kindNames[] = {"reachable", "direct", "indirect"};

struct Block {
    unsigned long address;  // disguised (bit-inverted): no conservative scan may see it as a pointer
    size_t usable;
    const char *type;
    Kind kind;
};

static const int maxBlocks = 8192;
static Block blocks[maxBlocks];
static int nBlocks;
// What holds the reachable objects: global, so that the compiler cannot drop
// stores it sees no reader of (a static array written and never read).
Shape *kept[maxBlocks];
int nKept;
void *keptBuffers[maxBlocks];
int nKeptBuffers;
static char manifest[1 << 20];
static char sizeNames[16][32];  // "[N bytes]" by chunk size, formatted once
static int nSizeNames;

struct Stage {
    int squares, polygons;             // reachable Squares, leaked Polygons
    int buffers, leakedBuffers;        // reachable and leaked malloc(200)
    int listNodes;                     // one leaked list of this many Nodes
};
static const Stage stages[2] = {{300, 40, 50, 10, 5}, {700, 110, 120, 35, 9}};

static const char *sizeName(size_t usable) {
    char name[32];
    snprintf(name, sizeof name, "[%zu bytes]", usable + 8);  // glibc's chunk size for a heap chunk
    for (int i = 0; i < nSizeNames; i++)
        if (strcmp(sizeNames[i], name) == 0) return sizeNames[i];
    strcpy(sizeNames[nSizeNames], name);
    return sizeNames[nSizeNames++];
}

static void record(void *p, const char *type, Kind kind) {
    if (nBlocks == maxBlocks) abort();
    size_t usable = malloc_usable_size(p);
    blocks[nBlocks++] = {~(unsigned long)p, usable, type ? type : sizeName(usable), kind};
}

static NOINLINE void keepSquare() {
    Square *s = new Square;
    kept[nKept++] = s;
    record(s, "Square", reachable);
}

static NOINLINE void leakPolygon() {
    Polygon *p = new Polygon;
    p->points[0] = nBlocks;
    record(p, "Polygon", direct);
}

static NOINLINE void keepBuffer() {
    void *b = malloc(200);
    memset(b, 'k', 200);
    keptBuffers[nKeptBuffers++] = b;
    record(b, nullptr, reachable);
}

static NOINLINE void leakBuffer() {
    void *b = malloc(200);
    memset(b, 'l', 200);
    record(b, nullptr, direct);
}

static NOINLINE void leakList(int n) {
    Node *head = nullptr;
    for (int i = 0; i < n; i++) {
        Node *node = (Node *)malloc(sizeof(Node));
        node->next = head;
        node->payload[0] = i;
        head = node;
        // Every node but the head is held only by another leaked node.
        record(node, nullptr, i == n - 1 ? direct : indirect);
    }
}

// A reachable block after each stage's leaks: main_arena.top points at the
// top chunk's header, which lies inside the last chunk's usable bytes, and
// would make a leak bordering top look possibly reachable.
static NOINLINE void keepSeparator() {
    void *b = malloc(56);
    keptBuffers[nKeptBuffers++] = b;
    record(b, nullptr, reachable);
}

// Overwrites the dead frames below main's, where a leaked pointer may linger.
static NOINLINE void scrubStack() {
    volatile char area[32768];
    memset((char *)area, 0, sizeof area);
}

static void grow(const Stage &from, const Stage &to) {
    for (int i = from.squares; i < to.squares; i++) keepSquare();
    for (int i = from.polygons; i < to.polygons; i++) leakPolygon();
    for (int i = from.buffers; i < to.buffers; i++) keepBuffer();
    for (int i = from.leakedBuffers; i < to.leakedBuffers; i++) leakBuffer();
    leakList(to.listNodes);
    keepSeparator();
    scrubStack();
}

static const char *env(const char *name) {
    const char *value = getenv(name);
    if (!value) {
        static const char message[] = "c-grow: MANIFEST_PATH, READY_PATH, NEXT_PATH and their *2 are required\n";
        write(2, message, sizeof message - 1);
        _exit(64);
    }
    return value;
}

static void writeFile(const char *path, const char *data, size_t size) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) _exit(2);
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n <= 0) _exit(2);
        data += n;
        size -= (size_t)n;
    }
    close(fd);
}

static void measure(int index, const char *manifestPath, const char *readyPath) {
    struct mallinfo2 before = mallinfo2();
    size_t used = 0;
    auto add = [&](const char *text) {
        size_t n = strlen(text);
        if (used + n >= sizeof manifest) _exit(5);
        memcpy(manifest + used, text, n);
        used += n;
    };
    char line[256];
    snprintf(line, sizeof line, "{\n  \"fixture\": \"c-grow\",\n  \"dump\": \"%s\",\n  \"exe\": \"c-grow\",\n  \"pid\": %d,\n",
             index == 0 ? "old" : "new", (int)getpid());
    add(line);
    snprintf(line, sizeof line, "  \"mallinfo2\": {\"uordblks\": %zu, \"hblkhd\": %zu},\n  \"blocks\": [", before.uordblks, before.hblkhd);
    add(line);
    for (int i = 0; i < nBlocks; i++) {
        const Block &b = blocks[i];
        snprintf(line, sizeof line, "%s\n    {\"address\": \"0x%lx\", \"usable\": %zu, \"type\": \"%s\", \"kind\": \"%s\"}",
                 i ? "," : "", ~b.address, b.usable, b.type, kindNames[b.kind]);
        add(line);
    }
    add("\n  ]\n}\n");
    struct mallinfo2 after = mallinfo2();
    if (after.uordblks != before.uordblks || after.hblkhd != before.hblkhd) _exit(3);  // something called malloc
    writeFile(manifestPath, manifest, used);
    writeFile(readyPath, "", 0);
}

int main() {
    const char *manifestPaths[2] = {env("MANIFEST_PATH"), env("MANIFEST_PATH2")};
    const char *readyPaths[2] = {env("READY_PATH"), env("READY_PATH2")};
    const char *nextPath = env("NEXT_PATH");
    const Stage none = {};
    grow(none, stages[0]);
    measure(0, manifestPaths[0], readyPaths[0]);
    struct timespec poll = {0, 20 * 1000 * 1000};
    while (access(nextPath, F_OK) != 0) nanosleep(&poll, nullptr);
    grow(stages[0], stages[1]);
    measure(1, manifestPaths[1], readyPaths[1]);
    for (;;) pause();
}
