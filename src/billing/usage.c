#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "billing/usage.h"
#include "core/log.h"
#include "core/metrics.h"
#include "proc/worker.h"
#include "store/db.h"
#include "store/spool.h"

/* Returns 1 when the event u of a request moves no money and may be
 * recorded without waiting for a commit: no credit held, nothing billed,
 * and no Idempotency-Key whose stored response commits with it. */
static int usage_unbilled(const struct usage *u)
{
	return u->hold_id[0] == '\0' && u->billed_characters == 0 && u->idempotency_key == NULL;
}

/* Writes the event (values as for STMT_USAGE_INSERT) as one spool line,
 * stamped with the time now, into buf. Returns its length, or 0 when it
 * does not fit. */
static size_t usage_spool_line(const char *const *values, char *buf, size_t bufsz)
{
	/* the spool's columns (SQL_USAGE_COPY) in the insert's numbering */
	static const int order[] = { 0, 1, 14, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	char when[96], *p = buf, *end = buf + bufsz;
	struct timespec now;
	struct tm tm;
	size_t n = sizeof(order) / sizeof(order[0]);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02d %02d:%02d:%02d.%06ld+00", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000);
	if (spool_field(&p, end, when, 0) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (spool_field(&p, end, values[order[i]], i + 1 == n) < 0)
			return 0;
	return (size_t)(p - buf);
}

/* Records the event of a request that moved no money: a line in the
 * worker's spool when it has one, else a row committed without waiting
 * for the WAL flush (unless unbilled_synchronous_commit). Returns the
 * result of the insert (caller PQclear()s), an empty success when it was
 * spooled, or NULL. */
static PGresult *usage_record_unbilled(struct worker *w, const char *const *values)
{
	char line[SPOOL_LINE_MAX];
	size_t len;

	if (w->spool != NULL && (len = usage_spool_line(values, line, sizeof(line))) > 0 &&
	    spool_append(w->spool, w->db, line, len) == 0) {
		metrics_count(METRIC_USAGE_SPOOLED, 1, METRICS_END);
		return PQmakeEmptyPGresult(NULL, PGRES_COMMAND_OK);
	}
	return db_exec(w->db,
	    w->cfg->unbilled_synchronous_commit ? STMT_USAGE_INSERT : STMT_USAGE_INSERT_ASYNC,
	    values);
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
	values[1] = db_nullable(id->key_id);
	values[2] = request_id;
	values[3] = endpoint;
	values[4] = db_nullable(u->source);
	values[5] = db_nullable(u->target);
	values[6] = db_nullable(u->provider);
	values[7] = db_nullable(u->model);
	values[8] = chars;
	values[9] = billed;
	values[10] = segs;
	values[11] = cached;
	values[12] = st;
	values[13] = dur;
	if (u->hold_id[0] == '\0') {
		values[14] = db_nullable(id->user_id);
		res = usage_unbilled(u) ? usage_record_unbilled(w, values)
		                        : db_exec(w->db, STMT_USAGE_INSERT, values);
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
		values[17] = db_nullable(u->idempotency_key);
		values[18] = db_nullable(id->user_id);
		res = db_exec(w->db, STMT_USAGE_SETTLE, values);
		ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
		if (ok && strcmp(PQgetvalue(res, 0, 0), "0") == 0)
			log_msg(LOG_LEVEL_ERROR,
			    "request %s: its credit hold had expired; not charged", request_id);
		else if (ok && status < 400)
			metrics_count(METRIC_CREDITS_CHARGED, u->cost_micros, METRICS_END);
		if (ok && !PQgetisnull(res, 0, 1))
			snprintf(u->queued_payment, sizeof(u->queued_payment), "%s",
			    PQgetvalue(res, 0, 1));
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
