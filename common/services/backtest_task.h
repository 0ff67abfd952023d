/* backtest_task.h: backtests computed from stored prices, as tasks of the
 * queue (task.h) that cron/run-tasks runs.
 *
 * Each symbol's stored bars up to `to` are read (never a bar after it;
 * those before `from` warm the indicators up), the strategy's signal is
 * computed at every bar and replayed over from..to (backtest.h). The
 * prices are the stored ones: a backtest asks no provider. */
#ifndef EDGESCOUT_BACKTEST_TASK_H
#define EDGESCOUT_BACKTEST_TASK_H

#include <json-c/json.h>

#include "backtest.h"

struct pool;
struct task;

#define BACKTEST_TASK_KIND "backtest"

/* The result of request q: {strategy, from, to, results: [{symbol, ...
 * backtest_json()} | {symbol, error: {code, message}}]}, one a symbol in
 * q's order (a symbol without two stored bars in the period gets an
 * error). Owned by pool p. NULL on a database failure (logged). */
json_object *backtest_compute(struct pool *p, const struct backtest_request *q);

/* Run claimed task t (kind BACKTEST_TASK_KIND) and record its outcome:
 * done with backtest_compute()'s result, failed for bad params (never
 * retried), back to the queue after a database failure while attempts
 * remain. 0 when finished or requeued, 1 when the claim was lost, -1 when
 * the outcome could not be written. */
int backtest_task_run(struct pool *p, const struct task *t, int max_attempts);

#endif
