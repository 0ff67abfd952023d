/* fuzz_s3.c: s3_xml_next, the reader of an S3 store's XML replies.
 *
 * Invariants: each value found lies after the previous one (the cursor
 * moves forward and stays inside the reply), and is no longer than the raw
 * text it came from (entities only shrink). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz_s3: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tags[] = { "Key", "UploadId", "Code", "IsTruncated",
	                                    "NextContinuationToken" };
	struct pool *p = pool_new();
	char *xml = pool_alloc(p, size + 1);

	memcpy(xml, data, size);
	xml[size] = '\0';
	for (size_t t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
		const char *from = xml, *prev = xml, *v;

		while ((v = s3_xml_next(p, tags[t], &from)) != NULL) {
			CHECK(from > prev && from <= xml + strlen(xml));
			CHECK(strlen(v) <= (size_t)(from - prev));
			prev = from;
		}
	}
	pool_free(p);
	return 0;
}
