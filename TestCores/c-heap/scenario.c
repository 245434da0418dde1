/* The small c-heap scenario: what each thread allocates, leaks and frees.
 *
 * Layout rules that keep the truth honest (Tools/c-heap-fixture/check_core.py verifies them):
 * - every freed chunk is allocated right after a reachable separator, and a
 *   reachable separator follows it, so it never coalesces with a neighbour and
 *   the bin pointers to its header (which lies in the previous block's last
 *   word) land in a reachable block, never in a leak;
 * - leaks are made in functions whose frames die, and are recorded only
 *   disguised (record.c), so no root holds a copy;
 * - a thread's frees come after all its mallocs of those sizes, so the tcache
 *   never hands a freed chunk back; fastbin frees come last, after the large
 *   malloc that would consolidate them. */
#define _GNU_SOURCE
#include "scenario.h"
#include "heap.h"
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    uint64_t payload[5];
};

struct tree {
    struct tree *left, *right;
    uint64_t key;
    char label[16];
};

struct scenario_roots main_roots;
/* Pointers 64 bytes into each thread's "possible" block: its only reference. */
char *interior_pointers[MAX_THREADS];
/* Record indices (not pointers) of w1's blocks that main frees into its own tcache. */
static size_t handoff[2];

#define NOINLINE __attribute__((noinline))

static void *tracked(size_t size, unsigned t, const char *root, size_t *index) {
    void *p = malloc(size);
    *index = rec_add(p, size, t, root);
    return p;
}

static NOINLINE void push_nodes(unsigned t, void **head, int count, const char *root) {
    size_t index;
    for (int i = 0; i < count; i++) {
        struct node *n = tracked(sizeof *n, t, root, &index);
        memset(n, 0, sizeof *n);
        n->payload[0] = (uint64_t)i;
        n->next = *head;
        *head = n;
    }
}

static NOINLINE void build_list(unsigned t, struct scenario_roots *held, const char *root) {
    push_nodes(t, &held->list, 10, root);
    /* calloc'd nodes: 2.41+ may serve calloc from the tcache, here it is empty. */
    for (int i = 0; i < 3; i++) {
        struct node *n = calloc(1, sizeof *n + 8);
        rec_add(n, sizeof *n + 8, t, root);
        n->next = held->list;
        held->list = n;
    }
}

static NOINLINE struct tree *build_tree(unsigned t, int depth, uint64_t key, const char *root) {
    if (depth == 0) return NULL;
    size_t index;
    struct tree *node = tracked(sizeof *node, t, root, &index);
    node->key = key;
    memcpy(node->label, "tree-node", 10);
    node->left = build_tree(t, depth - 1, key * 2, root);
    node->right = build_tree(t, depth - 1, key * 2 + 1, root);
    return node;
}

static size_t make_object(unsigned t, enum cxx_kind kind, void *next, const char *root) {
    struct cxx_object o = cxx_make(kind, next);
    size_t index = rec_add(o.ptr, o.size, t, root);
    rec_set_type(index, o.name, o.mangled);
    return index;
}

static NOINLINE void build_objects(unsigned t, struct scenario_roots *held, const char *root) {
    for (int kind = 0; kind < CXX_KIND_COUNT; kind++)
        held->shapes = rec_pointer(make_object(t, (enum cxx_kind)kind, held->shapes, root));
}

static NOINLINE void leak_buffers(unsigned t) {
    static const size_t sizes[] = {100, 700, 3000};
    size_t index;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *p = tracked(sizes[i], t, NULL, &index);
        memset(p, 'a' + (int)i, sizes[i]);
        memcpy(p, "leaked buffer", 13);
        rec_set_class(index, CLASS_DIRECT);
    }
    size_t object = make_object(t, CXX_CIRCLE, NULL, NULL);
    rec_set_class(object, CLASS_DIRECT);
}

/* A leaked leader that holds three blocks, one of which holds a fourth. */
static NOINLINE void leak_cluster(unsigned t) {
    size_t leader, child[4];
    void **top = tracked(64, t, NULL, &leader);
    memset(top, 0, 64);
    void **first = tracked(200, t, NULL, &child[0]);
    memset(first, 0, 200);
    child[1] = make_object(t, CXX_SQUARE, NULL, NULL);
    top[0] = first;
    top[1] = rec_pointer(child[1]);
    top[2] = tracked(32, t, NULL, &child[2]);
    memset(top[2], 'c', 32);
    first[3] = tracked(500, t, NULL, &child[3]);
    memset(first[3], 0, 500);
    rec_set_class(leader, CLASS_DIRECT);
    for (int i = 0; i < 4; i++) rec_set_indirect(child[i], leader, 0);
}

/* Three blocks that point at each other in a ring, with nothing else pointing in. */
static NOINLINE void leak_cycle(unsigned t) {
    size_t ring[3];
    void **blocks[3];
    for (int i = 0; i < 3; i++) {
        blocks[i] = tracked(80, t, NULL, &ring[i]);
        memset(blocks[i], 0, 80);
    }
    for (int i = 0; i < 3; i++) {
        blocks[i][1] = blocks[(i + 1) % 3];
        rec_set_indirect(ring[i], ring[0], t + 1);
    }
}

static NOINLINE void leak_behind_interior_pointer(unsigned t) {
    size_t index;
    char *p = tracked(256, t, NULL, &index);
    memset(p, 'p', 256);
    interior_pointers[t] = p + 64;
    rec_set_class(index, CLASS_POSSIBLE);
}

static NOINLINE void map_chunks(unsigned t, struct scenario_roots *held, const char *root) {
    size_t index;
    held->mapped = tracked(300000 + 4096 * t, t, root, &index);
    memset(held->mapped, 'm', 64);
    char *lost = tracked(200000, t, NULL, &index);
    memset(lost, 'l', 64);
    rec_set_class(index, CLASS_DIRECT);
}

/* Allocates `count` blocks of `size`, each right after a reachable separator. */
static NOINLINE void allocate_victims(unsigned t, struct scenario_roots *held, size_t size, int count,
                                      size_t *victims) {
    size_t index;
    for (int i = 0; i < count; i++) {
        struct node *separator = tracked(56, t, "separators", &index);
        separator->next = held->separators;
        held->separators = separator;
        tracked(size, t, NULL, &victims[i]);
    }
    struct node *separator = tracked(56, t, "separators", &index);
    separator->next = held->separators;
    held->separators = separator;
}

static void free_all(unsigned t, const size_t *victims, int count) {
    for (int i = 0; i < count; i++) rec_free(victims[i], t, false);
}

enum { MAX_VICTIMS = 24 };

/* Frees into every structure glibc has: full tcache bins, then fastbins (2.36,
 * 2.41) or small bins (2.43), chunks sorted from the unsorted bin into small and
 * large bins, chunks left in the unsorted bin, and one merged into top. */
static NOINLINE void free_into_every_bin(unsigned t, struct scenario_roots *held, unsigned fill) {
    size_t tiny[3], fast[MAX_VICTIMS], small_sorted[MAX_VICTIMS], small_late[MAX_VICTIMS];
    size_t large_sorted[2], large_late[2], index;
    int fast_n = (int)fill + 3, small_n = (int)fill + 2;
    allocate_victims(t, held, 24, 3, tiny);
    allocate_victims(t, held, 40, fast_n, fast);
    allocate_victims(t, held, 500 + 16 * t, small_n, small_sorted);
    allocate_victims(t, held, 700 + 16 * t, small_n, small_late);
    allocate_victims(t, held, 2000, 1, &large_sorted[0]);
    allocate_victims(t, held, 3000, 1, &large_sorted[1]);
    allocate_victims(t, held, 1500, 1, &large_late[0]);
    allocate_victims(t, held, 4000, 1, &large_late[1]);
    if (t == 1) {
        for (int i = 0; i < 2; i++) tracked(24, t, NULL, &handoff[i]);
        struct node *separator = tracked(56, t, "separators", &index);
        separator->next = held->separators;
        held->separators = separator;
    }

    free_all(t, small_sorted, small_n);
    free_all(t, large_sorted, 2);
    /* Larger than every free chunk: the unsorted bin is sorted, the block comes from top. */
    struct node *sorter = tracked(8000, t, "separators", &index);
    sorter->next = held->separators;
    held->separators = sorter;
    rec_sorted_unsorted(t);
    /* Borders top, so free() merges it into top. */
    tracked(5000, t, NULL, &index);
    rec_free(index, t, true);

    free_all(t, small_late, small_n);
    free_all(t, large_late, 2);
    free_all(t, tiny, 3);
    free_all(t, fast, fast_n);
    if (t == 0) /* main frees w1's blocks: they land in main's tcache, not w1's arena */
        for (int i = 0; i < 2; i++) rec_free(handoff[i], t, false);
}

void scenario_build(unsigned t, struct scenario_roots *held, struct scenario_roots *stack, void **dtls_slot,
                    bool frees) {
    const char *list_root = t == 0 ? "global main_roots.list" : "tls tls_roots.list";
    const char *shape_root = t == 0 ? "global main_roots.shapes" : "tls tls_roots.shapes";
    const char *map_root = t == 0 ? "global main_roots.mapped" : "tls tls_roots.mapped";
    build_list(t, held, list_root);
    if (dtls_slot) push_nodes(t, dtls_slot, 3, "dynamic-tls dtls_root");
    stack->tree = build_tree(t, 4, 1, "stack tree");
    build_objects(t, held, shape_root);
    leak_buffers(t);
    leak_cluster(t);
    leak_cycle(t);
    leak_behind_interior_pointer(t);
    map_chunks(t, held, map_root);
    if (frees) {
        free_into_every_bin(t, held, rec_tcache_fill());
    } else {
        size_t index;
        tracked(56, t, "separators", &index); /* keeps the leaks away from top */
        held->separators = rec_pointer(index);
    }
}

void scrub_stack_and_registers(void) {
    volatile char dead[64 * 1024];
    for (size_t i = 0; i < sizeof dead; i++) dead[i] = 0;
    __asm__ volatile("xor %%eax, %%eax\n\txor %%ecx, %%ecx\n\txor %%edx, %%edx\n\txor %%esi, %%esi\n\t"
                     "xor %%edi, %%edi\n\txor %%r8d, %%r8d\n\txor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\t"
                     "xor %%r11d, %%r11d" ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
                     "memory");
}
