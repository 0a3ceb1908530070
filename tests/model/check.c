#include "autoconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The run's workspaces as SQL parameters $1..$3. */
#define WS_PARAMS(w) \
	{ \
		(w)->ws_id[0], (w)->ws_id[1], (w)->ws_id[2] \
	}
#define WS_IN "($1::uuid, $2::uuid, $3::uuid)"

/* Returns the index of workspace id in the run, or -1. */
static int ws_index(const struct world *w, const char *id)
{
	for (int i = 0; i < REF_WS; i++)
		if (strcmp(w->ws_id[i], id) == 0)
			return i;
	return -1;
}

/* Returns the number sql (one row, one column; params as world_sql())
 * answers, or LLONG_MIN when it failed. */
static long long sql_num(struct world *w, const char *sql, int n, const char *const *params)
{
	PGresult *res = world_sql(w, sql, n, params);
	long long v = LLONG_MIN;

	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		v = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/* One new ledger row (columns of check_ledger_rows()'s query, row i). */
static void check_row(struct world *w, PGresult *res, int i)
{
	const char *id = PQgetvalue(res, i, 0), *type = PQgetvalue(res, i, 2);
	const char *ref = PQgetvalue(res, i, 6), *key = PQgetvalue(res, i, 7);
	int ws = ws_index(w, PQgetvalue(res, i, 1));
	long long amount = atoll(PQgetvalue(res, i, 3)), before = atoll(PQgetvalue(res, i, 4));
	long long after = atoll(PQgetvalue(res, i, 5));

	int saved = w->check_ws;

	if (!world_expect(w, ws >= 0, "ledger", "ledger row %s of no workspace of the run", id))
		return;
	w->check_ws = ws;
	world_expect(w, before == w->ledger_after[ws], "ledger chain",
	    "ledger row %s (%s %lld) "
	    "of workspace %d starts at %lld, the row before it ended at %lld",
	    id, type, amount, ws, before, w->ledger_after[ws]);
	world_expect(w, after == before + amount && after >= 0, "balance >= 0",
	    "ledger row %s "
	    "(%s): %lld + %lld = %lld",
	    id, type, before, amount, after);
	if (key[0] != '\0') {
		const char *p[] = { w->ws_id[ws], key, type };
		long long n = sql_num(w,
		    "SELECT count(*) FROM ledger WHERE workspace_id = $1::uuid AND "
		    "idempotency_key = $2 AND ledger_key_namespace(type) = ledger_key_namespace($3)",
		    3, p);
		world_expect(w, n == 1, "key with two effects",
		    "Idempotency-Key '%s' of workspace "
		    "%d has %lld ledger rows in the namespace of %s",
		    key, ws, n, type);
	}
	if (strcmp(type, "credit") == 0) {
		const char *p[] = { ref };
		long long n = sql_num(w,
		    "SELECT count(*) FROM ledger WHERE type = 'credit' AND "
		    "reference = $1",
		    1, p);
		world_expect(w, n == 1, "credited twice", "PaymentIntent %s has %lld credit rows",
		    ref, n);
	}
	w->ledger_sum[ws] += amount;
	w->ledger_after[ws] = after;
	w->check_ws = saved;
}

/* Checks the run's ledger rows made since the last look. */
static void check_ledger_rows(struct world *w)
{
	char last[24];
	const char *p[] = { w->ws_id[0], w->ws_id[1], w->ws_id[2], last };
	PGresult *res;

	snprintf(last, sizeof(last), "%lld", w->last_ledger_id);
	res = world_sql(w,
	    "SELECT id, workspace_id, type, amount_micros, balance_before, "
	    "balance_after, coalesce(reference, ''), coalesce(idempotency_key, '') FROM ledger "
	    "WHERE workspace_id IN " WS_IN " AND id > $4::bigint ORDER BY id",
	    4, p);
	if (world_expect(w, res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK, "database",
	        "the ledger cannot be read")) {
		for (int i = 0; i < PQntuples(res); i++) {
			check_row(w, res, i);
			w->last_ledger_id = atoll(PQgetvalue(res, i, 0));
		}
	}
	PQclear(res);
}

void check_step(struct world *w)
{
	const char *p[] = WS_PARAMS(w);
	PGresult *res;

	check_ledger_rows(w);
	res = world_sql(w,
	    "SELECT id, balance_micros, reserved_micros, owed_micros FROM workspaces "
	    "WHERE id IN " WS_IN,
	    3, p);
	if (!world_expect(w,
	        res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == REF_WS,
	        "database", "the workspaces cannot be read")) {
		PQclear(res);
		return;
	}
	for (int i = 0; i < REF_WS; i++) {
		int ws = ws_index(w, PQgetvalue(res, i, 0));
		long long bal = atoll(PQgetvalue(res, i, 1)),
		          reserved = atoll(PQgetvalue(res, i, 2));
		long long owed = atoll(PQgetvalue(res, i, 3));
		const struct ref_ws *m = &w->m->ws[ws];
		w->check_ws = ws;
		world_expect(w, bal >= 0, "balance >= 0", "workspace %d: balance %lld", ws, bal);
		world_expect(w, bal == w->ledger_sum[ws] && bal == w->ledger_after[ws],
		    "balance == ledger",
		    "workspace %d: balance %lld, ledger sum %lld, last row's "
		    "balance_after %lld",
		    ws, bal, w->ledger_sum[ws], w->ledger_after[ws]);
		world_expect(w, reserved == 0, "reserved left",
		    "workspace %d: %lld reserved between "
		    "steps",
		    ws, reserved);
		world_expect(w, bal == m->balance && owed == m->owed, "model == database",
		    "workspace %d: balance %lld owed %lld; the model says balance %lld owed %lld",
		    ws, bal, owed, m->balance, m->owed);
	}
	w->check_ws = -1;
	PQclear(res);
}

/* Compares payment row i of res (PAYMENT_COLUMNS) with the model's rp. */
static void payment_row(struct world *w, const PGresult *res, int i, const struct ref_pay *rp)
{
	const char *want_pi = rp->linked ? w->m->in[rp->intent].id : "";
	const char *state = PQgetvalue(res, i, 1), *pi = PQgetvalue(res, i, 3);
	int credited = atoi(PQgetvalue(res, i, 2)), saved = w->check_ws;
	long long refunded = atoll(PQgetvalue(res, i, 4));

	w->check_ws = rp->ws;
	world_expect(w,
	    strcmp(state, ref_pstate_name(rp->state)) == 0 && credited == rp->credited &&
	        strcmp(pi, want_pi) == 0 && (!credited || refunded == rp->refunded),
	    "model == database",
	    "payment %s (workspace %d, key k%d, %lld): state %s credited %d PaymentIntent '%s' "
	    "refunded %lld; the model says %s %d '%s' %lld",
	    rp->id, rp->ws, rp->key, rp->amount, state, credited, pi, refunded,
	    ref_pstate_name(rp->state), rp->credited, want_pi, rp->refunded);
	w->check_ws = saved;
}

#define PAYMENT_COLUMNS \
	"id, state, (credited_at IS NOT NULL)::int, " \
	"coalesce(stripe_payment_intent, ''), refunded_micros"

void check_payment(struct world *w, int p)
{
	const struct ref_pay *rp = &w->m->pay[p];
	const char *params[] = { rp->id };
	PGresult *res;

	if (rp->id[0] == '\0')
		return; /* no answer named it yet */
	res =
	    world_sql(w, "SELECT " PAYMENT_COLUMNS " FROM payments WHERE id = $1::uuid", 1, params);
	if (world_expect(w,
	        res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1,
	        "model == database",
	        "payment %s (workspace %d, key k%d) is not "
	        "in the database",
	        rp->id, rp->ws, rp->key))
		payment_row(w, res, 0, rp);
	PQclear(res);
}

void check_payments(struct world *w)
{
	const char *p[] = WS_PARAMS(w);
	PGresult *res = world_sql(w,
	    "SELECT " PAYMENT_COLUMNS " FROM payments WHERE workspace_id IN " WS_IN, 3, p);
	int known = 0;

	if (!world_expect(w, res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK, "database",
	        "payments cannot be read")) {
		PQclear(res);
		return;
	}
	for (int i = 0; i < w->m->npay; i++)
		known += w->m->pay[i].id[0] != '\0';
	world_expect(w, PQntuples(res) == known, "model == database",
	    "the database has %d "
	    "payments of the run, the model %d",
	    PQntuples(res), known);
	for (int i = 0; i < PQntuples(res); i++) {
		int rp = ref_pay_by_id(w->m, PQgetvalue(res, i, 0));
		if (world_expect(w, rp >= 0, "model == database", "payment %s is not the model's",
		        PQgetvalue(res, i, 0)))
			payment_row(w, res, i, &w->m->pay[rp]);
	}
	PQclear(res);
}

/* The whole ledger of the run: sums, chains, keys. */
static void check_books(struct world *w)
{
	const char *p[] = WS_PARAMS(w);
	long long n;

	n = sql_num(w,
	    "SELECT count(*) FROM workspaces w WHERE id IN " WS_IN " AND balance_micros "
	    "<> (SELECT coalesce(sum(amount_micros), 0) FROM ledger l WHERE l.workspace_id = w.id)",
	    3, p);
	world_expect(w, n == 0, "balance == ledger",
	    "%lld workspaces' balances are not their "
	    "ledger's sum",
	    n);
	n = sql_num(w,
	    "SELECT count(*) FROM (SELECT balance_before, lag(balance_after, 1, 0::bigint)"
	    " OVER (PARTITION BY workspace_id ORDER BY id) AS prev FROM ledger WHERE workspace_id IN " WS_IN
	    ") c WHERE balance_before <> prev",
	    3, p);
	world_expect(w, n == 0, "ledger chain",
	    "%lld ledger rows do not start where the row "
	    "before them ended",
	    n);
	n = sql_num(w,
	    "SELECT count(*) FROM (SELECT 1 FROM ledger WHERE workspace_id IN " WS_IN
	    " AND idempotency_key IS NOT NULL GROUP BY workspace_id, ledger_key_namespace(type), "
	    "idempotency_key HAVING count(*) > 1) d",
	    3, p);
	world_expect(w, n == 0, "key with two effects",
	    "%lld Idempotency-Keys have two ledger "
	    "rows",
	    n);
}

/* Every PaymentIntent of the run: credited exactly once when it
 * succeeded at Stripe, never otherwise. */
static void check_intents(struct world *w)
{
	const char *p[] = WS_PARAMS(w);
	PGresult *res = world_sql(w,
	    "SELECT reference, count(*) FROM ledger WHERE type = 'credit'"
	    " AND workspace_id IN " WS_IN " GROUP BY reference",
	    3, p);
	int credited_rows = 0, want_rows = 0;

	if (!world_expect(w, res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK, "database",
	        "the credits cannot be read")) {
		PQclear(res);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		int in = world_intent(w, PQgetvalue(res, i, 0));
		long long n = atoll(PQgetvalue(res, i, 1));
		world_expect(w, in >= 0 && n == 1 && w->m->in[in].status == IS_SUCCEEDED,
		    "credited once", "PaymentIntent %s is credited %lld times; at Stripe it is %s",
		    PQgetvalue(res, i, 0), n,
		    in >= 0 ? ref_istatus_name(w->m->in[in].status) : "unknown to the model");
		credited_rows++;
	}
	for (int i = 0; i < w->m->nin; i++)
		want_rows += w->m->in[i].status == IS_SUCCEEDED;
	world_expect(w, credited_rows == want_rows, "credited once",
	    "%d PaymentIntents are "
	    "credited; %d succeeded at Stripe",
	    credited_rows, want_rows);
	PQclear(res);
}

/* Money in: what Stripe kept for the run's customers equals the credits
 * of payments net of what was taken back (refund, dispute, owed rows) and
 * of what is still owed. */
static void check_money_in(struct world *w)
{
	const char *p[] = WS_PARAMS(w);
	char prefix[48];
	long long net, books;

	snprintf(prefix, sizeof(prefix), "cus_m%sw", w->tag);
	net = stand_net(prefix);
	books = sql_num(w,
	    "SELECT (SELECT coalesce(sum(amount_micros), 0) FROM ledger WHERE "
	    "workspace_id IN " WS_IN " AND (type IN ('credit', 'refund', 'dispute') OR (type = "
	    "'adjustment' AND reference LIKE 'owed:%')))"
	    " - (SELECT sum(owed_micros) FROM workspaces WHERE id IN " WS_IN ")",
	    3, p);
	world_expect(w, net != LLONG_MIN && books != LLONG_MIN && net * 10000 == books, "money in",
	    "Stripe kept %lld cents for the run's customers; the ledger's payments net of what "
	    "was taken back and what is owed are %lld micros",
	    net, books);
}

void check_quiescent(struct world *w)
{
	check_step(w);
	check_books(w);
	check_payments(w);
	check_intents(w);
	check_money_in(w);
}
