/* cron.c: `edgescout cron list | install | run`: the jobs and how they did,
 * the system crontab written from the schedule table, and one job now. */
#define _XOPEN_SOURCE 700      /* realpath */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "job.h"
#include "log.h"
#include "pool.h"

#define DEFAULT_OUT "/etc/cron.d/edgescout"

static const char cron_usage[] =
	"usage: edgescout cron list [--json]\n"
	"       edgescout cron install [--bin DIR] [--env FILE] [--log DIR] [--user USER]\n"
	"                              [--out FILE|-] [--no-declare|--declare]\n"
	"       edgescout cron run JOB [ARGS...]\n"
	"\n"
	"list     every job: schedule, state (ok, failing, pending, stale,\n"
	"         unscheduled), last run and last success, from job_runs\n"
	"install  write the crontab of every job for the system cron, paths filled\n"
	"         in, and print it: by default " DEFAULT_OUT " with a user\n"
	"         column (USER defaults to the env file's owner); --out FILE writes\n"
	"         FILE instead (a user crontab, without the column unless --user),\n"
	"         --out - prints it and writes nothing anywhere (--declare: and\n"
	"         declares the jobs). DIR holds cron/ (default: next to this\n"
	"         command or EDGESCOUT_BIN_DIR); FILE defaults to EDGESCOUT_ENV_FILE;\n"
	"         the log directory to DATA_DIR/log. Each job whose binary exists is\n"
	"         declared in job_schedules (staleness counts from now), the others\n"
	"         undeclared, unless --no-declare or --out -. JOB_SCHEDULE_<NAME> changes a\n"
	"         job's schedule.\n"
	"run      run BIN/cron/JOB now with ARGS (--dry-run, --help); its exit\n"
	"         status is this command's\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage.\n";

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("edgescout: cron: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see edgescout cron --help)\n", stderr);
	return 2;
}

static int __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	fputs("edgescout: cron: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* 1 when s is an absolute path a crontab line can carry as it is. */
static int
safe_path(const char *s)
{
	if (s == NULL || s[0] != '/' || strlen(s) >= PATH_MAX)
		return 0;
	return s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                   "0123456789/._+-")] == '\0';
}

static int
safe_user(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 32 && ((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_') &&
	       s[strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-")] == '\0';
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory holding cron/: next to EDGESCOUT_BIN_DIR (the stack's
 * cgi-bin), next to this command, or PREFIX/lib/edgescout; NULL if none. */
static const char *
default_bin(struct pool *p)
{
	const char *cgi = config_get("EDGESCOUT_BIN_DIR");
	char exe[PATH_MAX], real[PATH_MAX];
	const char *cand[3] = { NULL, NULL, NULL };
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (cgi != NULL && *cgi != '\0')
		cand[0] = pool_printf(p, "%s/..", cgi);
	if (n > 0) {
		exe[n] = '\0';
		*strrchr(exe, '/') = '\0';
		cand[1] = pool_strdup(p, exe);
		cand[2] = pool_printf(p, "%s/../lib/edgescout", exe);
	}
	for (int i = 0; i < 3; i++)
		if (cand[i] && is_dir(pool_printf(p, "%s/cron", cand[i])) &&
		    realpath(cand[i], real) != NULL)
			return pool_strdup(p, real);
	return NULL;
}

/* ---- list ----------------------------------------------------------------- */

/* An RFC 3339 time to the second, "-" for none. */
static const char *
short_time(struct pool *p, const char *t)
{
	return *t ? pool_printf(p, "%.19sZ", t) : "-";
}

static int
cron_list(struct pool *p, int argc, char **argv)
{
	struct job_status *jobs;
	int json = 0, n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return usage_error("unknown option '%s'", argv[i]);
	}
	if ((n = job_status_list(p, &jobs)) < 0)
		return fail("the database cannot say how the jobs did (is it up, and migrated?)");
	if (json) {
		json_object *arr = json_object_new_array();

		for (int i = 0; i < n; i++)
			json_object_array_add(arr, job_status_json(&jobs[i]));
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
		                                         JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
		return 0;
	}
	printf("%-14s %-13s %-11s %-20s %-7s %7s %8s  %s\n", "JOB", "SCHEDULE", "STATE",
	       "LAST RUN", "STATUS", "ITEMS", "SECONDS", "LAST SUCCESS");
	for (int i = 0; i < n; i++) {
		const struct job_status *j = &jobs[i];

		printf("%-14s %-13s %-11s %-20s %-7s %7s %8s  %s\n", j->name,
		       *j->schedule ? j->schedule : "-", j->state,
		       short_time(p, j->last_started_at), *j->last_status ? j->last_status : "-",
		       j->last_items >= 0 ? pool_printf(p, "%lld", (long long)j->last_items) : "-",
		       j->last_duration >= 0 ? pool_printf(p, "%.2f", j->last_duration) : "-",
		       short_time(p, j->last_success_at));
		if (*j->last_error && strcmp(j->last_status, "failed") == 0)
			printf("%14s error: %s\n", "", j->last_error);
	}
	return 0;
}

/* ---- install ----------------------------------------------------------------- */

struct install {
	const char *bin, *env, *log, *user, *out;
	int declare;   /* 1 yes, 0 no, -1 unless the crontab is only printed */
};

/* Write text to path through a temporary file in the same directory (cron
 * ignores names with a dot), mode 0644; 0 or -1 after printing why. */
static int
write_file(struct pool *p, const char *path, const char *text, size_t len)
{
	const char *tmp = pool_printf(p, "%s.tmp%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
	size_t off = 0;

	if (fd < 0)
		return fail("cannot write %s: %s", tmp, strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0) {
			fail("cannot write %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		fail("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Options and defaults into in; 0, or an exit status. */
static int
install_options(struct pool *p, int argc, char **argv, struct install *in)
{
	struct stat st;
	struct passwd *pw;
	char real[PATH_MAX];
	const char *data = config_get("DATA_DIR");

	for (int i = 1; i < argc; i++) {
		const char **slot = strcmp(argv[i], "--bin") == 0 ? &in->bin :
		                    strcmp(argv[i], "--env") == 0 ? &in->env :
		                    strcmp(argv[i], "--log") == 0 ? &in->log :
		                    strcmp(argv[i], "--user") == 0 ? &in->user :
		                    strcmp(argv[i], "--out") == 0 ? &in->out : NULL;

		if (strcmp(argv[i], "--no-declare") == 0)
			in->declare = 0;
		else if (strcmp(argv[i], "--declare") == 0)
			in->declare = 1;
		else if (slot != NULL && i + 1 < argc)
			*slot = argv[++i];
		else
			return usage_error("unknown or incomplete option '%s'", argv[i]);
	}
	if (in->bin == NULL && (in->bin = default_bin(p)) == NULL)
		return usage_error("no cron/ next to this command: give --bin DIR");
	if (in->env == NULL && (in->env = getenv("EDGESCOUT_ENV_FILE")) != NULL &&
	    realpath(in->env, real) != NULL)
		in->env = pool_strdup(p, real);
	if (in->env == NULL)
		return usage_error("no env file: give --env FILE or set EDGESCOUT_ENV_FILE");
	if (in->log == NULL && data != NULL && realpath(data, real) != NULL)
		in->log = pool_printf(p, "%s/log", real);
	if (in->log == NULL)
		return usage_error("no log directory: give --log DIR");
	if (in->out == NULL)
		in->out = DEFAULT_OUT;
	if (in->declare < 0)   /* printing only is a look, not an installation */
		in->declare = strcmp(in->out, "-") != 0;
	if (in->user == NULL && strncmp(in->out, "/etc/cron.d/", 12) == 0) {
		if (stat(in->env, &st) != 0)
			return fail("cannot read %s: %s", in->env, strerror(errno));
		if ((pw = getpwuid(st.st_uid)) == NULL)
			return fail("%s: its owner (uid %ld) has no name: give --user", in->env,
			            (long)st.st_uid);
		in->user = pool_strdup(p, pw->pw_name);
	}
	if (!safe_path(in->bin) || !safe_path(in->env) || !safe_path(in->log))
		return usage_error("--bin, --env and --log must be absolute paths of "
		                   "[A-Za-z0-9/._+-] only");
	if (in->user != NULL && !safe_user(in->user))
		return usage_error("--user: not a user name");
	return 0;
}

/* Declare each job whose binary exists; 0 or 1 after printing. */
static int
declare_jobs(struct pool *p, const struct install *in)
{
	int rc = 0;

	for (const struct job_schedule *s = job_schedules(); s->name != NULL; s++) {
		const char *path = pool_printf(p, "%s/cron/%s", in->bin, s->name);
		const char *sched = job_schedule_of(s->name);

		if (access(path, X_OK) != 0) {
			fprintf(stderr, "edgescout: cron: %s: no %s yet: in the crontab, not "
			        "declared (not watched for staleness)\n", s->name, path);
			if (job_undeclare(p, s->name) < 0)
				rc = fail("%s: the database cannot be written", s->name);
		} else if (job_declare(p, s->name, sched) == 0) {
			fprintf(stderr, "edgescout: cron: %s: declared (%s)\n", s->name, sched);
		} else {
			rc = fail("%s: not declared: the database cannot be written (is it up, "
			          "and migrated?)", s->name);
		}
	}
	return rc;
}

static int
cron_install(struct pool *p, int argc, char **argv)
{
	struct install in = { .declare = -1 };
	struct buf b;
	int rc;

	if ((rc = install_options(p, argc, argv, &in)) != 0)
		return rc;
	buf_init(&b, p);
	job_crontab(&b, in.bin, in.env, in.log, in.user);
	if (strcmp(in.out, "-") == 0) {
		fputs(buf_cstr(&b), stdout);
		fflush(stdout);
	} else {
		if (write_file(p, in.out, buf_cstr(&b), b.len) < 0)
			return 1;
		printf("wrote %s:\n\n%s", in.out, buf_cstr(&b));
	}
	return in.declare ? declare_jobs(p, &in) : 0;
}

/* ---- run ------------------------------------------------------------------- */

static int
cron_run(struct pool *p, int argc, char **argv)
{
	const char *bin, *path;
	char **args;

	if (argc < 2)
		return usage_error("run needs a JOB");
	if (!job_name_valid(argv[1]))
		return usage_error("'%s' is not a job name", argv[1]);
	if ((bin = default_bin(p)) == NULL)
		return fail("no cron/ next to this command or EDGESCOUT_BIN_DIR");
	path = pool_printf(p, "%s/cron/%s", bin, argv[1]);
	if (access(path, X_OK) != 0)
		return fail("no job %s (%s: %s)", argv[1], path, strerror(errno));
	args = pool_alloc(p, sizeof(char *) * (size_t)argc);
	args[0] = (char *)path;
	for (int i = 2; i < argc; i++)
		args[i - 1] = argv[i];
	args[argc - 1] = NULL;
	fflush(NULL);
	execv(path, args);
	return fail("cannot run %s: %s", path, strerror(errno));
}

/* `edgescout cron SUBCOMMAND ...`: argv[0] is "cron". */
int
cmd_cron(int argc, char **argv)
{
	struct pool *p;
	int rc;

	/* cron run JOB --help asks the job, which answers for itself */
	if (argc < 2 || (strcmp(argv[1], "run") != 0 && cli_wants_help(argc, argv, 1))) {
		fputs(cron_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	p = pool_new();
	if (strcmp(argv[1], "run") == 0) {     /* the job's environment as it is */
		rc = cron_run(p, argc - 1, argv + 1);
		pool_free(p);
		return rc;
	}
	if (getenv("LOG_LEVEL") == NULL)
		setenv("LOG_LEVEL", "error", 1);   /* the command speaks for itself */
	log_init("edgescout");
	if (strcmp(argv[1], "list") == 0)
		rc = cron_list(p, argc - 1, argv + 1);
	else if (strcmp(argv[1], "install") == 0)
		rc = cron_install(p, argc - 1, argv + 1);
	else
		rc = usage_error("unknown subcommand '%s'", argv[1]);
	pool_free(p);
	db_close();
	return rc;
}
