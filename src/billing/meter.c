#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "billing/idempotency.h"
#include "billing/meter.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/reply.h"
#include "core/request.h"
#include "core/router.h"
#include "proc/worker.h"
#include "store/db.h"

/* Returns the outcome named by the statement's first column. */
static enum meter_outcome outcome_of(const char *name)
{
	if (strcmp(name, "charged") == 0)
		return METER_CHARGED;
	if (strcmp(name, "refused") == 0)
		return METER_REFUSED;
	return strcmp(name, "taken") == 0 ? METER_TAKEN : METER_FAILED;
}

enum meter_outcome meter_charge(struct worker *w, struct request *r, const struct reply *rp)
{
	char hash[65], lease[16], cost[24], chars[24], billed[24], dur[24];
	size_t len;
	const char *type, *body = reply_body_text(rp, &len, &type);
	const struct usage *u = &r->usage;
	const char *params[18];
	enum meter_outcome o = METER_FAILED;
	PGresult *res;

	idempotency_request_hash(r, hash);
	snprintf(lease, sizeof(lease), "%ld", w->cfg->idempotency_lease_s);
	snprintf(cost, sizeof(cost), "%lld", u->cost_micros);
	snprintf(chars, sizeof(chars), "%lld", u->characters);
	snprintf(billed, sizeof(billed), "%lld", u->billed_characters);
	snprintf(dur, sizeof(dur), "%ld", (long)clock_ms_since(&r->started));
	params[0] = r->ident.workspace_id;
	params[1] = r->idempotency_key;
	params[2] = hash;
	params[3] = r->owner;
	params[4] = lease;
	params[5] = cost;
	params[6] = u->description;
	params[7] = db_nullable(r->ident.key_id);
	params[8] = db_nullable(r->ident.user_id);
	params[9] = r->request_id;
	params[10] = r->route->name;
	params[11] = db_nullable(u->provider);
	params[12] = db_nullable(u->model);
	params[13] = chars;
	params[14] = billed;
	params[15] = dur;
	params[16] = type != NULL ? type : "application/json";
	params[17] = body;
	res = db_exec(w->db, STMT_METER_CHARGE, params);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		o = outcome_of(PQgetvalue(res, 0, 0));
	else
		log_msg(LOG_LEVEL_ERROR, "request %s: metered charge: %s", r->request_id,
		    res != NULL ? PQresultErrorMessage(res) : db_error(w->db));
	if (o == METER_CHARGED) {
		r->usage.recorded = 1;
		if (!PQgetisnull(res, 0, 2))
			snprintf(r->usage.queued_payment, sizeof(r->usage.queued_payment), "%s",
			    PQgetvalue(res, 0, 2));
		if (u->cost_micros > 0)
			metrics_count(METRIC_CREDITS_CHARGED, u->cost_micros, METRICS_END);
	} else if (o == METER_REFUSED)
		r->idem_claimed = 1;
	else if (o == METER_FAILED)
		/* it may have committed before its answer was lost (a retry
		 * under the key then replays it): no second event */
		r->usage.recorded = 1;
	PQclear(res);
	return o;
}
