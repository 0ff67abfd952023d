/* pool_json.c: json-c objects released with their pool. */
#include "pool_json.h"

#include "pool.h"

static void
put_json(void *obj)
{
	json_object_put(obj);
}

json_object *
pool_json(struct pool *p, json_object *obj)
{
	if (obj != NULL)
		pool_defer(p, put_json, obj);
	return obj;
}

json_object *
pool_json_object(struct pool *p)
{
	return pool_json(p, json_object_new_object());
}

json_object *
pool_json_array(struct pool *p)
{
	return pool_json(p, json_object_new_array());
}
