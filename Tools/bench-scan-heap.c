/*
 * bench-scan-heap: the process `Tools/bench scan` dumps to get a core with a
 * big heap of words to scan. Built and run only by Tools/bench-scan, in a
 * temporary directory.
 *
 * Usage: bench-scan-heap READY_FILE RANGES_FILE HEAP_MIB RANGES
 *
 * 1. Allocates HEAP_MIB MiB of heap in 16 MiB blocks (each its own mmap).
 * 2. Picks RANGES target ranges of 256 KiB, one in each of the first blocks
 *    taken in a stride, and writes them to RANGES_FILE as "START END" in hex,
 *    one per line. These are the ranges the scanners test words against.
 * 3. Fills every word of the heap: one in 8 points into a target range, one
 *    in 8 points near the start of a heap block (inside the ranges' span, so
 *    it costs a full range test), the rest are small integers or random bits.
 * 4. Counts, word by word against every range, the words that point into a
 *    target, prints the count (the bench's oracle), creates
 *    READY_FILE and waits in pause() until killed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BLOCK_BYTES (16u << 20)
#define TARGET_BYTES (256u << 10)

static uint64_t state = 0x9e3779b97f4a7c15u;

static uint64_t next_random(void) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1du;
}

static int by_address(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s READY_FILE RANGES_FILE HEAP_MIB RANGES\n", argv[0]);
        return 64;
    }
    size_t blocks = (size_t)atol(argv[3]) / (BLOCK_BYTES >> 20);
    size_t ntargets = (size_t)atol(argv[4]);
    if (blocks == 0 || ntargets == 0 || ntargets > blocks) {
        fprintf(stderr, "bench-scan-heap: need 1 <= RANGES <= HEAP_MIB / 16\n");
        return 64;
    }
    uint64_t **heap = calloc(blocks, sizeof *heap);
    uint64_t *targets = calloc(ntargets, sizeof *targets);
    if (!heap || !targets) return 1;
    for (size_t i = 0; i < blocks; i++) {
        if (!(heap[i] = malloc(BLOCK_BYTES))) {
            fprintf(stderr, "bench-scan-heap: out of memory after %zu blocks\n", i);
            return 1;
        }
    }
    size_t stride = blocks / ntargets;
    for (size_t t = 0; t < ntargets; t++) {
        targets[t] = (uint64_t)(uintptr_t)heap[t * stride] + (next_random() % (BLOCK_BYTES - TARGET_BYTES) & ~(uint64_t)7);
    }
    qsort(targets, ntargets, sizeof *targets, by_address);

    size_t words = BLOCK_BYTES / 8, pointers = 0;
    for (size_t i = 0; i < blocks; i++) {
        for (size_t w = 0; w < words; w++) {
            uint64_t r = next_random(), value;
            switch (r & 7) {
            case 0:
                value = targets[(r >> 3) % ntargets] + ((r >> 20) % TARGET_BYTES & ~(uint64_t)7);
                pointers++;
                break;
            case 1: /* the first 4 KiB of a random block: a near miss, unless a target starts there */
                value = (uint64_t)(uintptr_t)heap[(r >> 3) % blocks] + ((r >> 24) & 0xfff);
                break;
            case 2: case 3: case 4:
                value = r >> 40;
                break;
            default:
                value = r;
                break;
            }
            heap[i][w] = value;
        }
    }
    /* The oracle: a plain test of every word against every range. */
    size_t matching = 0;
    for (size_t i = 0; i < blocks; i++) {
        for (size_t w = 0; w < words; w++) {
            uint64_t v = heap[i][w];
            for (size_t t = 0; t < ntargets; t++) {
                if (v - targets[t] < TARGET_BYTES) { matching++; break; }
            }
        }
    }

    FILE *out = fopen(argv[2], "w");
    if (!out) { perror(argv[2]); return 1; }
    for (size_t t = 0; t < ntargets; t++) {
        fprintf(out, "%llx %llx\n", (unsigned long long)targets[t], (unsigned long long)(targets[t] + TARGET_BYTES));
    }
    fclose(out);
    printf("%zu heap words, %zu written as target pointers, %zu point into a target\n",
           blocks * words, pointers, matching);
    fflush(stdout);
    FILE *ready = fopen(argv[1], "w");
    if (!ready) { perror(argv[1]); return 1; }
    fclose(ready);
    for (;;) pause();
}
