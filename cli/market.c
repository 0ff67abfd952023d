/* market.c: `edgescout market import|refresh|demo|backfill`: daily prices
 * into the database, from a CSV file, from the provider chain, or the demo
 * series; the signals of a symbol's stored history. */
#define _XOPEN_SOURCE 700      /* realpath */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "market_fetch.h"
#include "market_store.h"
#include "pool.h"
#include "provider.h"
#include "signal_backfill.h"
#include "url.h"
#include "valid.h"

#define WHAT "market"
#define FILE_MAX (256L << 20)        /* a CSV this large is not daily prices */
#define DEMO_SYMBOL "^GSPC"
#define DEMO_FILE "share/sp500-2000.csv"

/* The real series `market demo` loads (data/README.md says where each comes
 * from), files under DATA_DIR: the first is the one --csv replaces. */
static const struct demo_series {
	const char *symbol, *file;
} demo_series[] = {
	{ DEMO_SYMBOL, DEMO_FILE },
	{ "AAPL", "share/aapl-2013.csv" },
	{ NULL, NULL }
};

static const char market_usage[] =
	"usage: edgescout market import --symbol SYMBOL FILE.csv\n"
	"       edgescout market refresh SYMBOL [--force] [--providers LIST]\n"
	"       edgescout market demo [--csv FILE]\n"
	"       edgescout market backfill SYMBOL [--bars N]\n"
	"\n"
	"import   store the daily candles of FILE.csv (date,open,high,low,close\n"
	"         [,adjclose],volume with a header, ascending dates) as SYMBOL, all\n"
	"         or nothing; storing the same file again changes nothing\n"
	"refresh  bring SYMBOL up to date through the provider chain\n"
	"         (MARKET_PROVIDERS, or LIST); --force skips cached replies\n"
	"demo     load the demo series through the csv provider from file:// URLs:\n"
	"         the S&P 500 as " DEMO_SYMBOL " (DATA_DIR/" DEMO_FILE ") and Apple as\n"
	"         AAPL (2013-2018); with --csv FILE, FILE as " DEMO_SYMBOL " only\n"
	"backfill store the signals the analysis would have issued at each of\n"
	"         SYMBOL's last N stored bars (all by default), source backfill:\n"
	"         momentum, and value when SYMBOL has no fundamentals; signals\n"
	"         already stored are kept, so a second run writes none\n"
	"\n"
	"Connects as the app role (DATABASE_URL). Exit status: 0 ok, 1 failure,\n"
	"2 usage.\n";

/* Print a usage problem; returns the usage exit status. */
static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("edgescout: market: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see edgescout market --help)\n", stderr);
	return 2;
}

/* A progress line, shown only on a terminal. */
static void
progress(const char *what, size_t n)
{
	if (!isatty(2))
		return;
	fprintf(stderr, "\r\033[K%s: %zu", what, n);
	fflush(stderr);
}

static void
progress_end(void)
{
	if (isatty(2))
		fputs("\r\033[K", stderr);
}

/* path's contents in pool memory; NULL after printing why. */
static char *
read_file(struct pool *p, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "edgescout: market: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf_init(&b, p);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > (size_t)FILE_MAX) {
			fprintf(stderr, "edgescout: market: %s is larger than %ld MiB\n", path,
			        FILE_MAX >> 20);
			fclose(f);
			return NULL;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "edgescout: market: cannot read %s: %s\n", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return (char *)buf_cstr(&b);
}

/* `market import --symbol S FILE` */
static int
market_import(struct pool *p, int argc, char **argv)
{
	char *symbol = NULL;
	const char *file = NULL, *msg = "";
	struct candles c = { NULL, 0 };
	enum provider_status st;
	size_t len = 0;
	char *body;
	int changed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--symbol") == 0 && i + 1 < argc)
			symbol = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error("unknown or incomplete option '%s'", argv[i]);
		else if (file == NULL)
			file = argv[i];
		else
			return usage_error("one FILE only, not also '%s'", argv[i]);
	}
	if (symbol == NULL || file == NULL)
		return usage_error("import needs --symbol SYMBOL and FILE");
	valid_symbol_normalise(symbol);
	if (!valid_symbol(symbol))
		return usage_error("'%s' is not a ticker symbol (A-Z 0-9 . -, ^ for an index)",
		                   symbol);
	if ((body = read_file(p, file, &len)) == NULL)
		return 1;
	st = provider_parse_csv(p, 0, body, len, &c, &msg);
	if (st != PROVIDER_OK) {
		progress_end();
		fprintf(stderr, "edgescout: market: %s: %s%s\n", file, msg,
		        st == PROVIDER_NO_DATA ? " (nothing to import)" : "");
		return 1;
	}
	progress("rows parsed", c.n);
	if (market_store_candles(p, symbol, "csv", &c, &changed) < 0) {
		progress_end();
		fprintf(stderr, "edgescout: market: %s: the database refused the series; "
		        "nothing stored\n", file);
		return 1;
	}
	progress("rows stored", c.n);
	progress_end();
	printf("%s: %zu candles (%d changed) from %s\n", symbol, c.n, changed, file);
	return 0;
}

/* Print the outcome of a refresh; the exit status. */
static int
report(const char *symbol, enum provider_status st, const struct market_refresh *m)
{
	if (st == PROVIDER_OK) {
		printf("%s: %zu candles (%d changed) from %s%s%s\n", symbol, m->candles,
		       m->changed, m->used, m->fundamentals ? ", with fundamentals" : "",
		       m->stale ? " (a stale cached copy: the provider failed)" : "");
		if (strchr(m->message, ';') != NULL)   /* providers that failed first */
			printf("  %s\n", m->message);
		return 0;
	}
	fprintf(stderr, "edgescout: market: %s: %s: %s\n", symbol, provider_status_name(st),
	        m->message);
	return 1;
}

/* `market refresh SYMBOL [--force] [--providers LIST]` */
static int
market_refresh_cmd(struct pool *p, int argc, char **argv)
{
	struct market_refresh m = { 0 };
	char *symbol = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			m.force = 1;
		else if (strcmp(argv[i], "--providers") == 0 && i + 1 < argc)
			m.chain = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0' && argv[i][0] != '^')
			return usage_error("unknown or incomplete option '%s'", argv[i]);
		else if (symbol == NULL)
			symbol = argv[i];
		else
			return usage_error("one SYMBOL only, not also '%s'", argv[i]);
	}
	if (symbol == NULL)
		return usage_error("refresh needs a SYMBOL");
	valid_symbol_normalise(symbol);
	if (!valid_symbol(symbol))
		return usage_error("'%s' is not a ticker symbol (A-Z 0-9 . -, ^ for an index)",
		                   symbol);
	return report(symbol, market_refresh_run(p, symbol, &m), &m);
}

/* path as a file:// URL (absolute, percent-encoded); NULL after printing. */
static const char *
file_url(struct pool *p, const char *path)
{
	char abs[PATH_MAX];

	if (realpath(path, abs) == NULL) {
		fprintf(stderr, "edgescout: market: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	return pool_printf(p, "file://%s", url_encode(p, abs, 1));
}

/* Load file as symbol through the csv provider; 0, or 1 after printing. */
static int
demo_load(struct pool *p, const char *symbol, const char *file)
{
	struct market_refresh m = { .chain = "csv", .force = 1 };

	if ((m.csv_template = file_url(p, file)) == NULL)
		return 1;
	return report(symbol, market_refresh_run(p, symbol, &m), &m);
}

/* `market demo [--csv FILE]` */
static int
market_demo(struct pool *p, int argc, char **argv)
{
	const char *dir = config_get("DATA_DIR"), *file = NULL;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			file = argv[++i];
		else
			return usage_error("unknown or incomplete option '%s'", argv[i]);
	}
	if (file != NULL)
		return demo_load(p, DEMO_SYMBOL, file);
	if (dir == NULL || *dir == '\0')
		dir = ".";
	for (const struct demo_series *d = demo_series; d->symbol != NULL; d++)
		rc |= demo_load(p, d->symbol, pool_printf(p, "%s/%s", dir, d->file));
	return rc;
}

/* `market backfill SYMBOL [--bars N]` */
static int
market_backfill(struct pool *p, int argc, char **argv)
{
	char *symbol = NULL;
	char *end;
	long bars = 0;
	int written = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bars") == 0 && i + 1 < argc) {
			errno = 0;
			bars = strtol(argv[++i], &end, 10);
			if (errno != 0 || end == argv[i] || *end != '\0' || bars < 1 ||
			    bars > 1000000)
				return usage_error("--bars needs a whole number of bars from 1 "
				                   "to 1000000, not '%s'", argv[i]);
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage_error("unknown or incomplete option '%s'", argv[i]);
		} else if (symbol == NULL) {
			symbol = argv[i];
		} else {
			return usage_error("one SYMBOL only, not also '%s'", argv[i]);
		}
	}
	if (symbol == NULL)
		return usage_error("backfill needs a SYMBOL");
	valid_symbol_normalise(symbol);
	if (!valid_symbol(symbol))
		return usage_error("'%s' is not a ticker symbol (A-Z 0-9 . -, ^ for an index)",
		                   symbol);
	rc = signal_backfill(p, symbol, (int)bars, &written);
	if (rc == 1) {
		fprintf(stderr, "edgescout: market: %s: no stored prices (market import, "
		        "refresh or demo first)\n", symbol);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "edgescout: market: %s: the backfill failed (%s); nothing "
		        "written\n", symbol, *db_sqlstate() ? db_sqlstate() : "database");
		return 1;
	}
	printf("%s: %d signals written\n", symbol, written);
	return 0;
}

/* `edgescout market SUBCOMMAND ...`: argv[0] is "market". */
int
cmd_market(int argc, char **argv)
{
	struct pool *p;
	int rc;

	if (argc < 2 || cli_wants_help(argc, argv, 1)) {
		fputs(market_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (getenv("LOG_LEVEL") == NULL)
		setenv("LOG_LEVEL", "error", 1);   /* the command speaks for itself */
	log_init("edgescout");
	p = pool_new();
	if (strcmp(argv[1], "import") == 0)
		rc = market_import(p, argc - 1, argv + 1);
	else if (strcmp(argv[1], "refresh") == 0)
		rc = market_refresh_cmd(p, argc - 1, argv + 1);
	else if (strcmp(argv[1], "demo") == 0)
		rc = market_demo(p, argc - 1, argv + 1);
	else if (strcmp(argv[1], "backfill") == 0)
		rc = market_backfill(p, argc - 1, argv + 1);
	else
		rc = usage_error("unknown subcommand '%s'", argv[1]);
	pool_free(p);
	db_close();
	http_cleanup();
	return rc;
}
