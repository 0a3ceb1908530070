/* The operations of payments: recharges, Stripe's events delivered as
 * webhooks, what happens at Stripe (a bank debit settles, a refund, a
 * dispute), the resolver, days going by, and the quiescent point. */
#include "autoconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/fixture.h"
#include "check.h"
#include "ops.h"

#define RECHARGE_PATH "/v1/billing/recharge"

/* Returns 1 when event se is about a payment of the run. */
static int ours(const struct world *w, const struct stand_event *se)
{
	char prefix[48];

	snprintf(prefix, sizeof(prefix), "cus_m%sw", w->tag);
	return strncmp(se->customer, prefix, strlen(prefix)) == 0 || world_intent(w, se->pi) >= 0;
}

/* Binds the PaymentIntent of payment_intent event se to the model's
 * payment it was made for; adds a new one to *made. */
static void bind(struct world *w, const struct stand_event *se, int *made)
{
	int p = ref_pay_by_id(w->m, se->payment_id), i;
	struct ref_intent *in;

	if (!world_expect(w, p >= 0, "one PaymentIntent per payment",
	        "Stripe made %s for "
	        "payment '%s', which the model does not know",
	        se->pi, se->payment_id))
		return;
	i = w->m->pay[p].intent;
	if (!world_expect(w, i >= 0, "one PaymentIntent per payment",
	        "Stripe made %s for "
	        "payment %s, which the model did not send to Stripe",
	        se->pi, se->payment_id))
		return;
	in = &w->m->in[i];
	if (in->id[0] == '\0') {
		snprintf(in->id, sizeof(in->id), "%s", se->pi);
		(*made)++;
	} else
		world_expect(w, strcmp(in->id, se->pi) == 0, "one PaymentIntent per payment",
		    "payment %s has two PaymentIntents at Stripe: %s and %s", se->payment_id,
		    in->id, se->pi);
}

int ops_sync_events(struct world *w, int *made)
{
	struct stand_event *ev;
	int n;

	if (!world_expect(w, stand_events_new(&ev, &n) == 0, "stand-in",
	        "the Stripe stand-in "
	        "does not answer"))
		return -1;
	for (int i = 0; i < n; i++) {
		if (!ours(w, &ev[i]))
			continue;
		if (strncmp(ev[i].type, "payment_intent.", 15) == 0)
			bind(w, &ev[i], made);
		ev[i].ws = world_intent(w, ev[i].pi) >= 0
		    ? w->m->pay[w->m->in[world_intent(w, ev[i].pi)].pay].ws
		    : -1;
		if (w->nev == w->evcap) {
			int cap = w->evcap ? w->evcap * 2 : 256;
			struct stand_event *grown = realloc(w->ev, (size_t)cap * sizeof(*grown));
			if (grown == NULL)
				break;
			w->ev = grown;
			w->evcap = cap;
		}
		w->ev[w->nev++] = ev[i];
		ev[i].json = NULL; /* kept */
	}
	stand_events_free(ev, n);
	return 0;
}

/* Learns the server's id of the payment made under key k of ws (its
 * answers may not say it), and checks that one exists exactly when the
 * model made one. */
static void learn_payment(struct world *w, int ws, int k)
{
	struct ref_key *key = &w->m->ws[ws].keys[k];
	char idem[16];
	const char *p[] = { w->ws_id[ws], idem };
	PGresult *res;

	snprintf(idem, sizeof(idem), "k%d", k);
	res = world_sql(w,
	    "SELECT id FROM payments WHERE workspace_id = $1::uuid AND "
	    "idempotency_key = $2",
	    2, p);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		world_expect(w, 0, "database", "payments cannot be read");
	} else if (world_expect(w, (PQntuples(res) == 1) == (key->pay >= 0), "model == database",
	               "%s: the database has %d payments under key %s, the model %d", w->desc,
	               PQntuples(res), idem, key->pay >= 0) &&
	    key->pay >= 0)
		snprintf(w->m->pay[key->pay].id, sizeof(w->m->pay[key->pay].id), "%s",
		    PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* Saves payment method pm for ws when it is not the saved one. */
static void use_method(struct world *w, int ws, int pm)
{
	char body[200];
	struct req q = { "PUT", "/v1/billing/payment-method", w->ws_key[ws], NULL, body, 0 };
	struct http_response r;
	int retried;
	long st;

	if (w->m->ws[ws].pm == pm)
		return;
	snprintf(body, sizeof(body), "{\"customer\":\"cus_m%sw%d\",\"payment_method\":\"%s\"}",
	    w->tag, ws, ref_pm_name((enum ref_pm)pm));
	st = ops_send(w, &q, NULL, &retried, &r);
	http_free(&r);
	if (world_expect(w, st == 200, "answer", "PUT /v1/billing/payment-method %s: HTTP %ld",
	        ref_pm_name((enum ref_pm)pm), st))
		w->m->ws[ws].pm = pm;
}

/* Tells the stand-in to cut off its next n calls. */
static void drop_calls(struct world *w, int n)
{
	char form[24];
	struct http_response r;

	snprintf(form, sizeof(form), "count=%d", n);
	world_expect(w, stand_post("/fixture/drop", form, &r) == 200, "stand-in",
	    "/fixture/drop does not answer");
	http_free(&r);
}

/* Compares a recharge's answer members with e. */
static void recharge_members(struct world *w, const struct op *o, const struct ref_expect *e,
    const struct http_response *r)
{
	const struct ref_pay *p = &w->m->pay[e->pay];
	const char *state = http_json_str(r, "state"), *pi = http_json_str(r, "payment_intent");
	const char *want_pi = p->linked ? w->m->in[p->intent].id : NULL;
	long long bal = ops_json_num(r, "balance_micros");

	world_expect(w,
	    state != NULL && strcmp(state, e->state) == 0 &&
	        ops_json_num(r, "amount_micros") == e->amount &&
	        ((pi == NULL && want_pi == NULL) ||
	            (pi != NULL && want_pi != NULL && strcmp(pi, want_pi) == 0)),
	    "answer", "%s: state %s, amount %lld, PaymentIntent %s; the model says %s, %lld, %s",
	    w->desc, state != NULL ? state : "(none)", ops_json_num(r, "amount_micros"),
	    pi != NULL ? pi : "(none)", e->state, e->amount, want_pi != NULL ? want_pi : "(none)");
	/* after a fault the attempt that credited may not be the one that answered */
	if (o->fault == FAULT_NONE)
		world_expect(w, e->balance == -1 ? bal == LLONG_MIN : bal == e->balance, "answer",
		    "%s: balance %lld; the model says %lld (-1: none)", w->desc,
		    bal == LLONG_MIN ? -1 : bal, e->balance);
}

int op_recharge(struct world *w, const struct op *o)
{
	static const int pm_pct[PM__MAX] = { 45, 20, 10, 17, 8 };
	struct ref_ws *m = &w->m->ws[o->ws];
	int fresh = m->nkeys == 0 || o->r[0] % 100 < 75, pm = 0, drop, made = 0, retried;
	int k = fresh ? ref_key_new(w->m, o->ws) : (int)((o->r[0] / 100) % (unsigned)m->nkeys);
	struct ref_key *key = &m->keys[k];
	char body[80], request[200], idem[16];
	struct req q = { "POST", RECHARGE_PATH, w->ws_key[o->ws], idem, body, 0 };
	struct ref_expect e;
	struct http_response r;
	long long amount = (100 + o->r[1] % 900) * 10000LL; /* 1.00 to 9.99 */
	long st;

	for (unsigned x = o->r[2] % 100; pm < PM__MAX - 1 && x >= (unsigned)pm_pct[pm]; pm++)
		x -= (unsigned)pm_pct[pm];
	if (!fresh && (o->r[3] / 100) % 100 < 70 &&
	    strncmp(key->sent, "POST " RECHARGE_PATH " ", sizeof(RECHARGE_PATH) + 5) == 0)
		amount = key->sent_cost; /* a retry of that recharge */
	drop = fresh && o->fault == FAULT_NONE && o->r[3] % 100 < 6;
	snprintf(idem, sizeof(idem), "k%d", k);
	snprintf(body, sizeof(body), "{\"amount\":\"%lld.%02lld\"}", amount / 1000000,
	    amount / 10000 % 100);
	snprintf(request, sizeof(request), "POST %s %s", RECHARGE_PATH, body);
	snprintf(key->sent, sizeof(key->sent), "%s", request);
	key->sent_cost = amount;
	use_method(w, o->ws, pm);
	if (drop)
		drop_calls(w, 1);
	ref_recharge(w->m, o->ws, k, request, amount, drop, o->fault != FAULT_NONE, &e);
	snprintf(w->desc, sizeof(w->desc),
	    "recharge ws%d key %s (%s) %s with %s%s%s%s -> model: "
	    "%d %s",
	    o->ws, idem, fresh ? "new" : "used before", body, ref_pm_name((enum ref_pm)pm),
	    drop ? ", the call to Stripe cut off" : "", o->fault ? ", fault " : "",
	    fault_name(o->fault), e.status, e.state != NULL ? e.state : "");
	st = ops_send(w, &q, o, &retried, &r);
	if (drop)
		drop_calls(w, 0);
	learn_payment(w, o->ws, k);
	if (ops_sync_events(w, &made) == 0 && e.status != 0)
		world_expect(w, made == e.creates, "one PaymentIntent per payment",
		    "%s: Stripe made "
		    "%d PaymentIntents, the model says %d",
		    w->desc, made, e.creates);
	if (ops_verify(w, &e, st, &r) && (st == 200 || st == 202) && e.replay == NULL)
		recharge_members(w, o, &e, &r);
	ref_key_answer(w->m, o->ws, k, &e, r.body);
	http_free(&r);
	if (e.pay >= 0)
		check_payment(w, e.pay);
	return 0;
}

/* Reads event se into the model's terms. Returns 0, or -1 when the model
 * does not know what it is about. */
static int model_event(struct world *w, const struct stand_event *se, struct ref_event *re)
{
	static const char *const st[IS__MAX] = { "succeeded", "processing", "requires_action",
		"requires_payment_method", "canceled" };

	memset(re, 0, sizeof(*re));
	re->intent = world_intent(w, se->pi);
	re->dispute = -1;
	if (re->intent < 0)
		return -1;
	if (strncmp(se->type, "payment_intent.", 15) == 0) {
		re->kind = EV_INTENT;
		re->status = IS__MAX;
		for (int i = 0; i < IS__MAX; i++)
			if (strcmp(se->status, st[i]) == 0)
				re->status = (enum ref_istatus)i;
		return re->status < IS__MAX ? 0 : -1;
	}
	if (strcmp(se->type, "charge.refunded") == 0) {
		re->kind = EV_REFUND;
		re->refunded = se->cents * 10000;
		return 0;
	}
	re->kind = EV_DISPUTE;
	re->dispute = w->m->in[re->intent].dispute;
	re->amount = se->cents * 10000;
	re->dstatus = strcmp(se->status, "won") == 0 ? DS_WON
	    : strcmp(se->status, "lost") == 0        ? DS_LOST
	                                             : DS_OPEN;
	return re->dispute >= 0 && strcmp(w->m->dp[re->dispute].id, se->dispute) == 0 ? 0 : -1;
}

/* Delivers the run's event i (o: its fault, NULL none) and compares. */
static int deliver(struct world *w, int i, const struct op *o)
{
	struct stand_event *se = &w->ev[i];
	struct req q = { "POST", "/v1/billing/webhooks/stripe", NULL, NULL, se->json, 1 };
	struct ref_expect e;
	struct ref_event re;
	struct http_response r;
	int retried, fault = o != NULL && o->fault != FAULT_NONE;
	long st;

	if (!world_expect(w, model_event(w, se, &re) == 0, "stand-in",
	        "event %s (%s) is about "
	        "nothing the model knows",
	        se->id, se->type))
		return -1;
	ref_webhook(w->m, &re, se->delivered, &e);
	snprintf(w->desc, sizeof(w->desc),
	    "webhook %s %s %s%s%s %lld%s%s -> model: matched %d "
	    "duplicate %d",
	    se->id, se->type, se->pi, se->dispute[0] ? " " : "", se->dispute, se->cents,
	    fault ? ", fault " : "", fault ? fault_name(o->fault) : "", e.matched, e.duplicate);
	st = ops_send(w, &q, o, &retried, &r);
	se->delivered = 1;
	if (ops_verify(w, &e, st, &r) && !fault) {
		struct json_object *d = NULL, *m = NULL;
		json_object_object_get_ex(r.json, "duplicate", &d);
		json_object_object_get_ex(r.json, "matched", &m);
		world_expect(w,
		    d != NULL && m != NULL && json_object_get_boolean(d) == e.duplicate &&
		        json_object_get_boolean(m) == e.matched,
		    "answer", "%s: %s", w->desc, r.body);
	}
	http_free(&r);
	check_payment(w, w->m->in[re.intent].pay);
	return 0;
}

/* An event about the workspace's payments: the oldest not delivered yet
 * (in order), a later one (late), the newest first, or one delivered
 * before (again). */
int op_webhook(struct world *w, const struct op *o)
{
	int n = 0, undelivered = 0, pick = -1, mode = (int)(o->r[0] % 100), nth;

	for (int i = 0; i < w->nev; i++)
		if (w->ev[i].ws == o->ws) {
			n++;
			undelivered += !w->ev[i].delivered;
		}
	if (n == 0) {
		snprintf(w->desc, sizeof(w->desc), "webhook ws%d: no event yet", o->ws);
		return 0;
	}
	if (undelivered > 0 && mode < 90)
		nth = mode < 50 ? 0
		    : mode < 80 ? (int)(o->r[1] % (unsigned)undelivered)
		                : undelivered - 1;
	else
		nth = (int)(o->r[1] % (unsigned)n);
	for (int i = 0; i < w->nev && pick < 0; i++)
		if (w->ev[i].ws == o->ws &&
		    (!w->ev[i].delivered || undelivered == 0 || mode >= 90) && nth-- == 0)
			pick = i;
	return deliver(w, pick, o);
}

/* Returns 1 when PaymentIntent j is the workspace ws's and ok says so. */
static int eligible(const struct world *w, int j, int ws,
    int (*ok)(const struct world *, const struct ref_intent *))
{
	const struct ref_intent *in = &w->m->in[j];

	return in->id[0] != '\0' && w->m->pay[in->pay].ws == ws && ok(w, in);
}

/* The PaymentIntents of workspace ws for which ok(w, in) holds: writes
 * one of them into *i, 7 times in 10 one of the newest three (so that
 * leaving older operations out while shrinking does not change which),
 * else any. Returns how many there are. */
static int choose_intent(const struct world *w, int ws, unsigned r,
    int (*ok)(const struct world *, const struct ref_intent *), int *i)
{
	int n = 0;

	for (int j = 0; j < w->m->nin; j++)
		n += eligible(w, j, ws, ok);
	*i = -1;
	if (n == 0)
		return 0;
	r = r % 10 < 7 ? (unsigned)n - 1 - (r / 10) % (unsigned)(n < 3 ? n : 3)
	               : (r / 10) % (unsigned)n;
	for (int j = 0; j < w->m->nin && *i < 0; j++)
		if (eligible(w, j, ws, ok) && r-- == 0)
			*i = j;
	return n;
}

/* Which PaymentIntents may move on, be refunded, be disputed. */
static int can_settle(const struct world *w, const struct ref_intent *in)
{
	(void)w;
	return in->status == IS_PROCESSING || in->status == IS_ACTION || in->status == IS_DECLINED;
}

static int can_take(const struct world *w, const struct ref_intent *in)
{
	(void)w;
	return in->status == IS_SUCCEEDED && in->dispute < 0 && in->refunded < in->amount;
}

/* At the stand-in: a PaymentIntent settles (or fails, or is canceled). */
static int stripe_settle(struct world *w, const struct op *o)
{
	int i;
	char path[96];
	const char *to;
	enum ref_istatus s;
	struct http_response r;

	if (choose_intent(w, o->ws, o->r[0], can_settle, &i) == 0) {
		snprintf(w->desc, sizeof(w->desc), "stripe-settle ws%d: nothing to settle", o->ws);
		return 0;
	}
	if (w->m->in[i].status == IS_DECLINED) /* the customer fixes the card, or gives up */
		s = o->r[1] % 100 < 60 ? IS_SUCCEEDED : IS_CANCELED;
	else
		s = o->r[1] % 100 < 55   ? IS_SUCCEEDED
		    : o->r[1] % 100 < 80 ? IS_DECLINED
		                         : IS_CANCELED;
	to = s == IS_SUCCEEDED ? "succeeded" : s == IS_DECLINED ? "payment_failed" : "canceled";
	snprintf(path, sizeof(path), "/fixture/intents/%s", w->m->in[i].id);
	snprintf(w->desc, sizeof(w->desc), "stripe-settle %s (%s) -> %s", w->m->in[i].id,
	    ref_istatus_name(w->m->in[i].status), to);
	world_expect(w,
	    stand_post(path,
	        to[0] == 's'       ? "status=succeeded"
	            : to[0] == 'p' ? "status=payment_failed"
	                           : "status=canceled",
	        &r) == 200,
	    "stand-in", "%s: %s", w->desc, r.body);
	http_free(&r);
	ref_settle(w->m, i, s);
	return 0;
}

/* At the stand-in: a refund, or a dispute, of a succeeded PaymentIntent. */
static int stripe_take(struct world *w, const struct op *o, int dispute)
{
	int i;
	long long left;
	unsigned long long cents;
	char form[120];
	struct http_response r;

	if (choose_intent(w, o->ws, o->r[0], can_take, &i) == 0) {
		snprintf(w->desc, sizeof(w->desc), "%s ws%d: nothing to take", op_name(o->kind),
		    o->ws);
		return 0;
	}
	left = (w->m->in[i].amount - w->m->in[i].refunded) / 10000;
	cents =
	    o->r[1] % 100 < 35 ? (unsigned long long)left : 1 + o->r[2] % (unsigned long long)left;
	snprintf(form, sizeof(form), "payment_intent=%s&amount=%llu", w->m->in[i].id, cents);
	snprintf(w->desc, sizeof(w->desc), "%s %s of %llu cents (paid %lld, refunded %lld)",
	    op_name(o->kind), w->m->in[i].id, cents, w->m->in[i].amount / 10000,
	    w->m->in[i].refunded / 10000);
	if (world_expect(w,
	        stand_post(dispute ? "/fixture/dispute" : "/fixture/refund", form, &r) == 200,
	        "stand-in", "%s: %s", w->desc, r.body)) {
		if (!dispute)
			ref_refund(w->m, i, (long long)cents * 10000);
		else {
			int d = ref_dispute_open(w->m, i, (long long)cents * 10000);
			const char *id = http_json_str(&r, "id");
			if (d >= 0)
				snprintf(w->m->dp[d].id, sizeof(w->m->dp[d].id), "%s",
				    id ? id : "");
		}
	}
	http_free(&r);
	return 0;
}

/* At the stand-in: an open dispute is won or lost. */
static int stripe_close(struct world *w, const struct op *o)
{
	int n = 0, d = -1, won = o->r[1] % 2 == 0;
	unsigned x;
	char path[96];
	struct http_response r;

	for (int j = 0; j < w->m->ndp; j++)
		n += w->m->dp[j].status == DS_OPEN &&
		    w->m->pay[w->m->in[w->m->dp[j].intent].pay].ws == o->ws;
	if (n == 0) {
		snprintf(w->desc, sizeof(w->desc), "stripe-close ws%d: no open dispute", o->ws);
		return 0;
	}
	x = o->r[0] % (unsigned)n;
	for (int j = 0; j < w->m->ndp && d < 0; j++)
		if (w->m->dp[j].status == DS_OPEN &&
		    w->m->pay[w->m->in[w->m->dp[j].intent].pay].ws == o->ws && x-- == 0)
			d = j;
	snprintf(path, sizeof(path), "/fixture/disputes/%s", w->m->dp[d].id);
	snprintf(w->desc, sizeof(w->desc), "stripe-close %s of %s (%lld cents): %s", w->m->dp[d].id,
	    w->m->in[w->m->dp[d].intent].id, w->m->dp[d].amount / 10000, won ? "won" : "lost");
	world_expect(w, stand_post(path, won ? "status=won" : "status=lost", &r) == 200, "stand-in",
	    "%s: %s", w->desc, r.body);
	http_free(&r);
	ref_dispute_close(w->m, d, won);
	return 0;
}

int op_stripe(struct world *w, const struct op *o)
{
	int made = 0, rc;

	rc = o->kind == OP_SETTLE ? stripe_settle(w, o)
	    : o->kind == OP_CLOSE ? stripe_close(w, o)
	                          : stripe_take(w, o, o->kind == OP_DISPUTE);
	if (ops_sync_events(w, &made) == 0)
		world_expect(w, made == 0, "one PaymentIntent per payment",
		    "%s: Stripe made %d "
		    "PaymentIntents",
		    w->desc, made);
	return rc;
}

int op_resolve(struct world *w, const struct op *o)
{
	const char *p[] = { w->ws_id[0], w->ws_id[1], w->ws_id[2] };
	PGresult *res;
	char *out;
	int made = 0;

	(void)o;
	snprintf(w->desc, sizeof(w->desc), "resolve: dragoman-admin payments resolve");
	/* it looks at payments untouched for 5 minutes */
	res = world_sql(w,
	    "UPDATE payments SET updated_at = updated_at - interval '10 minutes' "
	    "WHERE workspace_id IN ($1::uuid, $2::uuid, $3::uuid)",
	    3, p);
	world_expect(w, res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK, "database",
	    "payments cannot be aged");
	PQclear(res);
	out = admin("payments resolve");
	world_expect(w, out != NULL, "resolve", "dragoman-admin payments resolve failed");
	free(out);
	ref_resolve(w->m);
	if (ops_sync_events(w, &made) == 0)
		world_expect(w, made == 0, "one PaymentIntent per payment",
		    "%s: Stripe made %d "
		    "PaymentIntents",
		    w->desc, made);
	check_payments(w);
	return 0;
}

int op_day(struct world *w, const struct op *o)
{
	PGresult *res;
	struct http_response r;

	(void)o;
	snprintf(w->desc, sizeof(w->desc),
	    "day: 25 hours go by (Stripe's clock; the payments' "
	    "times)");
	world_expect(w, stand_post("/fixture/clock", "advance=90000", &r) == 200, "stand-in",
	    "/fixture/clock does not answer");
	http_free(&r);
	res = world_sql(w,
	    "UPDATE payments SET created_at = created_at - interval '25 hours', "
	    "updated_at = updated_at - interval '25 hours', stripe_attempted_at = "
	    "stripe_attempted_at - interval '25 hours', expires_at = expires_at - "
	    "interval '25 hours'",
	    0, NULL);
	world_expect(w, res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK, "database",
	    "payments cannot be aged");
	PQclear(res);
	ref_day(w->m);
	return 0;
}

int op_quiesce(struct world *w, const struct op *o)
{
	unsigned long long st = o->r[0];
	int *order = malloc((size_t)(w->nev + 1) * sizeof(int)), n = 0;

	if (order == NULL)
		return -1;
	/* every event not delivered yet, in any order, and a few again */
	for (int i = 0; i < w->nev; i++)
		if (!w->ev[i].delivered)
			order[n++] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(gen_next(&st) % (unsigned long long)(i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < n && w->kind[0] == '\0'; i++) {
		(void)deliver(w, order[i], NULL);
		if (w->kind[0] == '\0')
			check_step(w);
	}
	for (int i = 0; i < 3 && w->nev > 0 && w->kind[0] == '\0'; i++)
		(void)deliver(w, (int)(gen_next(&st) % (unsigned long long)w->nev), NULL);
	free(order);
	if (w->kind[0] == '\0')
		(void)op_resolve(w, o);
	snprintf(w->desc, sizeof(w->desc), "quiesce: %d events delivered, resolve, the books", n);
	if (w->kind[0] == '\0')
		check_quiescent(w);
	return 0;
}
