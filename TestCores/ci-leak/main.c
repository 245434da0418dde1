// A tiny service for Tools/ci-example and docs/ci.md: it handles a few requests, and on its
// error path it frees the request but forgets the response, the leak a CI gate must catch.
// Built with -DFIXED, it frees the response too. Once done it creates the file "ready" in its
// working directory and waits to be dumped (gcore) and killed.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct response {
    int status;
    size_t length;
    char body[240];
};

struct request {
    int id;
    char path[56];
    struct response *response;
};

// Requests still in flight: reachable from a global, never a leak (not static: the compiler
// would drop stores to a static array nobody reads, and they would leak).
struct request *in_flight[4];

__attribute__((noinline)) static struct response *respond(int id) {
    struct response *response = malloc(sizeof *response);
    if (!response) abort();
    response->status = id % 4 == 0 ? 500 : 200;
    response->length = (size_t)snprintf(response->body, sizeof response->body, "response to %d", id);
    return response;
}

__attribute__((noinline)) static void handle(int id) {
    struct request *request = malloc(sizeof *request);
    if (!request) abort();
    request->id = id;
    snprintf(request->path, sizeof request->path, "/items/%d", id);
    request->response = respond(id);
    if (request->response->status != 200) {
#ifdef FIXED
        free(request->response);
#endif
        free(request);
        return;
    }
    if (id < 4) {
        in_flight[id] = request;
        return;
    }
    free(request->response);
    free(request);
}

// Dead frames below main may still hold a leaked pointer, which would keep it "reachable".
__attribute__((noinline)) static void scrub_stack(void) {
    char dead_frames[16384];
    explicit_bzero(dead_frames, sizeof dead_frames);
}

int main(void) {
    for (int id = 0; id < 32; id++) handle(id);
    scrub_stack();
    int ready = open("ready", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (ready < 0) return 1;
    close(ready);
    for (;;) pause();
}
