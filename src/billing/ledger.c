#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "billing/ledger.h"
#include "billing/payment_settings.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "store/db.h"

enum problem ledger_balance_get(struct worker *w, const char *workspace_id,
    struct ledger_balance *out, struct reply *rp)
{
	const char *params[] = { workspace_id };
	/* the balance and the auto-recharge settings in one round trip */
	const struct db_call calls[] = { { STMT_BILLING_BALANCE, params },
		{ STMT_AUTO_RECHARGE_GET, params } };
	PGresult *both[2], *res;

	memset(out, 0, sizeof(*out));
	(void)db_exec_pipeline(w->db, calls, 2, both);
	res = both[0];
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		PQclear(both[1]);
		snprintf(rp->detail, sizeof(rp->detail), "the balance cannot be read right now");
		return PROBLEM_UNAVAILABLE;
	}
	out->balance = db_num(res, 0, 0);
	out->reserved = db_num(res, 0, 1);
	snprintf(out->currency, sizeof(out->currency), "%s", PQgetvalue(res, 0, 2));
	snprintf(out->plan, sizeof(out->plan), "%s", PQgetvalue(res, 0, 3));
	out->capped = !PQgetisnull(res, 0, 4);
	out->monthly_cap = db_num(res, 0, 4);
	out->month_to_date = db_num(res, 0, 5);
	out->owed = db_num(res, 0, 6);
	PQclear(res);
	out->has_auto = payment_settings_auto_read(both[1], &out->auto_recharge);
	return PROBLEM_NONE;
}

void ledger_balance_release(struct ledger_balance *b)
{
	if (b->has_auto)
		auto_recharge_release(&b->auto_recharge);
	b->has_auto = 0;
}

/* Returns ledger row i of res (STMT_BILLING_TRANSACTIONS) as an entry
 * whose strings point into res. */
static struct ledger_entry entry_of(const PGresult *res, int i)
{
	struct ledger_entry e = {
		.id = PQgetvalue(res, i, 0),
		.type = PQgetvalue(res, i, 1),
		.amount = db_num(res, i, 2),
		.balance_before = db_num(res, i, 3),
		.balance_after = db_num(res, i, 4),
		.description = PQgetvalue(res, i, 5),
		.reference = PQgetvalue(res, i, 6),
		.created_at = PQgetvalue(res, i, 7),
		.lane = (long)db_num(res, i, 8),
	};
	return e;
}

enum problem ledger_transactions(struct worker *w, const char *workspace_id,
    const struct ledger_query *q, ledger_entry_fn fn, void *ctx, char next_cursor[24],
    struct reply *rp)
{
	char cursor[24], limit[24];
	const char *params[] = { workspace_id, cursor, q->type, q->from, q->to, limit };
	PGresult *res;
	int n;

	snprintf(cursor, sizeof(cursor), "%lld", q->cursor);
	snprintf(limit, sizeof(limit), "%ld", q->limit + 1); /* one more tells if a page follows */
	res = db_exec(w->db, STMT_BILLING_TRANSACTIONS, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		/* SQLSTATE class 22, data exception: a date PostgreSQL refused */
		const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		int bad_time = state != NULL && strncmp(state, "22", 2) == 0;
		PQclear(res);
		snprintf(rp->detail, sizeof(rp->detail), "%s",
		    bad_time ? "from and to must be valid dates or times"
		             : "the ledger cannot be read right now");
		return bad_time ? PROBLEM_INVALID_FIELD : PROBLEM_UNAVAILABLE;
	}
	n = PQntuples(res);
	for (int i = 0; i < n && i < q->limit; i++) {
		struct ledger_entry e = entry_of(res, i);
		fn(&e, ctx);
	}
	snprintf(next_cursor, 24, "%s", n > q->limit ? PQgetvalue(res, (int)q->limit - 1, 0) : "");
	PQclear(res);
	return PROBLEM_NONE;
}
