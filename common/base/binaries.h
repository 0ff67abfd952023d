/* binaries.h: the FastCGI binaries of a directory, asked about themselves.
 *
 * Every binary answers --routes (its route table) and --openapi (its OpenAPI
 * paths) without configuration; `edgescout routes`, `edgescout openapi` and
 * GET /api/openapi.json learn every table this way, so a new binary shows
 * up with no other edit. */
#ifndef EDGESCOUT_BINARIES_H
#define EDGESCOUT_BINARIES_H

#include <stddef.h>

struct buf;
struct pool;

/* Run `path arg` (no shell, 5 s, 1 MiB of output at most) and collect its
 * stdout into out. 0, or -1 with the reason in err. */
int binaries_run(const char *path, const char *arg, struct buf *out, char *err,
                 size_t errlen);

/* The executables in dir, sorted by name, into *names (pool memory). 0, or
 * -1 after a message on stderr. */
int binaries_list(struct pool *p, const char *dir, const char ***names, size_t *n);

#endif
