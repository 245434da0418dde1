/* The benchmark heap of c-heap ("./c-heap big"): about a million blocks per
 * thread in lists of 1000 nodes, one list in 20 leaked (its head direct, the
 * rest indirect), and one scratch block in 20 freed again in batches. Only
 * per-class totals and mallinfo2 go into truth.json: a per-block manifest of
 * three million entries would be bigger than useful. */
#include "record.h"
#include "scenario.h"

#include <stdint.h>
#include <stdlib.h>

enum { LISTS = 1000, NODES = 1000, LEAK_EVERY = 20, SCRATCH_EVERY = 20, SCRATCH_BATCH = 64 };

struct big_node { struct big_node *next; };

static uint64_t next_random(uint64_t *state) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

static __attribute__((noinline)) void free_scratch(void **pending, int count) {
    for (int i = 0; i < count; i++) {
        free(pending[i]);
        pending[i] = NULL;
    }
}

void big_build(unsigned t, struct scenario_roots *held) {
    uint64_t state = 0x9e3779b97f4a7c15ull * (t + 1);
    struct big_node **directory = calloc(LISTS, sizeof *directory);
    rec_tally(CLASS_REACHABLE, 1, LISTS * sizeof *directory);
    held->list = directory;
    void *pending[SCRATCH_BATCH];
    int pending_count = 0;
    uint64_t freed = 0, freed_bytes = 0;
    for (int l = 0; l < LISTS; l++) {
        struct big_node *head = NULL;
        uint64_t bytes = 0, head_size = 0;
        for (int i = 0; i < NODES; i++) {
            size_t size = 16 + next_random(&state) % 600;
            struct big_node *n = malloc(size);
            n->next = head;
            head = n;
            bytes += size, head_size = size;
            if (i % SCRATCH_EVERY == 0) {
                size_t scratch = 16 + next_random(&state) % 300;
                pending[pending_count++] = malloc(scratch);
                freed++, freed_bytes += scratch;
                if (pending_count == SCRATCH_BATCH) free_scratch(pending, pending_count), pending_count = 0;
            }
        }
        if (l % LEAK_EVERY == LEAK_EVERY - 1) {
            rec_tally(CLASS_DIRECT, 1, head_size);
            rec_tally(CLASS_INDIRECT, NODES - 1, bytes - head_size);
        } else {
            directory[l] = head;
            rec_tally(CLASS_REACHABLE, NODES, bytes);
        }
    }
    free_scratch(pending, pending_count);
    rec_tally(CLASS_FREED, freed, freed_bytes);
}
