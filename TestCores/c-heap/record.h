/* The allocation registry and the truth.json writer of the c-heap fixture. */
#ifndef C_HEAP_RECORD_H
#define C_HEAP_RECORD_H

#include "heap.h"

#include <stdbool.h>

/* Prepares a registry of up to `capacity` records and a manifest buffer, with
 * mmap: neither may come from malloc. capacity 0 keeps only per-class totals,
 * fed by rec_tally (the big benchmark mode). */
void rec_init(size_t capacity, unsigned glibc_minor);

/* Registers the block malloc (or new) just returned to `thread`. `root` says
 * what holds a reachable block ("global g_list", "tls w1 tl_tree"...), or NULL. */
size_t rec_add(void *p, size_t size, unsigned thread, const char *root);
void rec_tally(enum heap_class cls, uint64_t count, uint64_t bytes);
void rec_set_type(size_t index, const char *name, const char *mangled);
void rec_set_class(size_t index, enum heap_class cls);
/* An indirect leak held by the leaked block `leader` (a record index). */
void rec_set_indirect(size_t index, size_t leader, unsigned cycle);
/* Frees, in thread `freer`, the block at `index` and records the structure glibc
 * will keep it in: the freeing thread's tcache while its bin has room, then
 * fastbin, small bin or unsorted bin by size and glibc release.
 * `merges_into_top` marks a chunk that borders top. */
void rec_free(size_t index, unsigned freer, bool merges_into_top);
/* A malloc that sorts the arena's unsorted bin: its small chunks move to their
 * small bin and its large chunks to their large bin. */
void rec_sorted_unsorted(unsigned thread);
/* The block a record stands for (records keep addresses disguised, see record.c). */
void *rec_pointer(size_t index);

/* TCACHE_FILL_COUNT of the running glibc: how many chunks each tcache bin holds. */
unsigned rec_tcache_fill(void);

void rec_thread(unsigned thread, int tid, const char *name);
/* Where `thread`'s dtls_root (in libc-heap-dtls.so's dynamic TLS block) lives. */
void rec_thread_dtls(unsigned thread, void *variable);
/* A block libc allocated for itself that the program knows of (stdout's buffer). */
void rec_libc_block(void *p, const char *what);
/* Writes truth.json into the working directory, without calling malloc. */
void rec_write_truth(const char *mode);

#endif
