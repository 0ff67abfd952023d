/* job_cron.c: the schedule of every job, the cron expressions it uses, and
 * the crontab that runs them. */
#include "job.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "log.h"

/* Every job, in the order the crontab lists them; jobs not written yet are
 * here too: the schedule is the contract. */
static const struct job_schedule schedules[] = {
	{ "scan-markets", "*/5 * * * *",
	  "candles of watched symbols and the universe, new signals (NOTIFY)" },
	{ "scan-odds", "*/5 * * * *",
	  "odds of ODDS_SPORTS within the provider's quota, new +EV hits (NOTIFY)" },
	{ "settle-odds", "17 * * * *",
	  "scores of events with open +EV hits; each hit's result, profit and CLV" },
	{ "scan-deals", "*/5 * * * *",
	  "saved deal searches that are due, within the provider budget, new deal hits (NOTIFY)" },
	{ "run-tasks", "* * * * *",
	  "queued analysis and backtest tasks; listens for new ones for about 55 s" },
	{ "deliver-alerts", "* * * * *",
	  "sends the alert outbox to its channels; listens for new alerts for about 55 s" },
	{ "precompute", "*/10 * * * *",
	  "warms the analysis cache for the most requested symbols" },
	{ "label-signals", "7 * * * *",
	  "outcome of signals older than the horizon (win, loss, flat)" },
	{ "retrain", "*/3 * * * *",
	  "logistic regression on labelled signals; promoted when no worse" },
	{ "billing-grace", "29 * * * *",
	  "pro tier back to free where a failed payment's grace period has ended" },
	{ "prune", "43 3 * * *",
	  "retention: login failures, provider calls, expired cache, sessions, tokens" },
	{ "backup", "23 2 * * *",
	  "encrypted pg_dump into BACKUP_DIR, then backup retention (daily/weekly/monthly)" },
	{ NULL, NULL, NULL }
};

const struct job_schedule *
job_schedules(void)
{
	return schedules;
}

int
job_name_valid(const char *name)
{
	size_t n = 0;

	if (name == NULL || !(name[0] >= 'a' && name[0] <= 'z'))
		return 0;
	for (; name[n] != '\0'; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= '0' && name[n] <= '9') ||
		      name[n] == '-'))
			return 0;
	return n <= JOB_NAME_MAX;
}

const char *
job_schedule_of(const char *name)
{
	char key[sizeof("JOB_SCHEDULE_") + JOB_NAME_MAX];
	const char *over;
	long secs;
	size_t n;

	if (!job_name_valid(name))
		return NULL;
	for (const struct job_schedule *s = schedules; s->name != NULL; s++) {
		if (strcmp(s->name, name) != 0)
			continue;
		n = (size_t)snprintf(key, sizeof(key), "JOB_SCHEDULE_%s", name);
		for (size_t i = sizeof("JOB_SCHEDULE_") - 1; i < n; i++)
			key[i] = key[i] == '-' ? '_' : (char)toupper((unsigned char)key[i]);
		over = config_get(key);
		if (over == NULL || *over == '\0')
			return s->schedule;
		if (job_cron_interval(over, &secs) == 0)
			return over;
		log_kv(LOG_WARN, "unsupported schedule ignored", "setting", key,
		       "schedule", over, "default", s->schedule, NULL);
		return s->schedule;
	}
	return NULL;
}

/* A number of at most two digits in [lo, hi]; -1 otherwise. */
static int
field_number(const char *f, int lo, int hi)
{
	size_t n = strlen(f);
	int v;

	if (n < 1 || n > 2 || !isdigit((unsigned char)f[0]) ||
	    (n == 2 && !isdigit((unsigned char)f[1])))
		return -1;
	v = atoi(f);
	return v >= lo && v <= hi ? v : -1;
}

/* "*\/N" with N in [1, hi]: N; -1 otherwise. */
static int
field_step(const char *f, int hi)
{
	return f[0] == '*' && f[1] == '/' ? field_number(f + 2, 1, hi) : -1;
}

int
job_cron_interval(const char *expr, long *seconds)
{
	char copy[128], *field[6], *save = NULL;
	int n = 0, m, h;

	if (expr == NULL || strlen(expr) >= sizeof(copy))
		return -1;
	strcpy(copy, expr);
	for (char *t = strtok_r(copy, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
		if (n == 6)
			return -1;
		field[n++] = t;
	}
	if (n != 5)
		return -1;
	for (int i = 2; i < 5; i++)
		if (strcmp(field[i], "*") != 0)
			return -1;
	if (strcmp(field[1], "*") == 0) {
		if (strcmp(field[0], "*") == 0)
			return *seconds = 60, 0;
		if ((m = field_step(field[0], 59)) > 0)
			return *seconds = 60L * m, 0;
		if (field_number(field[0], 0, 59) >= 0)
			return *seconds = 3600, 0;
		return -1;
	}
	if (field_number(field[0], 0, 59) < 0)
		return -1;
	if ((h = field_step(field[1], 23)) > 0)
		return *seconds = 3600L * h, 0;
	if (field_number(field[1], 0, 23) >= 0)
		return *seconds = 86400, 0;
	return -1;
}

void
job_crontab(struct buf *out, const char *bin, const char *env, const char *log,
            const char *user)
{
	buf_puts(out,
		"# edgescout: every scheduled job and its schedule. cron/crontab in the\n"
		"# source tree is this file with @BIN@ (the directory holding cron/),\n"
		"# @ENV@ (the env file), @LOG@ (the log directory) and @USER@ (the account,\n"
		"# in /etc/cron.d files); `edgescout cron install` fills them in.\n"
		"#\n"
		"# These schedules are the contract: a job is stale (/api/workers/health,\n"
		"# /health/detailed 503) when it has not finished successfully within twice\n"
		"# its interval. Each job takes an advisory lock, so installing this on\n"
		"# several hosts still runs each job once at a time. JOB_SCHEDULE_<NAME>\n"
		"# in the env file changes one (JOB_SCHEDULE_RETRAIN='*/5 * * * *'; the\n"
		"# forms below only); install again after changing it.\n"
		"SHELL=/bin/sh\n"
		"PATH=/usr/local/bin:/usr/bin:/bin\n");
	buf_printf(out, "EDGESCOUT_ENV_FILE=%s\n", env);
	buf_printf(out, "# minute hour day month weekday%s command\n", user ? " user" : "");
	for (const struct job_schedule *s = schedules; s->name != NULL; s++) {
		buf_printf(out, "\n# %s: %s\n", s->name, s->what);
		buf_printf(out, "%-14s", job_schedule_of(s->name));
		if (user != NULL)
			buf_printf(out, " %s", user);
		buf_printf(out, " %s/cron/%s >>%s/jobs.log 2>&1\n", bin, s->name, log);
	}
}
