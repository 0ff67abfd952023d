/* test_reply_rows_db.c: database rows as reply JSON by column descriptors
 * (common/store/reply_rows.h), on real results of the test stack's PostgreSQL:
 * each type, SQL NULL in nullable and NOT NULL columns, numbers printed
 * shortest exact, limits. Tests named *_db get the stack's
 * EDGESCOUT_ENV_FILE. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "app.h"
#include "jsonv.h"
#include "reply_rows.h"

static struct pool *pool;

/* Three rows; the first is all NULL, the last has a NaN and text that is
 * not JSON. */
static const char SQL_ROWS[] =
	"SELECT * FROM (VALUES "
	"  (1::bigint, 'a\"b'::text, 2.50::numeric, true, '{\"k\": [1, 2]}'::text, "
	"   0.1::float8, 9007199254740993::bigint), "
	"  (NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
	"  (3, '', 'NaN'::numeric, false, 'not json', 1e16::float8, -1)"
	") AS t(i, s, n, b, j, f, big) ORDER BY i NULLS FIRST";

static const struct reply_col ALL_NULLABLE[] = {
	{ "i", 0, RCOL_INT, RCOL_NULLABLE },
	{ "s", 1, RCOL_TEXT, RCOL_NULLABLE },
	{ "n", 2, RCOL_NUMBER, RCOL_NULLABLE },
	{ "b", 3, RCOL_BOOL, RCOL_NULLABLE },
	{ "j", 4, RCOL_JSON, RCOL_NULLABLE },
	{ "f", 5, RCOL_NUMBER, RCOL_NULLABLE },
	{ "big", 6, RCOL_INT, RCOL_NULLABLE },
	{ NULL }
};

static const struct reply_col NONE_NULLABLE[] = {
	{ "i", 0, RCOL_INT, 0 },
	{ "s", 1, RCOL_TEXT, 0 },
	{ "n", 2, RCOL_NUMBER, 0 },
	{ "b", 3, RCOL_BOOL, 0 },
	{ "j", 4, RCOL_JSON, 0 },
	{ NULL }
};

static PGresult *
rows(void)
{
	PGresult *res = db_query(pool, SQL_ROWS, NULL, 0);

	if (res == NULL)
		fail_msg("query failed: %s", SQL_ROWS);
	assert_int_equal(PQntuples(res), 3);
	return res;
}

static void
assert_json(json_object *o, const char *want)
{
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                    JSON_C_TO_STRING_NOSLASHESCAPE), want);
}

static void
test_each_type_and_null(void **state)
{
	PGresult *res = rows();
	json_object *o;

	(void)state;
	o = pool_json(pool, reply_row_json(res, 0, ALL_NULLABLE));
	assert_json(o, "{\"i\":null,\"s\":null,\"n\":null,\"b\":null,\"j\":null,\"f\":null,"
	               "\"big\":null}");
	o = pool_json(pool, reply_row_json(res, 1, ALL_NULLABLE));
	assert_json(o, "{\"i\":1,\"s\":\"a\\\"b\",\"n\":2.5,\"b\":true,\"j\":{\"k\":[1,2]},"
	               "\"f\":0.1,\"big\":9007199254740993}");
	o = pool_json(pool, reply_row_json(res, 2, ALL_NULLABLE));
	assert_json(o, "{\"i\":3,\"s\":\"\",\"n\":null,\"b\":false,\"j\":null,"
	               "\"f\":1e+16,\"big\":-1}");
	/* NOT NULL columns that are NULL anyway give the type's zero */
	o = pool_json(pool, reply_row_json(res, 0, NONE_NULLABLE));
	assert_json(o, "{\"i\":0,\"s\":\"\",\"n\":0,\"b\":false,\"j\":{}}");
	o = pool_json(pool, reply_row_json(res, 2, NONE_NULLABLE));
	assert_json(o, "{\"i\":3,\"s\":\"\",\"n\":null,\"b\":false,\"j\":{}}");
	pool_reset(pool);
}

static void
test_rows_limit_and_add(void **state)
{
	PGresult *res = rows();
	json_object *a, *o;

	(void)state;
	a = pool_json(pool, reply_rows_json(res, -1, NONE_NULLABLE));
	assert_int_equal(json_object_array_length(a), 3);
	a = pool_json(pool, reply_rows_json(res, 2, NONE_NULLABLE));
	assert_int_equal(json_object_array_length(a), 2);
	assert_json(json_object_array_get_idx(a, 1),
	            "{\"i\":1,\"s\":\"a\\\"b\",\"n\":2.5,\"b\":true,\"j\":{\"k\":[1,2]}}");
	a = pool_json(pool, reply_rows_json(res, 9, NONE_NULLABLE));
	assert_int_equal(json_object_array_length(a), 3);
	a = pool_json(pool, reply_rows_json(res, 0, NONE_NULLABLE));
	assert_json(a, "[]");
	o = pool_json_object(pool);
	json_object_object_add(o, "first", json_object_new_int(7));
	reply_row_add(o, res, 2, (const struct reply_col[]){ { "s", 1, RCOL_TEXT, 0 },
	                                                     { "b", 3, RCOL_BOOL, 0 },
	                                                     { NULL } });
	assert_json(o, "{\"first\":7,\"s\":\"\",\"b\":false}");
	pool_reset(pool);
}

/* float8 columns are written as PostgreSQL's own text: the same text as
 * jsonv_number prints for the value, over doubles of every magnitude and
 * sign, with PostgreSQL's default extra_float_digits and with 0 (15
 * digits, not exact: then both print those 15). */
static void
test_float8_text_is_the_shortest_number(void **state)
{
	static const char SQL_VALUES[] =
		"SELECT v FROM (SELECT (random() - 0.5) * 10 ^ (floor(random() * 44) - 22) AS v "
		"  FROM generate_series(1, 20000) "
		"  UNION ALL SELECT unnest('{0, -0, 1e-4, 9.99999999999999e-5, 1e15, 1e15, "
		"  999999999999999.9, 0.1, 1e-300, 1.7976931348623157e308, 5e-324, 100, 2.5, "
		"  NaN, Infinity, -Infinity}'::float8[])) AS t";
	const char *settings[] = { "SET extra_float_digits = 1", "SET extra_float_digits = 0" };
	char want[JSONV_NUMBER_MAX];

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		PGresult *res;

		assert_non_null(db_query(pool, settings[k], NULL, 0));
		res = db_query(pool, SQL_VALUES, NULL, 0);
		assert_non_null(res);
		assert_true(PQntuples(res) > 20000);
		for (int i = 0; i < PQntuples(res); i++) {
			json_object *o = pool_json(pool, reply_col_json(res, i, 0, RCOL_NUMBER, 0));
			double v = strtod(PQgetvalue(res, i, 0), NULL);

			if (jsonv_shortest(want, sizeof(want), v) < 0)
				snprintf(want, sizeof(want), "null");
			assert_string_equal(json_object_to_json_string(o), want);
		}
		pool_reset(pool);
	}
	assert_non_null(db_query(pool, "RESET extra_float_digits", NULL, 0));
	pool_reset(pool);
}

static void
test_decimals_stay_exact(void **state)
{
	static const struct reply_col cols[] = {
		{ "d", 0, RCOL_DECIMAL, 0 }, { "t", 1, RCOL_DECIMAL, 0 },
		{ "n", 2, RCOL_DECIMAL, RCOL_NULLABLE }, { "nan", 3, RCOL_DECIMAL, 0 },
		{ NULL }
	};
	PGresult *res = db_query(pool, "SELECT 0.1000000000000000000000001::numeric, "
	                         "(0.3 - 0.1) * 3 - 0.10, NULL::numeric, 'NaN'::numeric",
	                         DB_NOARGS);

	(void)state;
	assert_non_null(res);
	/* never through a double: 0.1 + 1e-25 and 0.50 as the database wrote them */
	assert_json(pool_json(pool, reply_row_json(res, 0, cols)),
	            "{\"d\":0.1000000000000000000000001,\"t\":0.50,\"n\":null,\"nan\":null}");
	pool_reset(pool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_type_and_null),
		cmocka_unit_test(test_rows_limit_and_add),
		cmocka_unit_test(test_float8_text_is_the_shortest_number),
		cmocka_unit_test(test_decimals_stay_exact),
	};
	char err[256] = "";
	int rc;

	if (config_load(NULL, err, sizeof(err)) != 0 || config_get("DATABASE_URL") == NULL) {
		fprintf(stderr, "test_reply_rows_db: needs EDGESCOUT_ENV_FILE of a stack %s\n", err);
		return 1;
	}
	setenv("LOG_LEVEL", "error", 1);
	log_init("test_reply_rows_db");
	pool = pool_new();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	pool_free(pool);
	db_close();
	return rc;
}
