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
#include "clock.h"
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
	"usage: edgescout market import --symbol SYMBOL FILE.csv [--symbol S2 FILE2.csv ...]\n"
	"       edgescout market refresh SYMBOL [--force] [--providers LIST]\n"
	"       edgescout market demo [--csv FILE]\n"
	"       edgescout market backfill SYMBOL [--bars N]\n"
	"\n"
	"import   store the daily candles of FILE.csv (date,open,high,low,close\n"
	"         [,adjclose],volume with a header, ascending dates, each once, none\n"
	"         after tomorrow (UTC), whole share volumes) as SYMBOL, and of each\n"
	"         further FILE as its --symbol: all or nothing, in one transaction\n"
	"         (COPY into a staging table, one merge); storing the same file\n"
	"         again changes nothing; progress on a terminal\n"
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
static void __attribute__((format(printf, 1, 2)))
progress(const char *fmt, ...)
{
	va_list ap;

	if (!isatty(2))
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

static void
progress_end(void)
{
	if (isatty(2))
		fputs("\r\033[K", stderr);
}

/* What an import shows while it sends its rows. */
struct import_meter {
	double start;              /* clock_now() when the import began */
};

/* Rows per second since the meter started. */
static double
rows_per_second(const struct import_meter *m, size_t rows)
{
	double s = clock_now() - m->start;

	return s > 0 ? (double)rows / s : 0;
}

/* market_import_progress: percent sent and rows per second. */
static void
import_progress(void *arg, size_t sent, size_t total)
{
	const struct import_meter *m = arg;

	progress("storing: %3.0f%% (%zu of %zu rows, %.0f rows/s)",
	         total ? 100.0 * (double)sent / (double)total : 100.0, sent, total,
	         rows_per_second(m, sent));
	if (sent == total)
		progress("merging %zu rows into the stored candles...", total);
}

/* path's contents in pool memory; NULL after printing why. */
static char *
read_file(struct pool *p, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[1 << 18];
	long size = -1;
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "edgescout: market: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0)
		rewind(f);
	buf_init(&b, p);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > (size_t)FILE_MAX) {
			progress_end();
			fprintf(stderr, "edgescout: market: %s is larger than %ld MiB\n", path,
			        FILE_MAX >> 20);
			fclose(f);
			return NULL;
		}
		if (size > 0)
			progress("reading %s: %3.0f%%", path, 100.0 * (double)b.len / (double)size);
	}
	if (ferror(f)) {
		progress_end();
		fprintf(stderr, "edgescout: market: cannot read %s: %s\n", path, strerror(errno));
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = b.len;
	return (char *)buf_cstr(&b);
}

/* Pair the --symbol S and FILE arguments of an import, in order, into
 * *out (n of them); 0, or the usage exit status after saying why. */
static int
import_args(struct pool *p, int argc, char **argv, struct market_series **out,
    const char ***files, size_t *n)
{
	size_t ns = 0, nf = 0, max = (size_t)argc;
	const char **syms = pool_alloc(p, sizeof(*syms) * max);

	*files = pool_alloc(p, sizeof(**files) * max);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--symbol") == 0 && i + 1 < argc) {
			valid_symbol_normalise(argv[++i]);
			syms[ns++] = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error("unknown or incomplete option '%s'", argv[i]);
		else
			(*files)[nf++] = argv[i];
	}
	if (ns == 0 || nf == 0)
		return usage_error("import needs --symbol SYMBOL and FILE");
	if (ns != nf)
		return usage_error("%zu --symbol and %zu FILE: one FILE after each --symbol, "
		                   "not also '%s'", ns, nf, nf > ns ? (*files)[ns] : syms[nf]);
	*out = pool_alloc(p, sizeof(**out) * ns);
	for (size_t i = 0; i < ns; i++) {
		if (!valid_symbol(syms[i]))
			return usage_error("'%s' is not a ticker symbol (A-Z 0-9 . -, ^ for an "
			                   "index)", syms[i]);
		for (size_t j = 0; j < i; j++)
			if (strcmp(syms[i], syms[j]) == 0)
				return usage_error("--symbol %s twice: one FILE per symbol", syms[i]);
		(*out)[i].symbol = syms[i];
		(*out)[i].c = NULL;
		(*out)[i].changed = 0;
	}
	*n = ns;
	return 0;
}

/* `market import --symbol S FILE [--symbol S2 FILE2 ...]` */
static int
market_import(struct pool *p, int argc, char **argv)
{
	struct import_meter meter = { clock_now() };
	struct market_series *s = NULL;
	const char **files = NULL, *msg = "", *why;
	enum provider_status st;
	size_t n = 0, len = 0, total = 0;
	char *body;
	int rc;

	if ((rc = import_args(p, argc, argv, &s, &files, &n)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct candles *c = pool_alloc(p, sizeof(*c));

		if ((body = read_file(p, files[i], &len)) == NULL)
			return 1;
		progress("parsing %s", files[i]);
		st = provider_parse_csv(p, 0, body, len, c, &msg);
		if (st != PROVIDER_OK) {
			progress_end();
			fprintf(stderr, "edgescout: market: %s: %s%s; nothing stored\n", files[i], msg,
			        st == PROVIDER_NO_DATA ? " (nothing to import)" : "");
			return 1;
		}
		s[i].c = c;
		total += c->n;
	}
	if (market_import_series(p, s, n, "csv", import_progress, &meter, &why) < 0) {
		progress_end();
		fprintf(stderr, "edgescout: market: %s%s: %s; nothing stored\n", files[0],
		        n > 1 ? " and the other files" : "", why);
		return 1;
	}
	progress_end();
	for (size_t i = 0; i < n; i++)
		printf("%s: %zu candles (%lld changed) from %s\n", s[i].symbol, s[i].c->n,
		       (long long)s[i].changed, files[i]);
	if (n > 1 || isatty(2))
		fprintf(n > 1 ? stdout : stderr, "%zu candles of %zu symbol%s in %.1f s "
		        "(%.0f rows/s)\n", total, n, n > 1 ? "s" : "", clock_now() - meter.start,
		        rows_per_second(&meter, total));
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
