#ifndef CORE_INSPECT_CZSTD_SHIM_H
#define CORE_INSPECT_CZSTD_SHIM_H

// Nothing to shim: zstd's streaming API imports as is. The header exists so
// the module map has one place to name it, like CZlib's.
#include <zstd.h>

#endif
