#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../integration/fixture.h"
#include "check.h"
#include "ops.h"

/* The texts the translations are made of (Apertium eng-spa). */
extern const char *const model_texts[];
extern const int model_ntexts;

/* The coupons of every run: amounts and how many may redeem each. */
static const long long coupon_amounts[REF_COUPONS] = { 500000, 1250000, 3000000, 10000, 10000000,
	2345678 };
static const int coupon_max[REF_COUPONS] = { 1, 2, 3, 1, 2, 3 };

int world_expect(struct world *w, int ok, const char *kind, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		w->passed++;
		return 1;
	}
	w->failed++;
	if (w->kind[0] == '\0') {
		w->fail_ws = w->check_ws;
		snprintf(w->kind, sizeof(w->kind), "%s", kind);
		va_start(ap, fmt);
		vsnprintf(w->failure, sizeof(w->failure), fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* Drops PostgreSQL's notices (a crash's "terminating connection"). */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Returns a new connection to the stack's database that keeps quiet. */
static PGconn *connect_quiet(void)
{
	PGconn *pg = pg_connect();

	if (pg != NULL)
		PQsetNoticeProcessor(pg, quiet, NULL);
	return pg;
}

PGresult *world_sql(struct world *w, const char *sql, int n, const char *const *params)
{
	PGresult *res = NULL;

	for (int attempt = 0; attempt < 20; attempt++) {
		if (w->pg == NULL || PQstatus(w->pg) != CONNECTION_OK) {
			PQfinish(w->pg);
			w->pg = connect_quiet();
		}
		res = PQexecParams(w->pg, sql, n, NULL, params, NULL, NULL, 0);
		if (PQstatus(w->pg) == CONNECTION_OK)
			return res;
		PQclear(res);
		res = NULL;
		usleep(250 * 1000); /* PostgreSQL is starting again */
	}
	return res;
}

int world_intent(const struct world *w, const char *pi)
{
	for (int i = w->m->nin - 1; i >= 0 && pi[0] != '\0'; i--)
		if (strcmp(w->m->in[i].id, pi) == 0)
			return i;
	return -1;
}

/* Translates every text of the pool once (Apertium starts its pipelines;
 * the translations are cached) with key. Returns 0 or -1. */
static int warm_up(const char *key)
{
	for (int i = 0; i < model_ntexts; i++) {
		char body[300];
		long st = 0;
		snprintf(body, sizeof(body),
		    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}", model_texts[i]);
		for (int attempt = 0; attempt < 30 && st != 200; attempt++) {
			struct http_response r;
			st = request_as("POST", "/v1/translate", key, body, &r);
			http_free(&r);
			if (st != 200)
				sleep(1);
		}
		if (st != 200) {
			fprintf(stderr, "model: cannot translate \"%s\" (HTTP %ld)\n",
			    model_texts[i], st);
			return -1;
		}
	}
	return 0;
}

int world_open(struct world *w)
{
	char key[160], id[64];

	memset(w, 0, sizeof(*w));
	w->pg = connect_quiet();
	if (PQstatus(w->pg) != CONNECTION_OK) {
		fprintf(stderr, "model: PostgreSQL: %s", PQerrorMessage(w->pg));
		return -1;
	}
	if (make_workspace("model operators", key, sizeof(key), id, sizeof(id)) < 0 ||
	    make_key(id, "platform", w->platform_key, sizeof(w->platform_key)) < 0) {
		fprintf(stderr, "model: cannot make the operators' workspace and key\n");
		return -1;
	}
	return warm_up(key);
}

/* Makes workspace i of the run (enterprise: no monthly cap) with its
 * customer and a card. Returns 0 or -1. */
static int make_ws(struct world *w, int i)
{
	char args[200], body[200], *out;
	struct http_response r;
	long st;

	snprintf(args, sizeof(args), "workspace create 'model %s w%d' --plan enterprise", w->tag,
	    i);
	out = admin(args);
	field(out, "api_key=", w->ws_key[i], sizeof(w->ws_key[i]));
	field(out, "workspace_id=", w->ws_id[i], sizeof(w->ws_id[i]));
	free(out);
	if (w->ws_key[i][0] == '\0' || w->ws_id[i][0] == '\0')
		return -1;
	snprintf(body, sizeof(body), "{\"customer\":\"cus_m%sw%d\",\"payment_method\":\"%s\"}",
	    w->tag, i, ref_pm_name(PM_VISA));
	st = request_as("PUT", "/v1/billing/payment-method", w->ws_key[i], body, &r);
	http_free(&r);
	w->m->ws[i].pm = PM_VISA;
	return st == 200 ? ops_fund(w, i) : -1;
}

/* Makes the run's coupons. Returns 0 or -1. */
static int make_coupons(struct world *w)
{
	for (int c = 0; c < REF_COUPONS; c++) {
		char body[200], amount[32];
		struct http_response r;
		long st;
		snprintf(w->coupon[c], sizeof(w->coupon[c]), "M%sC%d", w->tag, c);
		ops_money(coupon_amounts[c], amount, sizeof(amount));
		snprintf(body, sizeof(body),
		    "{\"code\":\"%s\",\"amount\":\"%s\",\"max_redemptions\":%d}", w->coupon[c],
		    amount, coupon_max[c]);
		st = request_as("POST", "/v1/admin/coupons", w->platform_key, body, &r);
		http_free(&r);
		if (st != 201)
			return -1;
	}
	return 0;
}

int world_begin(struct world *w, const char *tag)
{
	snprintf(w->tag, sizeof(w->tag), "%s", tag);
	w->m = ref_new(coupon_amounts, coupon_max);
	w->nev = 0;
	w->last_ledger_id = 0;
	memset(w->ledger_sum, 0, sizeof(w->ledger_sum));
	memset(w->ledger_after, 0, sizeof(w->ledger_after));
	w->kind[0] = w->failure[0] = '\0';
	if (w->m == NULL)
		return -1;
	for (int i = 0; i < REF_WS; i++)
		if (make_ws(w, i) < 0) {
			fprintf(stderr, "model: cannot make workspace %d of run %s\n", i, tag);
			return -1;
		}
	if (make_coupons(w) < 0) {
		fprintf(stderr, "model: cannot make the coupons of run %s\n", tag);
		return -1;
	}
	check_step(w);
	return w->kind[0] != '\0' ? -1 : 0;
}

void world_end(struct world *w)
{
	const char *p[] = { w->ws_id[0], w->ws_id[1], w->ws_id[2] };
	PGresult *res;

	/* the resolver looks at payments untouched for 5 minutes, oldest
	 * first: a finished run's open payments are put out of its way */
	res = world_sql(w,
	    "UPDATE payments SET updated_at = now() + interval '100 years' WHERE "
	    "workspace_id IN ($1::uuid, $2::uuid, $3::uuid) AND state IN ('pending', 'processing',"
	    " 'unknown')",
	    3, p);
	PQclear(res);
	for (int i = 0; i < RS__MAX; i++)
		w->stat[i] += w->m->stat[i];
	stand_events_free(w->ev, w->nev);
	w->ev = NULL;
	w->nev = w->evcap = 0;
	ref_free(w->m);
	w->m = NULL;
}

int exec_op(struct world *w, const struct op *o)
{
	int rc;

	w->desc[0] = '\0';
	w->op = o->kind;
	/* a failure of this step is its workspace's unless a check says */
	w->check_ws = o->kind < OP_RESOLVE ? o->ws : -1;
	w->ops[o->kind < OP__MAX ? o->kind : 0]++;
	switch (o->kind) {
	case OP_USAGE:
		rc = op_usage(w, o);
		break;
	case OP_TRANSLATE:
		rc = op_translate(w, o);
		break;
	case OP_RECHARGE:
		rc = op_recharge(w, o);
		break;
	case OP_WEBHOOK:
		rc = op_webhook(w, o);
		break;
	case OP_SETTLE:
	case OP_REFUND:
	case OP_DISPUTE:
	case OP_CLOSE:
		rc = op_stripe(w, o);
		break;
	case OP_COUPON:
		rc = op_coupon(w, o);
		break;
	case OP_CREDIT:
		rc = op_credit(w, o);
		break;
	case OP_RESOLVE:
		rc = op_resolve(w, o);
		break;
	case OP_DAY:
		rc = op_day(w, o);
		break;
	case OP_PGRESTART:
		rc = op_pg_restart(w, o);
		break;
	case OP_QUIESCE:
		rc = op_quiesce(w, o);
		break;
	default:
		rc = 0;
		break;
	}
	w->check_ws = -1;
	if (w->kind[0] == '\0')
		check_step(w);
	return rc < 0 || w->kind[0] != '\0' ? -1 : 0;
}
