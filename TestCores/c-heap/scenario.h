/* The heap scenarios of the c-heap fixture. */
#ifndef C_HEAP_SCENARIO_H
#define C_HEAP_SCENARIO_H

#include <stdbool.h>

/* The heads through which a thread's reachable blocks hang. */
struct scenario_roots {
    void *list;       /* singly linked nodes */
    void *tree;       /* binary tree */
    void *shapes;     /* C++ objects linked through Shape::next */
    void *separators; /* blocks that keep freed chunks from coalescing */
    void *mapped;     /* an mmapped chunk */
};

/* The main thread's roots: globals. */
extern struct scenario_roots main_roots;

/* Builds thread `t`'s share of the small fixture: reachable structures hung
 * from `held` (globals or thread-locals), `stack` (a live stack frame) and, if
 * not NULL, `dtls_slot` (a variable in a dynamic TLS block), leaks of every
 * kind, and, if `frees`, chunks freed into every free structure. */
void scenario_build(unsigned t, struct scenario_roots *held, struct scenario_roots *stack, void **dtls_slot,
                    bool frees);
/* The benchmark heap: about a million blocks for thread `t`. */
void big_build(unsigned t, struct scenario_roots *held);
/* Overwrites dead stack below the caller and the scratch registers, so no
 * stale copy of a leaked pointer survives there. */
void scrub_stack_and_registers(void);

#endif
