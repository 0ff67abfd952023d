/* test_req.c: decoding, query strings, cookies, headers, JSON bodies and
 * path ids of a request. */
#include "unit.h"

#include "harness.h"
#include "url.h"

/* ---- url_decode -------------------------------------------------------- */

/* Decode s exactly as long as it is (no NUL needed after it). */
static const char *
decode(const char *s, size_t n, int plus_space)
{
	char *copy = malloc(n ? n : 1);
	const char *out;

	memcpy(copy, s, n);
	out = url_decode(pool, copy, n, plus_space);
	free(copy);
	return out;
}

#define DECODE(lit, plus) decode(lit, sizeof(lit) - 1, plus)

static void
test_decode_percent_and_plus(void **state)
{
	(void)state;
	assert_string_equal(DECODE("a%20b", 0), "a b");
	assert_string_equal(DECODE("%41%42", 0), "AB");
	assert_string_equal(DECODE("caf%c3%a9", 0), "caf\xc3\xa9");
	assert_string_equal(DECODE("caf%C3%A9", 0), "caf\xc3\xa9");
	assert_string_equal(DECODE("a+b", 1), "a b");
	assert_string_equal(DECODE("a+b", 0), "a+b");
	assert_string_equal(DECODE("%2B", 1), "+");
	assert_string_equal(DECODE("%2F%25", 0), "/%");
	assert_string_equal(DECODE("", 0), "");
	assert_string_equal(DECODE("x%41", 0), "xA");      /* escape ends the input */
	assert_string_equal(DECODE("\xc3\xa9", 0), "\xc3\xa9");
}

static void
test_decode_stops_at_n(void **state)
{
	(void)state;
	assert_string_equal(url_decode(pool, "abc%41", 3, 0), "abc");
	assert_string_equal(url_decode(pool, "%41%zz", 3, 0), "A");
	assert_null(url_decode(pool, "%41", 2, 0));        /* the escape is cut */
}

static void
test_decode_rejects_bad_escapes(void **state)
{
	static const char *const bad[] = {
		"%", "%4", "a%", "ab%4", "%zz", "%4g", "%g4", "%%41", "% 41", "%-1", NULL
	};

	(void)state;
	for (int i = 0; bad[i]; i++)
		if (decode(bad[i], strlen(bad[i]), 1) != NULL)
			fail_msg("\"%s\" was accepted", bad[i]);
}

static void
test_decode_rejects_nul_and_invalid_utf8(void **state)
{
	(void)state;
	assert_null(DECODE("%00", 0));
	assert_null(DECODE("a%00b", 1));
	assert_null(DECODE("a\0b", 0));                    /* raw NUL inside n */
	assert_null(DECODE("%C3%28", 0));                  /* bad continuation */
	assert_null(DECODE("%C0%AF", 0));                  /* overlong '/' */
	assert_null(DECODE("%ED%A0%80", 0));               /* surrogate */
	assert_null(DECODE("%F4%90%80%80", 0));            /* above U+10FFFF */
	assert_null(DECODE("%E2%82", 0));                  /* truncated */
	assert_null(DECODE("\xff", 0));                    /* raw bad byte */
	assert_string_equal(DECODE("%F0%9F%98%80", 0), "\xf0\x9f\x98\x80");
}

/* ---- req_parse_query --------------------------------------------------- */

static void
test_query_splits_and_decodes(void **state)
{
	struct query_arg *a;
	const char *why = NULL;
	int n;

	(void)state;
	assert_int_equal(req_parse_query(pool, "a=1&b=x+y&c=caf%C3%A9&flag&=v&d=p=q", &a, &n, &why), 0);
	assert_int_equal(n, 6);
	assert_string_equal(a[0].name, "a");
	assert_string_equal(a[0].value, "1");
	assert_string_equal(a[1].value, "x y");
	assert_string_equal(a[2].value, "caf\xc3\xa9");
	assert_string_equal(a[3].name, "flag");
	assert_string_equal(a[3].value, "");
	assert_string_equal(a[4].name, "");
	assert_string_equal(a[4].value, "v");
	assert_string_equal(a[5].name, "d");
	assert_string_equal(a[5].value, "p=q");
}

static void
test_query_empty_and_separators_only(void **state)
{
	struct query_arg *a = (void *)1;
	const char *why = NULL;
	int n = -1;

	(void)state;
	assert_int_equal(req_parse_query(pool, "", &a, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_null(a);
	assert_int_equal(req_parse_query(pool, "&&&", &a, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_int_equal(req_parse_query(pool, "&a=1&&b=2&", &a, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_string_equal(a[1].name, "b");
	assert_null(why);
}

static void
test_query_argument_count_limit(void **state)
{
	char q[REQ_MAX_QUERY_ARGS * 8 + 16];
	struct query_arg *a;
	const char *why = NULL;
	int n;
	size_t len = 0;

	(void)state;
	for (int i = 0; i < REQ_MAX_QUERY_ARGS; i++)
		len += (size_t)snprintf(q + len, sizeof(q) - len, "%sk%d=%d", i ? "&" : "", i, i);
	assert_int_equal(req_parse_query(pool, q, &a, &n, &why), 0);
	assert_int_equal(n, REQ_MAX_QUERY_ARGS);
	assert_string_equal(a[REQ_MAX_QUERY_ARGS - 1].name, "k63");
	snprintf(q + len, sizeof(q) - len, "&x=1");
	assert_int_equal(req_parse_query(pool, q, &a, &n, &why), -1);
	assert_string_equal(why, "the query string has too many arguments");
	assert_int_equal(n, 0);
}

static void
test_query_length_limit(void **state)
{
	char *q = malloc(REQ_MAX_QUERY_LEN + 2);
	struct query_arg *a;
	const char *why = NULL;
	int n;

	(void)state;
	q[0] = 'a';
	q[1] = '=';
	memset(q + 2, 'v', REQ_MAX_QUERY_LEN - 2);
	q[REQ_MAX_QUERY_LEN] = '\0';
	assert_int_equal(req_parse_query(pool, q, &a, &n, &why), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(a[0].value), REQ_MAX_QUERY_LEN - 2);
	q[REQ_MAX_QUERY_LEN] = 'v';
	q[REQ_MAX_QUERY_LEN + 1] = '\0';
	assert_int_equal(req_parse_query(pool, q, &a, &n, &why), -1);
	assert_string_equal(why, "the query string is too long");
	free(q);
}

static void
test_query_rejects_bad_encoding(void **state)
{
	static const char *const bad[] = {
		"a=%zz", "a=%", "%zz=1", "a=1&b=%C3%28", "a=%00", "x%E2%82=1", NULL
	};
	struct query_arg *a;
	const char *why;
	int n;

	(void)state;
	for (int i = 0; bad[i]; i++) {
		why = NULL;
		if (req_parse_query(pool, bad[i], &a, &n, &why) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_string_equal(why, "the query string has bad percent-encoding or invalid UTF-8");
		assert_int_equal(n, 0);
	}
}

static void
test_req_query_returns_first_match(void **state)
{
	struct req r;
	const char *why;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(req_parse_query(pool, "a=1&a=2&b=", &r.args, &r.nargs, &why), 0);
	assert_string_equal(req_query(&r, "a"), "1");
	assert_string_equal(req_query(&r, "b"), "");
	assert_null(req_query(&r, "c"));
	assert_null(req_query(&r, "A"));
}

/* ---- parameters, headers, cookies -------------------------------------- */

static void
test_param_matches_whole_name(void **state)
{
	struct fake *f = fake_new("GET", "/x");
	struct req *r = fake_req(f);

	(void)state;
	fake_param(f, "REMOTE_ADDR_X", "no");
	fake_param(f, "EMPTY", "");
	assert_string_equal(req_param(r, "REQUEST_METHOD"), "GET");
	assert_string_equal(req_param(r, "REMOTE_ADDR"), "127.0.0.1");
	assert_string_equal(req_param(r, "EMPTY"), "");
	assert_null(req_param(r, "REMOTE"));
	assert_null(req_param(r, "REQUEST_METHO"));
	assert_null(req_param(r, "request_method"));
	r->envp = NULL;
	assert_null(req_param(r, "REQUEST_METHOD"));
	fake_free(f);
}

static void
test_header_maps_http_names(void **state)
{
	struct fake *f = fake_new("POST", "/x");
	struct req *r = fake_req(f);
	char longname[200];

	(void)state;
	fake_param(f, "HTTP_X_REQUEST_ID", "rid-1");
	fake_param(f, "HTTP_USER_AGENT", "curl/8");
	fake_param(f, "CONTENT_TYPE", "application/json");
	fake_param(f, "CONTENT_LENGTH", "12");
	assert_string_equal(req_header(r, "X-Request-ID"), "rid-1");
	assert_string_equal(req_header(r, "x-request-id"), "rid-1");
	assert_string_equal(req_header(r, "User-Agent"), "curl/8");
	assert_string_equal(req_header(r, "content-type"), "application/json");
	assert_string_equal(req_header(r, "Content-Length"), "12");
	assert_null(req_header(r, "Accept"));
	assert_null(req_header(r, "X-Request"));
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_null(req_header(r, longname));
	fake_free(f);
}

static void
test_cookie_finds_exact_names(void **state)
{
	struct fake *f = fake_new("GET", "/x");
	struct req *r = fake_req(f);

	(void)state;
	assert_null(req_cookie(r, "session"));              /* no Cookie header */
	fake_param(f, "HTTP_COOKIE", "; ;session=abc; theme=dark;lang=en;language=fr; empty=; bare");
	assert_string_equal(req_cookie(r, "session"), "abc");
	assert_string_equal(req_cookie(r, "theme"), "dark");
	assert_string_equal(req_cookie(r, "lang"), "en");
	assert_string_equal(req_cookie(r, "language"), "fr");
	assert_string_equal(req_cookie(r, "empty"), "");
	assert_null(req_cookie(r, "bare"));
	assert_null(req_cookie(r, "sess"));
	assert_null(req_cookie(r, "ession"));
	assert_null(req_cookie(r, "Session"));
	assert_null(req_cookie(r, "missing"));
	fake_free(f);
}

static void
test_cookie_value_may_contain_equals(void **state)
{
	struct fake *f = fake_new("GET", "/x");
	struct req *r = fake_req(f);

	(void)state;
	fake_param(f, "HTTP_COOKIE", "tok=a=b==");
	assert_string_equal(req_cookie(r, "tok"), "a=b==");
	fake_free(f);
}

static void
test_path_params_by_name(void **state)
{
	struct req r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.params[0] = (struct route_param){ "wid", "7" };
	r.params[1] = (struct route_param){ "sym", "BRK.B" };
	r.nparams = 2;
	assert_string_equal(req_path(&r, "wid"), "7");
	assert_string_equal(req_path(&r, "sym"), "BRK.B");
	assert_null(req_path(&r, "id"));
	r.nparams = 1;
	assert_null(req_path(&r, "sym"));
}

/* ---- req_parse_json ---------------------------------------------------- */

static json_object *
parse(const char *body, size_t len, const char **why)
{
	char *copy = malloc(len ? len : 1);
	json_object *o;

	/* exactly len bytes: the parser must not read a terminator */
	memcpy(copy, body, len);
	*why = NULL;
	o = req_parse_json(pool, copy, len, why);
	free(copy);
	return o;
}

#define PARSE(lit, why) parse(lit, sizeof(lit) - 1, why)

static void
test_parse_json_accepts_objects(void **state)
{
	const char *why;
	json_object *o, *v;

	(void)state;
	o = PARSE(" \r\n\t{\"a\":1,\"b\":[true,null,\"x\\u00e9\"],\"c\":{\"d\":-1.5e3}} \n", &why);
	assert_non_null(o);
	assert_null(why);
	assert_true(json_object_object_get_ex(o, "a", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_true(json_object_object_get_ex(o, "b", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 2)), "x\xc3\xa9");
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	                    "{\"a\":1,\"b\":[true,null,\"x\xc3\xa9\"],\"c\":{\"d\":-1.5e3}}");
	o = PARSE("{}", &why);
	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 0);
}

static void
test_parse_json_rejections_say_why(void **state)
{
	static const struct { const char *body; size_t len; const char *why; } cases[] = {
		{ "", 0, "the body is empty" },
		{ "{\"a\":1}\0", 8, "the body is not valid UTF-8" },
		{ "{\"a\":\"\xc3\x28\"}", 10, "the body is not valid UTF-8" },
		{ "{\"a\":\"\xed\xa0\x80\"}", 11, "the body is not valid UTF-8" },
		{ "[1,2]", 5, "the body must be a JSON object" },
		{ "\"s\"", 3, "the body must be a JSON object" },
		{ "{} {}", 5, "the body has data after the JSON value" },
		{ "{\"a\":1}x", 8, "the body has data after the JSON value" },
		{ "{\"a\":01}", 8, "the body is not valid JSON" },
		{ "{\"a\":NaN}", 9, "the body is not valid JSON" },
		{ "{\"a\":1,}", 8, "the body has a malformed object key" },
		{ "{'a':1}", 7, "the body has a malformed object key" },
		{ "{\"a\" 1}", 7, "the body is missing a ':' after a key" },
		{ "{\"a\":\"x", 7, "the body has an unterminated string" },
		{ "{\"a\":\"\t\"}", 9, "the body has a control character in a string" },
		{ "{\"a\":\"\\ud800\"}", 14, "the body has an unpaired surrogate" },
		{ "{\"a\":1.}", 8, "the body has a malformed number" },
		{ "{\"a\":1} /**/", 12, "the body has data after the JSON value" },
		{ "\f{}", 3, "the body is not valid JSON" },
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].body, cases[i].len, &why) != NULL)
			fail_msg("case %zu accepted", i);
		if (why == NULL || strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: why \"%s\", want \"%s\"", i, why ? why : "(null)", cases[i].why);
	}
}

/* Known bug: json-c needs a terminator after a bare top-level number or
 * literal, so these valid JSON texts are reported as invalid JSON. */
static void
test_parse_json_bare_scalar_must_be_object(void **state)
{
	static const char *const scalars[] = { "123", "-1.5", "true", "false", "null", NULL };
	const char *why;

	(void)state;
	for (int i = 0; scalars[i]; i++) {
		assert_null(parse(scalars[i], strlen(scalars[i]), &why));
		if (why == NULL || strcmp(why, "the body must be a JSON object") != 0)
			fail_msg("%s: why \"%s\"", scalars[i], why ? why : "(null)");
	}
}

/* Known bug: "\u0000" passes the checks, and json-c cuts object keys at the
 * NUL, so {"role\u0000x":..} arrives as key "role"; a raw or %-encoded NUL
 * is refused everywhere else. */
static void
test_parse_json_rejects_escaped_nul(void **state)
{
	const char *why;
	json_object *o;

	(void)state;
	o = PARSE("{\"role\\u0000x\":\"admin\"}", &why);
	if (o != NULL)
		fail_msg("accepted; keys: %s", json_object_to_json_string(o));
	o = PARSE("{\"name\":\"a\\u0000b\"}", &why);
	assert_null(o);
}

static void
test_parse_json_nesting_limit(void **state)
{
	char body[2 * REQ_MAX_JSON_DEPTH + 16];
	const char *why;
	size_t k;

	(void)state;
	/* the object itself is one level; REQ_MAX_JSON_DEPTH levels in all */
	k = 0;
	body[k++] = '{';
	body[k++] = '"';
	body[k++] = 'a';
	body[k++] = '"';
	body[k++] = ':';
	for (int i = 0; i < REQ_MAX_JSON_DEPTH - 1; i++)
		body[k++] = '[';
	for (int i = 0; i < REQ_MAX_JSON_DEPTH - 1; i++)
		body[k++] = ']';
	body[k++] = '}';
	assert_non_null(parse(body, k, &why));
	memmove(body + 6, body + 5, k - 5);
	body[5] = '[';
	memmove(body + k + 1, body + k, 1);
	body[k] = ']';
	k += 2;
	assert_null(parse(body, k, &why));
	assert_string_equal(why, "the body is nested too deeply");
}

static void
test_parse_json_object_is_owned_by_the_pool(void **state)
{
	struct pool *p = pool_new();
	const char *why;
	json_object *o;

	(void)state;
	/* LeakSanitizer fails the run if the pool does not release these */
	o = req_parse_json(p, "{\"a\":[1,2,3]}", 13, &why);
	assert_non_null(o);
	assert_null(req_parse_json(p, "[{\"a\":1}]", 9, &why));   /* parsed, then refused */
	pool_json(p, json_object_new_string("owned"));
	pool_free(p);
}

/* ---- req_path_i64_or_reply --------------------------------------------- */

static struct fake *
with_id(const char *value, int64_t *out, int *rc)
{
	struct fake *f = fake_new("GET", "/items/x");
	struct req *r = fake_req(f);

	r->request_id = "rid-0123456789";
	if (value != NULL) {
		r->params[0] = (struct route_param){ "id", value };
		r->nparams = 1;
	}
	*rc = req_path_i64_or_reply(r, "id", out);
	fake_reply(f);
	return f;
}

static void
test_path_i64_accepts_positive_ids(void **state)
{
	static const struct { const char *v; int64_t want; } ok[] = {
		{ "1", 1 }, { "42", 42 }, { "9223372036854775807", INT64_MAX },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t id = -1;
		int rc;
		struct fake *f = with_id(ok[i].v, &id, &rc);

		assert_int_equal(rc, 0);
		assert_true(id == ok[i].want);
		assert_false(f->req.replied);
		assert_int_equal(f->out_len, 0);
		fake_free(f);
	}
}

static void
test_path_i64_replies_404_for_impossible_ids(void **state)
{
	static const char *const bad[] = {
		"0", "-1", "01", "+1", " 1", "1 ", "1.0", "1e3", "abc", "",
		"9223372036854775808", "99999999999999999999999", NULL
	};

	(void)state;
	for (int i = 0; bad[i]; i++) {
		int64_t id = 77;
		int rc;
		struct fake *f = with_id(bad[i], &id, &rc);

		if (rc != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_true(id == 77);
		assert_true(f->req.replied);
		assert_int_equal(f->status, 404);
		assert_int_equal(f->req.status, 404);
		assert_string_equal(fake_error_code(f), "NOT_FOUND");
		assert_string_equal(f->req.error_code, "NOT_FOUND");
		fake_free(f);
	}
}

static void
test_path_i64_missing_param_is_404_envelope(void **state)
{
	int64_t id = 5;
	int rc;
	struct fake *f = with_id(NULL, &id, &rc);

	(void)state;
	assert_int_equal(rc, -1);
	assert_int_equal(f->status, 404);
	assert_string_equal(f->reply_body,
		"{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no such resource\","
		"\"request_id\":\"rid-0123456789\"}}");
	fake_free(f);
}

#define T(name) cmocka_unit_test_setup_teardown(name, unit_setup, unit_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_decode_percent_and_plus),
		T(test_decode_stops_at_n),
		T(test_decode_rejects_bad_escapes),
		T(test_decode_rejects_nul_and_invalid_utf8),
		T(test_query_splits_and_decodes),
		T(test_query_empty_and_separators_only),
		T(test_query_argument_count_limit),
		T(test_query_length_limit),
		T(test_query_rejects_bad_encoding),
		T(test_req_query_returns_first_match),
		T(test_param_matches_whole_name),
		T(test_header_maps_http_names),
		T(test_cookie_finds_exact_names),
		T(test_cookie_value_may_contain_equals),
		T(test_path_params_by_name),
		T(test_parse_json_accepts_objects),
		T(test_parse_json_rejections_say_why),
		T(test_parse_json_bare_scalar_must_be_object),
		T(test_parse_json_rejects_escaped_nul),
		T(test_parse_json_nesting_limit),
		T(test_parse_json_object_is_owned_by_the_pool),
		T(test_path_i64_accepts_positive_ids),
		T(test_path_i64_replies_404_for_impossible_ids),
		T(test_path_i64_missing_param_is_404_envelope),
	};

	setenv("LOG_LEVEL", "error", 1);
	log_init("test_req");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
