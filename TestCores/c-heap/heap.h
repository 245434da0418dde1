/* Shared declarations of the c-heap fixture (see TestCores/README.md, "c-heap"). */
#ifndef C_HEAP_H
#define C_HEAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the program knows about each allocation at dump time. */
enum heap_class { CLASS_REACHABLE, CLASS_DIRECT, CLASS_INDIRECT, CLASS_POSSIBLE, CLASS_FREED };

/* The free structure a freed chunk is expected in. */
enum free_place { PLACE_NONE, PLACE_TCACHE, PLACE_FASTBIN, PLACE_UNSORTED, PLACE_SMALLBIN,
                  PLACE_LARGEBIN, PLACE_TOP };

enum { MAX_THREADS = 8 };

/* A C++ object made by objects.cpp: the pointer operator new returned and its class. */
struct cxx_object {
    void *ptr;
    size_t size;            /* sizeof the most derived class: what operator new asked malloc for */
    const char *name;       /* demangled class name, a string literal (demangling would allocate) */
    const char *mangled;    /* typeid(...).name(), the name the typeinfo in the binary holds */
};

/* Kinds of object cxx_make can build; see objects.cpp. */
enum cxx_kind { CXX_CIRCLE, CXX_SQUARE, CXX_POLYGON, CXX_KIND_COUNT };

struct cxx_object cxx_make(enum cxx_kind kind, void *next);
/* Makes the object at ptr point to next (its Shape::next field). */
void cxx_link(void *object, void *next);
void cxx_delete(void *object);
/* Calls a virtual function so the vtables are used. */
double cxx_area(const void *object);

#ifdef __cplusplus
}
#endif
#endif
