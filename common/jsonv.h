/* jsonv.h: a strict RFC 8259 syntax check, run on every JSON body before
 * json-c builds objects from it (json-c alone accepts NaN, comments,
 * single quotes and other extensions). */
#ifndef EDGESCOUT_JSONV_H
#define EDGESCOUT_JSONV_H

#include <stddef.h>

/* 0 when s[0..n) is exactly one JSON value (with optional surrounding white
 * space) nested at most max_depth deep, with no unpaired surrogate and no
 * escaped NUL (\u0000); -1 otherwise with *why set to a short static reason.
 * Does not check that the bytes are UTF-8 (see valid_utf8). */
int jsonv_check(const char *s, size_t n, int max_depth, const char **why);

#endif
