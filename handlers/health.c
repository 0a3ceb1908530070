/* Health, without authentication: GET /v1/health/live (the worker
 * answers: restart it if not), GET /v1/health/ready and its older name
 * GET /v1/health (PostgreSQL and memcached reachable, each provider's
 * breaker: send it traffic if so). */
#include "autoconfig.h"

#include "core/clock.h"
#include "core/reply.h"
#include "handlers.h"
#include "ops/health.h"
#include "proc/worker.h"
#include "translate/breaker.h"
#include "translate/provider.h"

/* Returns {"status":"up"|"down","latency_ms":n} for one dependency. */
static struct json_object *check(int up, double ms)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "status", json_object_new_string(up ? "up" : "down"));
	json_object_object_add(o, "latency_ms", clock_json_ms(ms));
	return o;
}

/* 200 {"status":"ok","checks":{...},"providers":{name:{"breaker"}}} when
 * PostgreSQL and memcached are up (an open breaker is reported, not
 * fatal: cached translations are still served); otherwise a 503
 * problem+json carrying the same members and Retry-After. */
static enum problem health_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *checks = json_object_new_object(), *body;
	struct health_probe hp;
	int db_up, mc_up;

	health_probe(w, &hp);
	db_up = hp.db_up;
	mc_up = hp.mc_up;
	json_object_object_add(checks, "postgresql", check(db_up, hp.db_ms));
	json_object_object_add(checks, "memcached", check(mc_up, hp.mc_ms));
	struct json_object *providers = json_object_new_object();
	const struct provider *order[PROVIDERS_MAX];
	size_t np = provider_order(w->cfg->providers, order);
	for (size_t k = 0; k < np; k++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "breaker",
		    json_object_new_string(breaker_state(w, order[k]->name)));
		json_object_object_add(providers, order[k]->name, o);
	}
	if (db_up && mc_up) {
		body = json_object_new_object();
		json_object_object_add(body, "status", json_object_new_string("ok"));
		json_object_object_add(body, "version", json_object_new_string(PACKAGE_VERSION));
		json_object_object_add(body, "checks", checks);
		json_object_object_add(body, "providers", providers);
		reply_json(rp, 200, body);
		return PROBLEM_NONE;
	}
	body = problem_body(PROBLEM_UNAVAILABLE,
	    db_up       ? "memcached is unreachable"
	        : mc_up ? "postgresql is unreachable"
	                : "postgresql and memcached are unreachable",
	    r->request_id);
	json_object_object_add(body, "checks", checks);
	json_object_object_add(body, "providers", providers);
	rp->problem = PROBLEM_UNAVAILABLE;
	rp->retry_after = 5;
	reply_header(rp, "Retry-After", "%d", rp->retry_after);
	reply_json(rp, problem_status(PROBLEM_UNAVAILABLE), body);
	return PROBLEM_NONE;
}

/* 200 {"status":"alive","version"}: the worker runs and answers; nothing
 * else is checked, so a database outage does not get workers restarted. */
static enum problem health_live(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *body = json_object_new_object();

	(void)w;
	(void)r;
	json_object_object_add(body, "status", json_object_new_string("alive"));
	json_object_object_add(body, "version", json_object_new_string(PACKAGE_VERSION));
	reply_json(rp, 200, body);
	return PROBLEM_NONE;
}

const struct route health_routes[] = {
	{ .method = HTTP_GET,
	    .pattern = "/v1/health",
	    .handler = health_get,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "health",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/health/ready",
	    .handler = health_get,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "health.ready",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/health/live",
	    .handler = health_live,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "health.live",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
