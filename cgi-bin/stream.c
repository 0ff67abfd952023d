/* stream.c: the live stream's subscription check. nginx (nchan, see
 * nginx/stream_location.conf.in) holds the WebSocket and EventSource
 * subscribers of /api/stream and asks this route once per subscription:
 * 200 lets it subscribe, any error refuses it. A user may subscribe to their
 * own channel user.<id> and to the public topics their tier allows
 * (tier_stream_topics). */
#include "app.h"

#include <stdlib.h>
#include <string.h>

static int authorize(struct req *r);

#define MAX_TOPICS 8

/* 1 when s is a comma-separated list of 1..MAX_TOPICS names of [a-z0-9.]. */
static int
topics_valid(const char *s)
{
	int n = 1;

	if (*s == '\0' || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.,") != strlen(s))
		return 0;
	for (const char *c = s; *c; c++) {
		if (*c != ',')
			continue;
		if (c == s || c[1] == '\0' || c[1] == ',' || ++n > MAX_TOPICS)
			return 0;
	}
	return 1;
}

static const struct param stream_query[] = {
	{ .name = "topics", .type = PARAM_STRING, .required = 1, .min = 1, .max = 200,
	  .check = topics_valid,
	  .rule = "1 to 8 comma-separated topics (markets, odds, deals, user.<your id>)",
	  .desc = "the channels: public topics of your tier and user.<your id>" },
	{ .name = "last_event_id", .type = PARAM_STRING, .max = 600,
	  .desc = "resume after this event id (as the Last-Event-ID header does)" },
	{ 0 }
};

static const struct route routes[] = {
	{ .method = "GET", .path = "/api/stream", .handler = authorize,
	  .flags = NEED_AUTH | PUBSUB, .query = stream_query,
	  .reply = "{topics:[str]}",
	  .summary = "live events over WebSocket or Server-Sent Events (nginx holds the "
	             "connection; this check runs once per subscription)" },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static const char SQL_TOPIC[] =
	"SELECT 1 FROM tier_stream_topics WHERE tier = $1 AND topic = $2";

/* 0 when the user may read topic; -1 after replying 403 or 422. */
static int
topic_allowed_or_reply(struct req *r, const char *topic)
{
	PGresult *res;

	if (strncmp(topic, "user.", 5) == 0) {
		char *end;
		long long id = strtoll(topic + 5, &end, 10);

		if (topic[5] < '1' || topic[5] > '9' || *end != '\0' || id <= 0)
			return reply_errorf(r, ERR_VALIDATION_FAILED, "topics",
			                    "%s is not a user channel (user.<id>)", topic), -1;
		if (id != r->user->id)
			return reply_error(r, ERR_FORBIDDEN, "topics",
			                   "a user channel is only its user's"), -1;
		return 0;
	}
	if (strcmp(topic, "markets") != 0 && strcmp(topic, "odds") != 0 &&
	    strcmp(topic, "deals") != 0)
		return reply_errorf(r, ERR_VALIDATION_FAILED, "topics",
		                    "%s is not a topic (markets, odds, deals, user.<id>)", topic), -1;
	res = db_query_or_reply(r, SQL_TOPIC, DB_ARGS(r->user->tier, topic));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return reply_errorf(r, ERR_FORBIDDEN, "topics",
		                    "the %s tier does not include the %s topic", r->user->tier,
		                    topic), -1;
	return 0;
}

/* Let the subscription through when every topic is allowed. */
static int
authorize(struct req *r)
{
	char *list = pool_strdup(r->pool, req_query(r, "topics")), *save = NULL, *t;
	json_object *o = pool_json_object(r->pool), *topics = json_object_new_array();

	json_object_object_add(o, "topics", topics);
	for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (topic_allowed_or_reply(r, t) < 0)
			return r->status;
		json_object_array_add(topics, json_object_new_string(t));
	}
	return reply_json(r, 200, o);
}
