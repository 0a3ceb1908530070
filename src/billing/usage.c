#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "billing/usage.h"
#include "core/log.h"
#include "core/metrics.h"
#include "proc/worker.h"
#include "store/db.h"

/* Returns s, or NULL (SQL NULL) when s is empty. */
static const char *nullable(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

int usage_record(struct worker *w, const struct identity *id, const char *request_id,
    const char *endpoint, struct usage *u, int status, long duration_ms)
{
	char chars[24], billed[24], segs[16], cached[16], st[8], dur[24], cost[24], what[160];
	const char *values[19];
	PGresult *res;
	int ok;

	snprintf(chars, sizeof(chars), "%lld", u->characters);
	snprintf(billed, sizeof(billed), "%lld", u->billed_characters);
	snprintf(segs, sizeof(segs), "%d", u->segments);
	snprintf(cached, sizeof(cached), "%d", u->cached_segments);
	snprintf(st, sizeof(st), "%d", status);
	snprintf(dur, sizeof(dur), "%ld", duration_ms < 0 ? 0 : duration_ms);
	values[0] = id->workspace_id;
	values[1] = nullable(id->key_id);
	values[2] = request_id;
	values[3] = endpoint;
	values[4] = nullable(u->source);
	values[5] = nullable(u->target);
	values[6] = nullable(u->provider);
	values[7] = nullable(u->model);
	values[8] = chars;
	values[9] = billed;
	values[10] = segs;
	values[11] = cached;
	values[12] = st;
	values[13] = dur;
	if (u->hold_id[0] == '\0') {
		values[14] = nullable(id->user_id);
		res = db_exec(w->db, STMT_USAGE_INSERT, values);
		ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	} else {
		snprintf(cost, sizeof(cost), "%lld", status < 400 ? u->cost_micros : 0);
		if (u->description[0] != '\0')
			snprintf(what, sizeof(what), "%s", u->description);
		else
			snprintf(what, sizeof(what), "%s %s>%s, %lld characters", endpoint,
			    u->source[0] ? u->source : "?", u->target[0] ? u->target : "?",
			    u->billed_characters);
		values[14] = u->hold_id;
		values[15] = cost;
		values[16] = what;
		values[17] = nullable(u->idempotency_key);
		values[18] = nullable(id->user_id);
		res = db_exec(w->db, STMT_USAGE_SETTLE, values);
		ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
		if (ok && strcmp(PQgetvalue(res, 0, 0), "0") == 0)
			log_msg(LOG_LEVEL_ERROR, "request %s: its credit hold had expired; not charged",
			    request_id);
		else if (ok && status < 400)
			metrics_count(METRIC_CREDITS_CHARGED, u->cost_micros, METRICS_END);
		if (ok && !PQgetisnull(res, 0, 1))
			snprintf(u->queued_payment, sizeof(u->queued_payment), "%s", PQgetvalue(res, 0, 1));
	}
	if (!ok)
		log_msg(LOG_LEVEL_ERROR, "request %s: usage event not recorded: %s", request_id,
		    res != NULL ? PQresultErrorMessage(res) : db_error(w->db));
	PQclear(res);
	return ok ? 0 : -1;
}

long long usage_month_billed(struct worker *w, const char *workspace_id)
{
	const char *values[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_USAGE_MONTH_BILLED, values);
	long long n = -1;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		n = db_num(res, 0, 0);
	PQclear(res);
	return n;
}
