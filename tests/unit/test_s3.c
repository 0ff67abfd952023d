/* test_s3.c: the off-site client (s3.h) against tests/standin/s3_standin.py:
 * a multipart upload, a single PUT, a paged list, a download and a delete;
 * then every request the stand-in recorded has its Authorization header
 * recomputed by aws_sigv4.c (held to AWS's vectors in test_aws_sigv4) from
 * what was sent: libcurl's CURLOPT_AWS_SIGV4 must have signed exactly that. */
#include "unit.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_sigv4.h"
#include "s3.h"
#include "standin.h"

static char dir[] = "/tmp/es-s3-XXXXXX";
static pid_t standin = -1;
static char record[96];

static int
setup(void **state)
{
	char port_file[64], url[64];
	const char *extra[3];
	int port;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(port_file, sizeof(port_file), "%s/port", dir);
	snprintf(record, sizeof(record), "%s/record.jsonl", dir);
	extra[0] = "--record";
	extra[1] = record;
	extra[2] = NULL;
	if ((port = standin_start("tests/standin/s3_standin.py", extra, port_file, &standin)) == 0)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	setenv("BACKUP_S3_ENDPOINT", url, 1);
	setenv("BACKUP_S3_BUCKET", "bk", 1);
	setenv("BACKUP_S3_REGION", "eu-west-3", 1);
	setenv("BACKUP_S3_ACCESS_KEY", "AKIDTEST", 1);
	setenv("BACKUP_S3_SECRET_KEY", "sEcReT/+key", 1);
	setenv("BACKUP_S3_PREFIX", "edge scout/", 1);
	setenv("BACKUP_S3_PART_MB", "1", 1);
	return unit_setup(state);
}

static int
teardown(void **state)
{
	standin_stop(&standin);
	return unit_teardown(state);
}

/* A file of len random bytes at dir/name. */
static const char *
make_file(const char *name, size_t len)
{
	const char *path = pool_printf(pool, "%s/%s", dir, name);
	unsigned char *data = malloc(len);
	FILE *f = fopen(path, "wb");

	randombytes_buf(data, len);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	free(data);
	return path;
}

static int
same_file(const char *a, const char *b)
{
	char ha[65], hb[65], err[BACKUP_ERR_MAX];

	assert_int_equal(backup_file_sha256(a, ha, err, sizeof(err)), 0);
	assert_int_equal(backup_file_sha256(b, hb, err, sizeof(err)), 0);
	return strcmp(ha, hb) == 0;
}

static void
test_round_trip(void **state)
{
	const char *big = make_file("big", 2 * 1024 * 1024 + 4567);   /* 3 parts of 1 MiB */
	const char *small = make_file("small", 1000);
	const char *back = pool_printf(pool, "%s/back", dir), **keys;
	char err[BACKUP_ERR_MAX];

	(void)state;
	assert_true(s3_configured());
	assert_string_equal(s3_key(pool, "x"), "edge scout/x");
	assert_int_equal(s3_put_file(pool, s3_key(pool, "a/big"), big, NULL, err, sizeof(err)), 0);
	assert_int_equal(s3_put_file(pool, s3_key(pool, "a/small"), small, NULL, err,
	                             sizeof(err)), 0);
	assert_int_equal(s3_put_file(pool, s3_key(pool, "a/c&d"), small, NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(s3_get_file(pool, s3_key(pool, "a/big"), back, NULL, err, sizeof(err)), 0);
	assert_true(same_file(big, back));
	/* three keys, two a page: the list follows the continuation token */
	assert_int_equal(s3_list(pool, s3_key(pool, "a/"), &keys, err, sizeof(err)), 3);
	assert_string_equal(keys[0], "edge scout/a/big");
	assert_string_equal(keys[1], "edge scout/a/c&d");
	assert_string_equal(keys[2], "edge scout/a/small");
	assert_int_equal(s3_delete(pool, s3_key(pool, "a/big"), err, sizeof(err)), 0);
	assert_int_equal(s3_list(pool, s3_key(pool, "a/"), &keys, err, sizeof(err)), 2);
	assert_int_equal(s3_get_file(pool, s3_key(pool, "a/big"), back, NULL, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "S3 GET edge scout/a/big: HTTP 404 (NoSuchKey)");
	assert_true(same_file(big, back));     /* the failed download left the old file */
}

/* The value of header name among the recorded [name, value] pairs. */
static const char *
header(json_object *hdrs, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(hdrs); i++) {
		json_object *h = json_object_array_get_idx(hdrs, i);

		if (strcasecmp(json_object_get_string(json_object_array_get_idx(h, 0)), name) == 0)
			return json_object_get_string(json_object_array_get_idx(h, 1));
	}
	return NULL;
}

/* Recompute the signature of one recorded request; 1 when it matches. */
static int
signature_matches(json_object *req, const char **what)
{
	json_object *hdrs = json_object_object_get(req, "headers");
	const char *target = json_object_get_string(json_object_object_get(req, "target"));
	const char *auth = header(hdrs, "Authorization"), *q = strchr(target, '?');
	const char *signed_list = strstr(auth, "SignedHeaders=");
	const char **pairs = pool_alloc(pool, 2 * 16 * sizeof(*pairs) + sizeof(*pairs));
	struct sigv4_scope s = { "AKIDTEST", "sEcReT/+key", "eu-west-3", "s3",
	                         header(hdrs, "x-amz-date") };
	struct sigv4_request r = { json_object_get_string(json_object_object_get(req, "method")),
	                           q ? pool_strndup(pool, target, (size_t)(q - target)) : target,
	                           q ? q + 1 : "", NULL, header(hdrs, "x-amz-content-sha256") };
	struct sigv4_result out;
	char *names, *save = NULL;
	int n = 0;

	*what = pool_printf(pool, "%s %s", r.method, target);
	assert_non_null(signed_list);
	names = pool_strndup(pool, signed_list + 14, strcspn(signed_list + 14, ","));
	for (char *t = strtok_r(names, ";", &save); t && n < 16; t = strtok_r(NULL, ";", &save)) {
		pairs[2 * n] = t;
		pairs[2 * n + 1] = header(hdrs, t);
		assert_non_null(pairs[2 * n + 1]);
		n++;
	}
	pairs[2 * n] = NULL;
	r.headers = pairs;
	assert_string_equal(r.payload_hash, "UNSIGNED-PAYLOAD");
	sigv4_sign(pool, &r, &s, &out);
	if (strcmp(out.authorization, auth) != 0)
		print_error("%s\n  sent:     %s\n  computed: %s\n  canonical:\n%s\n", *what, auth,
		            out.authorization, out.canonical_request);
	return strcmp(out.authorization, auth) == 0;
}

static void
test_libcurl_signs_as_aws_says(void **state)
{
	FILE *f = fopen(record, "r");
	char line[16384];
	int n = 0, bad = 0, multipart = 0, listed = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_object *req = json_tokener_parse(line);
		const char *what;

		assert_non_null(req);
		bad += !signature_matches(req, &what);
		multipart += strstr(what, "uploadId=") != NULL;
		listed += strstr(what, "list-type=2") != NULL;
		json_object_put(req);
		n++;
	}
	fclose(f);
	/* 1 + 3 + 1 multipart, 2 PUT, 2 GET, 2 + 1 list pages, 1 DELETE */
	assert_int_equal(n, 13);
	assert_int_equal(multipart, 4);
	assert_int_equal(listed, 3);
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_libcurl_signs_as_aws_says),
	};
	int rc;

	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	if (rc == 0) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return rc;
}
