/* stream.c: `edgescout stream publish`: publish the hits not yet on the
 * live stream (the scan jobs do it after each run; this catches up by hand,
 * after the stream was down). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "pool.h"
#include "stream_pub.h"

static const char stream_usage[] =
	"usage: edgescout stream publish\n"
	"  publish every hit not yet published to the live stream's topics\n"
	"  (markets, odds, deals) through nginx's socket in RUN_DIR\n";

/* `edgescout stream SUBCOMMAND`: argv[0] is "stream". */
int
cmd_stream(int argc, char **argv)
{
	struct pool *p;
	int n, total = 0, rc;

	if (argc < 2 || cli_wants_help(argc, argv, 1)) {
		fputs(stream_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc > 2 || strcmp(argv[1], "publish") != 0) {
		fprintf(stderr, "edgescout: stream: unknown subcommand or extra argument\n%s",
		        stream_usage);
		return 2;
	}
	if (getenv("LOG_LEVEL") == NULL)
		setenv("LOG_LEVEL", "error", 1);
	log_init("edgescout");
	p = pool_new();
	while ((rc = stream_publish_hits(p, 500, &n)) == 0 && n > 0)
		total += n;
	if (rc == 0)
		printf("stream: %d hit(s) published\n", total);
	else
		fprintf(stderr, "edgescout: stream: publishing stopped after %d hit(s) "
		        "(stream or database down)\n", total + n);
	pool_free(p);
	db_close();
	return rc == 0 ? 0 : 1;
}
