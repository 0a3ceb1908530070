/* GET /metrics: the Prometheus text format, for the addresses in
 * metrics_allow or a client showing metrics_token as a Bearer token. The
 * counters are all workers' (see src/core/metrics.h); the breaker gauges are
 * read from memcached when scraped. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "accounts/auth.h"
#include "core/addrlist.h"
#include "core/metrics.h"
#include "core/reply.h"
#include "handlers.h"
#include "proc/worker.h"
#include "store/metrics_store.h"
#include "translate/breaker.h"
#include "translate/provider.h"

#define PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Returns 1 when the request's Authorization is "Bearer <metrics_token>". */
static int token_matches(const struct config *cfg, const char *authorization)
{
	const char *token = auth_token(authorization, "Bearer");
	size_t n;

	if (cfg->metrics_token == NULL || token == NULL)
		return 0;
	n = strlen(cfg->metrics_token);
	return strlen(token) == n && CRYPTO_memcmp(token, cfg->metrics_token, n) == 0;
}

/* Writes each configured provider's breaker as a gauge to f. */
static void write_breakers(struct worker *w, FILE *f)
{
	const struct provider *order[PROVIDERS_MAX];
	size_t np = provider_order(w->cfg->providers, order);

	fprintf(f,
	    "# HELP dragoman_breaker_state A provider's circuit breaker: 0 closed, "
	    "1 half-open, 2 open.\n# TYPE dragoman_breaker_state gauge\n");
	for (size_t k = 0; k < np; k++) {
		const char *st = breaker_state(w, order[k]->name);
		fprintf(f, "dragoman_breaker_state{provider=\"%s\"} %d\n", order[k]->name,
		    strcmp(st, "open") == 0            ? 2
		        : strcmp(st, "half-open") == 0 ? 1
		                                       : 0);
	}
}

/* 200 with every metric, 403 for another client, 503 when PostgreSQL
 * cannot be read. */
static enum problem metrics_get(struct worker *w, struct request *r, struct reply *rp)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ok;

	if (!addrlist_match(w->cfg->metrics_allow, r->remote_addr) &&
	    !token_matches(w->cfg, r->authorization)) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "metrics are served to the addresses in "
		    "metrics_allow, or with metrics_token");
		return PROBLEM_FORBIDDEN;
	}
	/* this worker's own counts first, so that they are in what it shows */
	(void)metrics_flush(w->db);
	if ((f = open_memstream(&text, &len)) == NULL)
		return PROBLEM_INTERNAL;
	ok = metrics_write(w->db, f) == 0;
	if (ok)
		write_breakers(w, f);
	fclose(f);
	if (!ok) {
		free(text);
		snprintf(rp->detail, sizeof(rp->detail), "the metrics cannot be read right now");
		return PROBLEM_UNAVAILABLE;
	}
	ok = reply_raw(rp, 200, PROM_TYPE, text) == 0;
	free(text);
	return ok ? PROBLEM_NONE : PROBLEM_INTERNAL;
}

const struct route metrics_routes[] = {
	{ .method = HTTP_GET,
	    .pattern = "/metrics",
	    .handler = metrics_get,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "metrics",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
