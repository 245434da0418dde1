#ifndef COREINSPECT_CELFUTILS_SHIM_H
#define COREINSPECT_CELFUTILS_SHIM_H

#include <stddef.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <elfutils/libdwelf.h>
#include <dwarf.h>
#include <gelf.h>

// libstdc++ exports the Itanium C++ ABI demangler with C linkage, but no
// C header declares it, so Swift cannot see it without this declaration.
char *__cxa_demangle(const char *mangled_name, char *output_buffer,
                     size_t *length, int *status);

// Swift imports DWARF_CB_OK/ABORT as an anonymous enum of Int32; the
// callback types want plain int, so these spare every caller a cast.
static inline int CElfUtils_callbackContinue(void) { return DWARF_CB_OK; }
static inline int CElfUtils_callbackStop(void) { return DWARF_CB_ABORT; }

#endif
