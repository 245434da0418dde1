#ifndef CORE_INSPECT_CLZMA_SHIM_H
#define CORE_INSPECT_CLZMA_SHIM_H

#include <lzma.h>

// LZMA_STREAM_INIT is a macro that expands to a compound initializer, which
// Swift cannot import: this returns a stream in that initial state.
static inline lzma_stream CLzma_streamInit(void) {
    lzma_stream stream = LZMA_STREAM_INIT;
    return stream;
}

// LZMA_CONCATENATED is defined through UINT32_C(), a macro with arguments.
static const uint32_t CLzma_concatenated = LZMA_CONCATENATED;

#endif
