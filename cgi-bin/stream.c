/* stream.c: who may follow the live stream. nginx's nchan module holds the
 * subscribers of /api/stream?domain=… (nginx/nginx.conf.in) and asks this
 * route first, with the subscriber's credentials and the channel
 * (hits-<domain>): a signed-in user whose tier sees the domain's hits at
 * once (tier_feed with no delay). The hits are published by
 * cron/stream-hits. */
#include "app.h"

#include <string.h>

static int authorize(struct req *r);

static const char *const channel_names[] = { "hits-markets", "hits-odds", "hits-deals", NULL };

static const struct param auth_query[] = {
	{ .name = "channel", .type = PARAM_ENUM, .required = 1, .values = channel_names,
	  .desc = "the stream's channel: hits-<domain>" },
	{ 0 }
};

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/stream/auth", .handler = authorize,
	  .flags = NEED_SCOPE(SCOPE_READ) | RL_NONE, .query = auth_query, .status = 204,
	  .summary = "may the caller follow /api/stream?domain=… (204; 403 when the tier "
	             "sees the domain late or not at all); asked by nginx for each subscriber" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const char SQL_LIVE[] =
	"SELECT 1 FROM tier_feed WHERE tier = $1 AND domain = $2 AND delay_seconds = 0";

/* GET /api/stream/auth?channel=hits-<domain>: 204 when the caller's tier
 * sees the domain's hits as they come, else 403. */
static int
authorize(struct req *r)
{
	PGresult *res = db_query_or_reply(r, SQL_LIVE, DB_ARGS(r->user->tier,
	                                  req_str(r, "channel") + strlen("hits-")));

	if (res == NULL)
		return r->status;
	if (PQntuples(res) == 0)
		return reply_error(r, ERR_FORBIDDEN, "channel",
		                   "your tier does not see this domain's hits live");
	return reply_raw(r, 204, NULL, "", 0);
}
