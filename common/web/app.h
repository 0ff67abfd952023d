/* app.h: what an endpoint file includes. A binary's main is one line:
 *     int main(int argc, char **argv) { return app_main(argc, argv, routes); }
 * The loop accepts FastCGI requests, matches the route table, enforces the
 * route flags, calls the handler, writes one reply, records metrics and a
 * log line, and frees the request's memory in one go. */
#ifndef EDGESCOUT_APP_H
#define EDGESCOUT_APP_H

#include <json-c/json.h>
#include <stdint.h>

#include "audit.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "contract.h"
#include "db.h"
#include "db_reply.h"
#include "err.h"
#include "log.h"
#include "net.h"
#include "page.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "req_input.h"
#include "route.h"
#include "valid.h"

/* Run a FastCGI binary: --routes prints the table, --help usage; otherwise
 * load config, refuse unsafe production config, and serve until SIGTERM.
 * Returns the process exit status. */
int app_main(int argc, char **argv, const struct route *routes);

/* Handle one request whose envp and io are set in r (pool set, rest zero):
 * the whole way from routing to the reply, log line and metrics. */
void app_handle(const struct route *routes, struct req *r);

#endif
