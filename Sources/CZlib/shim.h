#ifndef CORE_INSPECT_CZLIB_SHIM_H
#define CORE_INSPECT_CZLIB_SHIM_H

#include <zlib.h>

// deflateInit2 is a macro with arguments (it passes ZLIB_VERSION and the
// stream size to deflateInit2_), which Swift cannot import.
static inline int CZlib_deflateInit2(z_streamp stream, int level, int method, int windowBits, int memLevel, int strategy) {
    return deflateInit2(stream, level, method, windowBits, memLevel, strategy);
}

// inflateInit2 is a macro for the same reason; the tests read pprof files back through it.
static inline int CZlib_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif
