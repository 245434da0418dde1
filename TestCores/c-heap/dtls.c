/* libc-heap-dtls.so: a library the c-heap fixture dlopens. A module loaded
 * by dlopen gets its thread-locals in a dynamic TLS block, which glibc mallocs
 * per thread on first use; w2-trees hangs a reachable list from `dtls_root`,
 * so that list is reachable only through such a block. */
__thread void *dtls_root;

void **dtls_root_address(void) { return &dtls_root; }
