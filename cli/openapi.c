/* openapi.c: `edgescout openapi`: the OpenAPI 3.1 document of every binary's
 * route table, from the binaries themselves (`X --openapi`). */
#include "cli.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "openapi_doc.h"

static const char openapi_usage[] =
	"usage: edgescout openapi [--bin DIR] [--out FILE]\n"
	"Run every executable in DIR (default $EDGESCOUT_BIN_DIR, else build/cgi-bin)\n"
	"with --openapi and print one OpenAPI 3.1 document (JSON, which is also YAML)\n"
	"of all their routes: parameters, bodies, security, replies and errors.\n"
	"A method and path served by two binaries is an error (exit 1).\n";

/* `edgescout openapi [--bin DIR] [--out FILE]`: argv[0] is "openapi". */
int
cmd_openapi(int argc, char **argv)
{
	const char *dir = getenv("EDGESCOUT_BIN_DIR"), *out_path = NULL;
	json_object *doc;
	FILE *f;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(openapi_usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--bin") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			out_path = argv[++i];
		} else {
			fprintf(stderr, "edgescout: openapi: unknown argument '%s'\n", argv[i]);
			fputs(openapi_usage, stderr);
			return 2;
		}
	}
	if (dir == NULL || *dir == '\0')
		dir = "build/cgi-bin";
	if ((doc = openapi_collect(dir, build_version)) == NULL)
		return 1;
	f = out_path ? fopen(out_path, "w") : stdout;
	if (f == NULL) {
		perror(out_path);
	} else {
		fprintf(f, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
		        JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
		rc = (f == stdout ? fflush(f) : fclose(f)) == 0 ? 0 : 1;
	}
	json_object_put(doc);
	return rc;
}
