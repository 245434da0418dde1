/*
 * bench-scan-loop: the plain C baseline of `Tools/bench scan`. It mmaps a
 * core, and for every PT_LOAD with bytes in the file tests each aligned word
 * for pointing into a set of address ranges, the same test with the same
 * search as coreinspect's AddressRangeSet: merged sorted ranges, a span
 * check, then a bucket table (at most 4096 buckets) that leaves a binary
 * search over the few ranges starting inside the word's bucket. The
 * practical limit of this machine for that scan.
 *
 * Usage: bench-scan-loop CORE RANGES_FILE [--release-pages]
 *
 * Prints "matches N bytes B seconds S GB/s G", timing only the scan (the
 * page faults of first touch included, as coreinspect's run has them too).
 * --release-pages drops each segment's pages after scanning it
 * (madvise(MADV_DONTNEED); the mapping is read-only and file-backed).
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_RANGES 4096

static uint64_t starts[MAX_RANGES], ends[MAX_RANGES];
static size_t nranges;

static int by_start(const void *a, const void *b) {
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Reads "START END" hex pairs, sorts them and merges overlapping ones. */
static void load_ranges(const char *path) {
    static uint64_t pairs[MAX_RANGES][2];
    size_t n = 0;
    FILE *in = fopen(path, "r");
    if (!in) { perror(path); exit(1); }
    unsigned long long s, e;
    while (n < MAX_RANGES && fscanf(in, "%llx %llx", &s, &e) == 2) {
        if (e > s) { pairs[n][0] = s; pairs[n][1] = e; n++; }
    }
    fclose(in);
    qsort(pairs, n, sizeof pairs[0], by_start);
    for (size_t i = 0; i < n; i++) {
        if (nranges > 0 && pairs[i][0] <= ends[nranges - 1]) {
            if (pairs[i][1] > ends[nranges - 1]) ends[nranges - 1] = pairs[i][1];
        } else {
            starts[nranges] = pairs[i][0];
            ends[nranges] = pairs[i][1];
            nranges++;
        }
    }
}

#define MAX_BUCKETS 4096
static int32_t buckets[MAX_BUCKETS + 2];
static uint64_t lowest, span;
static unsigned shift;

/* buckets[b]: the last range starting at or below the bucket's first address. */
static void build_buckets(void) {
    lowest = starts[0];
    span = ends[nranges - 1] - lowest;
    while ((span - 1) >> shift >= MAX_BUCKETS) shift++;
    size_t count = (size_t)((span - 1) >> shift) + 2, range = 0;
    for (size_t b = 0; b < count; b++) {
        uint64_t boundary = lowest + ((uint64_t)b << shift);
        while (range + 1 < nranges && starts[range + 1] <= boundary) range++;
        buckets[b] = (int32_t)range;
    }
}

static inline int matches(uint64_t word) {
    uint64_t offset = word - lowest;
    if (offset >= span) return 0;
    size_t bucket = offset >> shift;
    long low = buckets[bucket], high = buckets[bucket + 1];
    while (low < high) {
        long middle = (low + high + 1) / 2;
        if (starts[middle] <= word) low = middle; else high = middle - 1;
    }
    return word < ends[low];
}

#define CHUNK_WORDS ((8u << 20) / 8)

/* Drops the whole pages inside [from, to). */
static void release_pages(const unsigned char *from, const unsigned char *to, long page) {
    uintptr_t first = ((uintptr_t)from + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t last = (uintptr_t)to & ~(uintptr_t)(page - 1);
    if (last > first) madvise((void *)first, last - first, MADV_DONTNEED);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--release-pages") != 0)) {
        fprintf(stderr, "usage: %s CORE RANGES_FILE [--release-pages]\n", argv[0]);
        return 64;
    }
    int release = argc == 4;
    load_ranges(argv[2]);
    if (nranges == 0) { fprintf(stderr, "%s: no ranges\n", argv[2]); return 1; }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { perror(argv[1]); return 1; }
    const unsigned char *core = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (core == MAP_FAILED) { perror("mmap"); return 1; }
    const Elf64_Ehdr *eh = (const void *)core;
    if (st.st_size < (off_t)sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_type != ET_CORE) {
        fprintf(stderr, "%s: not an ELF core\n", argv[1]);
        return 1;
    }
    build_buckets();
    uint64_t count = 0, bytes = 0;
    long page = sysconf(_SC_PAGESIZE);
    double started = now();
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const void *)(core + eh->e_phoff + (size_t)i * eh->e_phentsize);
        if (ph->p_type != PT_LOAD || ph->p_filesz == 0 || ph->p_offset + ph->p_filesz > (uint64_t)st.st_size) continue;
        uint64_t first = (ph->p_vaddr + 7) & ~(uint64_t)7;
        const unsigned char *base = core + ph->p_offset + (first - ph->p_vaddr);
        uint64_t nwords = (ph->p_vaddr + ph->p_filesz - first) / 8;
        /* Chunks, so that releasing keeps RSS low even in a gigabyte segment. */
        for (uint64_t chunk = 0; chunk < nwords; chunk += CHUNK_WORDS) {
            uint64_t stop = nwords - chunk > CHUNK_WORDS ? chunk + CHUNK_WORDS : nwords;
            for (uint64_t w = chunk; w < stop; w++) {
                uint64_t word;
                memcpy(&word, base + w * 8, 8);
                count += matches(word);
            }
            if (release) release_pages(base + chunk * 8, base + stop * 8, page);
        }
        bytes += ph->p_filesz;
    }
    double seconds = now() - started;
    printf("matches %llu bytes %llu seconds %.4f GB/s %.3f\n", (unsigned long long)count, (unsigned long long)bytes,
           seconds, bytes / seconds / 1e9);
    return 0;
}
