#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "billing/payment_history.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "store/db.h"

/* Returns payment row i of res (PAYMENT_COLUMNS of statements.c) as a
 * view whose strings point into res. */
static struct payment_view view_of(const PGresult *res, int i)
{
	struct payment_view v = {
		.id = PQgetvalue(res, i, 0),
		.kind = PQgetvalue(res, i, 1),
		.state = PQgetvalue(res, i, 2),
		.amount = db_num(res, i, 3),
		.payment_intent = PQgetvalue(res, i, 4),
		.error = PQgetvalue(res, i, 5),
		.refunded = db_num(res, i, 6),
		.created_at = PQgetvalue(res, i, 7),
		.updated_at = PQgetvalue(res, i, 8),
		.expires_at = PQgetvalue(res, i, 9),
		.credited_at = PQgetvalue(res, i, 10),
	};
	return v;
}

enum problem payment_history_list(struct worker *w, const char *workspace_id, const char *before,
    long limit, payment_view_fn fn, void *ctx, char next_before[64], struct reply *rp)
{
	char lim[24];
	const char *params[] = { workspace_id, before, lim };
	PGresult *res;
	int n;

	snprintf(lim, sizeof(lim), "%ld", limit);
	res = db_exec(w->db, STMT_PAYMENT_LIST, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* SQLSTATE class 22, data exception: a before that is not a time */
		const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		int bad = state != NULL && strncmp(state, "22", 2) == 0;
		PQclear(res);
		snprintf(rp->detail, sizeof(rp->detail), "%s",
		    bad ? "before must be a time "
		          "(the next_before of the previous page)"
		        : "payments cannot be read right now");
		return bad ? PROBLEM_INVALID_FIELD : PROBLEM_UNAVAILABLE;
	}
	n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		struct payment_view v = view_of(res, i);
		fn(&v, ctx);
	}
	snprintf(next_before, 64, "%s", n == limit ? PQgetvalue(res, n - 1, 7) : "");
	PQclear(res);
	return PROBLEM_NONE;
}

enum problem payment_history_one(struct worker *w, const char *workspace_id, const char *id,
    payment_view_fn fn, void *ctx, struct reply *rp)
{
	const char *params[] = { workspace_id, id };
	PGresult *res = db_exec(w->db, STMT_PAYMENT_ONE, params);
	enum problem p = PROBLEM_NONE;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(rp->detail, sizeof(rp->detail), "payments cannot be read right now");
		p = PROBLEM_UNAVAILABLE;
	} else if (PQntuples(res) != 1) {
		snprintf(rp->detail, sizeof(rp->detail), "no such payment");
		p = PROBLEM_NOT_FOUND;
	} else {
		struct payment_view v = view_of(res, 0);
		fn(&v, ctx);
	}
	PQclear(res);
	return p;
}
