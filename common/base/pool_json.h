/* pool_json.h: json-c objects owned by a pool, and the one ownership rule.
 *
 * Every json-c object of a request (or of any work that has a pool):
 *  1. A root object, one not put inside another, belongs to the pool from
 *     the line that makes it: pool_json_object(), pool_json_array(), or
 *     pool_json(p, x) around a builder's or a parser's result. The pool
 *     puts it when it is reset or freed.
 *  2. An object put into another (json_object_object_add, _array_add) is
 *     its parent's. To put a pool's object into another, add
 *     json_object_get(obj): the parent then holds its own reference.
 *  3. Whoever is handed an object borrows it: reply_json, audit, log_redact
 *     and every other callee. Nobody calls json_object_put on a pool's object.
 *  4. A function that takes a pool or a request and returns an object
 *     returns the pool's (rule 1); a builder without one returns a new part
 *     for the caller to put into a parent (rule 2) or hand to a pool.
 * Code that has no pool (log lines, the CLI's printing) puts what it makes. */
#ifndef EDGESCOUT_POOL_JSON_H
#define EDGESCOUT_POOL_JSON_H

#include <json-c/json.h>

struct pool;

/* Hand obj to p, which puts it when reset or freed; returns obj (NULL
 * passes through). obj must not be put into a parent afterwards without
 * json_object_get. */
json_object *pool_json(struct pool *p, json_object *obj);

/* A new empty JSON object owned by p. */
json_object *pool_json_object(struct pool *p);

/* A new empty JSON array owned by p. */
json_object *pool_json_array(struct pool *p);

#endif
