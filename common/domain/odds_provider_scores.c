/* odds_provider_scores.c: The Odds API v4 scores (odds_provider.h). */
#include <json-c/json.h>
#include <string.h>

#include "odds_provider.h"
#include "pool.h"
#include "provider_parse.h"
#include "valid.h"

/* A score as text: a string of at most 16 bytes or a whole number. */
static const char *
score_text(struct pool *p, json_object *v)
{
	int64_t n;

	if (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0 &&
	    json_object_get_string_len(v) <= 16 &&
	    valid_text(json_object_get_string(v), 1, 16, 16) == 0)
		return pool_strdup(p, json_object_get_string(v));
	if (prov_json_int64(v, &n) == 0)
		return pool_printf(p, "%lld", (long long)n);
	return NULL;
}

/* The scores member of e into s; -1 when malformed. */
static int
scores(struct pool *p, json_object *e, struct odds_score *s)
{
	json_object *list, *o, *v;

	if (!json_object_object_get_ex(e, "scores", &list) || list == NULL)
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *name, *score;

		o = json_object_array_get_idx(list, i);
		name = prov_member_string(o, "name");
		if (name == NULL || !json_object_object_get_ex(o, "score", &v) ||
		    (score = score_text(p, v)) == NULL)
			return -1;
		if (strcmp(name, s->home_team) == 0)
			s->home_score = score;
		else if (strcmp(name, s->away_team) == 0)
			s->away_score = score;
		else
			return -1;
	}
	return 0;
}

enum provider_status
odds_parse_scores(struct pool *p, long http_status, const char *body, size_t len,
                  struct odds_score **out, size_t *n, const char **msg)
{
	json_object *list, *e, *v;
	enum provider_status st;
	struct odds_score *s;
	size_t count;

	if ((st = odds_json_array(p, http_status, body, len, "events", &list, msg)) !=
	    PROVIDER_OK)
		return st;
	count = json_object_array_length(list);
	s = pool_alloc(p, (count + 1) * sizeof(*s));
	for (size_t i = 0; i < count; i++) {
		e = json_object_array_get_idx(list, i);
		s[i].event_id = prov_member_string(e, "id");
		s[i].sport = prov_member_string(e, "sport_key");
		s[i].commence_time = prov_member_string(e, "commence_time");
		s[i].home_team = prov_member_string(e, "home_team");
		s[i].away_team = prov_member_string(e, "away_team");
		s[i].last_update = prov_member_string(e, "last_update");
		s[i].completed = json_object_object_get_ex(e, "completed", &v) &&
		                 json_object_is_type(v, json_type_boolean) &&
		                 json_object_get_boolean(v);
		if (s[i].event_id == NULL || strlen(s[i].event_id) > 64 || s[i].sport == NULL ||
		    !odds_time_valid(s[i].commence_time) || s[i].home_team == NULL ||
		    s[i].away_team == NULL || (s[i].last_update != NULL &&
		    !odds_time_valid(s[i].last_update)) || scores(p, e, &s[i]) < 0) {
			*msg = pool_printf(p, "event %zu: missing id, sport_key, commence_time or "
			                   "teams, or malformed scores", i + 1);
			return PROVIDER_BAD_RESPONSE;
		}
	}
	*out = s;
	*n = count;
	*msg = pool_printf(p, "%zu events", count);
	return PROVIDER_OK;
}
