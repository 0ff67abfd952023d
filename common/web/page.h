/* page.h: the one envelope of every list reply and its keyset cursor.
 *
 * A list answers {"items": [...], "next_cursor": "..." | null}; the cursor is
 * the key of the page's last item, and the next page starts after it. The
 * contract (PARAM_PAGE in contract.h) checks limit and cursor's form; a
 * cursor that names no item is refused here. */
#ifndef EDGESCOUT_PAGE_H
#define EDGESCOUT_PAGE_H

#include <json-c/json.h>
#include <stdint.h>

struct req;

/* The reply shape of a page of items of shape item (openapi_schema.c). */
#define SHAPE_PAGE(item) "{items:[" item "], next_cursor:str?}"

/* When cursor is not 0: run exists_sql ($1 the cursor, $2 owner when not
 * NULL) and refuse a cursor that names no row with 422 naming "cursor".
 * 0, or -1 after replying. */
int page_cursor_or_reply(struct req *r, const char *exists_sql, int64_t cursor,
                         const char *owner);

/* Reply 200 {"items": items, "next_cursor": next or null}; items is taken. */
int reply_page(struct req *r, json_object *items, const char *next);

#endif
