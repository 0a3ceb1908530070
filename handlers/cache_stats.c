/* Translation cache statistics: GET /v1/cache/stats (admin keys). */
#include "autoconfig.h"

#include <stdio.h>

#include "core/reply.h"
#include "handlers.h"
#include "proc/worker.h"
#include "store/cache.h"
#include "translate/tcache.h"

enum {
	Q_HOURS
};
static const struct param_spec stats_query[] = {
	[Q_HOURS] = { "hours", PARAM_INT, 0, 1, 24 * 366, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with the caller's workspace's cache hits, misses and hit rate over
 * the last ?hours (24); 503 when PostgreSQL cannot be read. */
static enum problem cache_stats_get(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *hours = &r->query_params[Q_HOURS];
	struct json_object *o =
	    tcache_stats(w, r->ident.workspace_id, hours->present ? (long)hours->num : 24);

	if (o == NULL) {
		snprintf(rp->detail, sizeof(rp->detail), "statistics cannot be read right now");
		return PROBLEM_UNAVAILABLE;
	}
	json_object_object_add(o, "workspace_id", json_object_new_string(r->ident.workspace_id));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

const struct route cache_stats_routes[] = {
	{ .method = HTTP_GET,
	    .pattern = "/v1/cache/stats",
	    .handler = cache_stats_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_NONE,
	    .query = stats_query,
	    .name = "cache.stats",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_REPORTS },
	{ .pattern = NULL },
};
