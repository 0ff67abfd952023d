/* routes.c: `edgescout routes`: every binary's route table, from the binaries. */
#include "cli.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binaries.h"
#include "buf.h"
#include "pool.h"


struct route_row {
	const char *binary, *method, *path, *flags;
};

struct table {
	struct route_row *rows;
	size_t n, cap;
};

/* Add the METHOD<TAB>PATH<TAB>FLAGS lines of text to t. 0, or -1 with the
 * faulty line in err. */
static int
parse_routes(struct pool *p, const char *binary, char *text, struct table *t,
             char *err, size_t errlen)
{
	char *save = NULL;
	int lineno = 0;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab1, *tab2;
		size_t len = strlen(line);

		lineno++;
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		tab1 = strchr(line, '\t');
		tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (tab1 == NULL || tab2 == NULL || strchr(tab2 + 1, '\t') != NULL ||
		    tab1 == line || tab1[1] != '/' ||
		    strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != (size_t)(tab1 - line)) {
			snprintf(err, errlen, "--routes line %d is not METHOD<TAB>/PATH<TAB>FLAGS",
			         lineno);
			return -1;
		}
		*tab1 = *tab2 = '\0';
		if (t->n == t->cap) {
			struct route_row *bigger;

			t->cap = t->cap ? t->cap * 2 : 64;
			bigger = pool_alloc(p, t->cap * sizeof(*bigger));
			if (t->n)
				memcpy(bigger, t->rows, t->n * sizeof(*bigger));
			t->rows = bigger;
		}
		t->rows[t->n].binary = binary;
		t->rows[t->n].method = pool_strdup(p, line);
		t->rows[t->n].path = pool_strdup(p, tab1 + 1);
		t->rows[t->n].flags = pool_strdup(p, *(tab2 + 1) ? tab2 + 1 : "-");
		t->n++;
	}
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct route_row *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c == 0)
		c = strcmp(x->method, y->method);
	return c ? c : strcmp(x->binary, y->binary);
}

static void
print_json(const struct table *t)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < t->n; i++) {
		json_object *o = json_object_new_object(), *flags = json_object_new_array();
		char *copy = strdup(t->rows[i].flags), *save = NULL;

		if (copy == NULL)
			abort();
		if (strcmp(copy, "-") != 0)
			for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save))
				json_object_array_add(flags, json_object_new_string(f));
		free(copy);
		json_object_object_add(o, "binary", json_object_new_string(t->rows[i].binary));
		json_object_object_add(o, "method", json_object_new_string(t->rows[i].method));
		json_object_object_add(o, "path", json_object_new_string(t->rows[i].path));
		json_object_object_add(o, "flags", flags);
		json_object_array_add(arr, o);
	}
	puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
	     JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

static void
print_table(const struct table *t)
{
	int bw = 6, mw = 6, pw = 4;

	for (size_t i = 0; i < t->n; i++) {
		int b = (int)strlen(t->rows[i].binary), m = (int)strlen(t->rows[i].method);
		int q = (int)strlen(t->rows[i].path);

		bw = b > bw ? b : bw;
		mw = m > mw ? m : mw;
		pw = q > pw ? q : pw;
	}
	printf("%-*s  %-*s  %-*s  %s\n", bw, "BINARY", mw, "METHOD", pw, "PATH", "FLAGS");
	for (size_t i = 0; i < t->n; i++)
		printf("%-*s  %-*s  %-*s  %s\n", bw, t->rows[i].binary, mw, t->rows[i].method,
		       pw, t->rows[i].path, t->rows[i].flags);
}

static const char routes_usage[] =
	"usage: edgescout routes [--bin DIR] [--json]\n"
	"Run every executable in DIR (default $EDGESCOUT_BIN_DIR, else build/cgi-bin)\n"
	"with --routes and print binary, method, path and flags, sorted by path.\n"
	"A route served by two binaries is an error (exit 1).\n";

/* `edgescout routes [--bin DIR] [--json]`: argv[0] is "routes". */
int
cmd_routes(int argc, char **argv)
{
	struct pool *p;
	struct table t = { NULL, 0, 0 };
	const char *dir = getenv("EDGESCOUT_BIN_DIR"), **names;
	size_t nnames;
	int json = 0, rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(routes_usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--bin") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strncmp(argv[i], "--bin=", 6) == 0) {
			dir = argv[i] + 6;
		} else {
			fprintf(stderr, "edgescout: routes: unknown argument '%s'\n", argv[i]);
			fputs(routes_usage, stderr);
			return 2;
		}
	}
	if (dir == NULL || *dir == '\0')
		dir = "build/cgi-bin";
	p = pool_new();
	if (binaries_list(p, dir, &names, &nnames) < 0)
		goto out;
	if (nnames == 0) {
		fprintf(stderr, "edgescout: routes: %s: no executables\n", dir);
		goto out;
	}
	rc = 0;
	for (size_t i = 0; i < nnames; i++) {
		struct buf out;
		char err[256];

		buf_init(&out, p);
		if (binaries_run(pool_printf(p, "%s/%s", dir, names[i]), "--routes", &out, err,
		                   sizeof(err)) < 0 ||
		    (out.len > 0 &&
		     parse_routes(p, names[i], out.data, &t, err, sizeof(err)) < 0)) {
			fprintf(stderr, "edgescout: routes: %s/%s: %s\n", dir, names[i], err);
			rc = 1;
		}
	}
	if (t.n > 1)
		qsort(t.rows, t.n, sizeof(*t.rows), row_cmp);
	for (size_t i = 1; i < t.n; i++) {
		if (strcmp(t.rows[i].path, t.rows[i - 1].path) == 0 &&
		    strcmp(t.rows[i].method, t.rows[i - 1].method) == 0) {
			fprintf(stderr, "edgescout: routes: %s %s: served by both %s and %s\n",
			        t.rows[i].method, t.rows[i].path, t.rows[i - 1].binary,
			        t.rows[i].binary);
			rc = 1;
		}
	}
	if (json)
		print_json(&t);
	else
		print_table(&t);
out:
	pool_free(p);
	return rc;
}
