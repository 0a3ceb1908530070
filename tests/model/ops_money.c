/* The operations that move credit without Stripe: metering charges,
 * translations, operators' grants and adjustments, coupons. */
#include "autoconfig.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"

/* Apertium eng-spa translates them; with charge_cached = on each costs
 * its characters (1.00 per million: one micro each) cached or not. */
const char *const model_texts[] = {
	"The house is red.",
	"I like green tea.",
	"Where is the station?",
	"The cat sleeps on the chair.",
	"We read a book every night.",
	"The river is long and cold.",
	"My brother works in a big city.",
	"She opens the window in the morning.",
	"The children play in the garden.",
	"This road goes to the sea.",
	"He drinks coffee with milk.",
	"The shop closes at six.",
};
const int model_ntexts = (int)(sizeof(model_texts) / sizeof(model_texts[0]));

#define USAGE_PATH "/v1/billing/usage"
#define TRANSLATE_PATH "/v1/translate"

/* Returns the tenant key of ws to use: a new one fresh_pct in 100 times
 * (or when there is none), else one used before; sets *fresh. */
static int pick_key(struct world *w, int ws, unsigned r, unsigned fresh_pct, int *fresh)
{
	const struct ref_ws *m = &w->m->ws[ws];

	*fresh = m->nkeys == 0 || r % 100 < fresh_pct;
	return *fresh ? ref_key_new(w->m, ws) : (int)((r / 100) % (unsigned)m->nkeys);
}

/* When r says so and the key's last request went to path, copies its
 * body into body and its cost into *cost. Returns 1 when it did. */
static int same_request(const struct ref_key *key, const char *path, unsigned r, char *body,
    size_t bodysz, long long *cost)
{
	char prefix[64];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "POST %s ", path);

	if (r % 100 >= 60 || strncmp(key->sent, prefix, n) != 0)
		return 0;
	snprintf(body, bodysz, "%s", key->sent + n);
	*cost = key->sent_cost;
	return 1;
}

/* A charge (metering or translation) of cost under tenant key k with
 * body; what: the member of the answer that says what was charged. */
static int charge(struct world *w, const struct op *o, int k, int fresh, const char *path,
    const char *body, long long cost, const char *what)
{
	struct ref_key *key = &w->m->ws[o->ws].keys[k];
	char request[320], idem[16];
	struct req q = { "POST", path, w->ws_key[o->ws], idem, body, 0 };
	struct ref_expect e;
	struct http_response r;
	int retried;
	long st;

	snprintf(idem, sizeof(idem), "k%d", k);
	snprintf(request, sizeof(request), "POST %s %s", path, body);
	snprintf(key->sent, sizeof(key->sent), "%s", request);
	key->sent_cost = cost;
	ref_charge(w->m, o->ws, k, request, cost, &e);
	snprintf(w->desc, sizeof(w->desc),
	    "%s ws%d key %s (%s) %s, costs %lld micros%s%s -> "
	    "model: %d",
	    op_name(o->kind), o->ws, idem, fresh ? "new" : "used before", body, cost,
	    o->fault ? ", fault " : "", fault_name(o->fault), e.status);
	st = ops_send(w, &q, o, &retried, &r);
	if (ops_verify(w, &e, st, &r) && st == 200 && e.replay == NULL)
		world_expect(w, ops_json_num(&r, what) == cost, "answer", "%s: %s %lld", w->desc,
		    what, ops_json_num(&r, what));
	ref_key_answer(w->m, o->ws, k, &e, r.body);
	http_free(&r);
	return 0;
}

int op_usage(struct world *w, const struct op *o)
{
	int fresh, k = pick_key(w, o->ws, o->r[0], 70, &fresh);
	char body[200];
	long long cost;

	if (fresh ||
	    !same_request(&w->m->ws[o->ws].keys[k], USAGE_PATH, o->r[2], body, sizeof(body),
	        &cost)) {
		long qty = 1 + (long)(o->r[1] % 500);
		snprintf(body, sizeof(body),
		    "{\"quantity\":%ld,\"unit\":\"requests\","
		    "\"model\":\"dragoman/call\"}",
		    qty);
		cost = qty * 10000; /* dragoman/call: 10000.00 per million requests */
	}
	return charge(w, o, k, fresh, USAGE_PATH, body, cost, "charged_micros");
}

int op_translate(struct world *w, const struct op *o)
{
	int fresh, k = pick_key(w, o->ws, o->r[0], 70, &fresh);
	char body[320];
	long long cost = 0;

	if (fresh ||
	    !same_request(&w->m->ws[o->ws].keys[k], TRANSLATE_PATH, o->r[2], body, sizeof(body),
	        &cost)) {
		int n = 1 + (int)(o->r[1] % 3);
		size_t len = (size_t)snprintf(body, sizeof(body), "{\"texts\":[");
		cost = 0;
		for (int i = 0; i < n; i++) {
			const char *t =
			    model_texts[(o->r[1] / 4 + (unsigned)i * 5) % (unsigned)model_ntexts];
			len += (size_t)snprintf(body + len, sizeof(body) - len, "%s\"%s\"",
			    i ? "," : "", t);
			cost += (long long)strlen(t); /* ASCII: a character a byte */
		}
		snprintf(body + len, sizeof(body) - len, "],\"source\":\"en\",\"target\":\"es\"}");
	}
	return charge(w, o, k, fresh, TRANSLATE_PATH, body, cost, "billed_characters");
}

/* Sends an operator's change of amount (grant or adjustment) to ws under
 * operator key k (-1: none) and compares. */
static int credit_send(struct world *w, const struct op *o, int ws, int k, int grant,
    long long amount)
{
	char path[120], body[200], money[40], idem[16];
	struct req q = { "POST", path, w->platform_key, k >= 0 ? idem : NULL, body, 0 };
	struct ref_expect e;
	struct http_response r;
	int retried;
	long st;

	snprintf(idem, sizeof(idem), "k%d", k);
	snprintf(path, sizeof(path), "/v1/admin/workspaces/%s/credits", w->ws_id[ws]);
	ops_money(amount, money, sizeof(money));
	snprintf(body, sizeof(body), "{\"amount\":\"%s\",\"type\":\"%s\",\"reason\":\"model\"}",
	    money, grant ? "grant" : "adjustment");
	ref_credit(w->m, ws, k, grant, amount, &e);
	snprintf(w->desc, sizeof(w->desc), "credit ws%d operator key %s: %s -> model: %d", ws,
	    k >= 0 ? idem : "(none)", body, e.status);
	st = ops_send(w, &q, o, &retried, &r);
	if (ops_verify(w, &e, st, &r) && st == 200) {
		long long id = ops_json_num(&r, "ledger_id");
		if (e.balance != -2)
			world_expect(w, ops_json_num(&r, "balance_micros") == e.balance, "answer",
			    "%s: balance %lld, the model says %lld", w->desc,
			    ops_json_num(&r, "balance_micros"), e.balance);
		if (e.ledger_id != 0)
			world_expect(w, id == e.ledger_id, "replay",
			    "%s: ledger row %lld, the first "
			    "was %lld",
			    w->desc, id, e.ledger_id);
		else if (k >= 0)
			w->m->ws[ws].okeys[k].ledger_id = id;
	}
	http_free(&r);
	return 0;
}

int ops_fund(struct world *w, int ws)
{
	return credit_send(w, NULL, ws, ref_okey_new(w->m, ws), 1, 20000000) == 0 &&
	        w->kind[0] == '\0'
	    ? 0
	    : -1;
}

int op_credit(struct world *w, const struct op *o)
{
	const struct ref_ws *m = &w->m->ws[o->ws];
	int k = -1, fresh = 1, grant;
	unsigned kind = o->r[2] % 100;
	long long amount;

	if (o->r[0] % 100 < 85) {
		fresh = m->nokeys == 0 || (o->r[0] / 100) % 100 < 70;
		k = fresh ? ref_okey_new(w->m, o->ws)
		          : (int)((o->r[0] / 10000) % (unsigned)m->nokeys);
	}
	if (k >= 0 && !fresh && m->okeys[k].used && kind < 60) {
		grant = m->okeys[k].grant; /* a retry of the first change */
		amount = m->okeys[k].amount;
	} else if (kind < 50) {
		grant = 1;
		amount = 1 + (long long)(o->r[1] % 5000000);
	} else if (kind < 65) {
		grant = 0;
		amount = 1 + (long long)(o->r[1] % 5000000);
	} else {
		grant = 0; /* sometimes more than there is: refused */
		amount = -(1 + (long long)(o->r[1] % 30000000));
	}
	return credit_send(w, o, o->ws, k, grant, amount);
}

int op_coupon(struct world *w, const struct op *o)
{
	int c = (int)(o->r[0] % (REF_COUPONS + 1));
	char body[120], code[48];
	struct req q = { "POST", "/v1/billing/coupons/redeem", w->ws_key[o->ws], NULL, body, 0 };
	struct ref_expect e;
	struct http_response r;
	int retried;
	long st;

	snprintf(code, sizeof(code), c < REF_COUPONS ? "%s" : "M%sCX",
	    c < REF_COUPONS ? w->coupon[c] : w->tag);
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	ref_coupon(w->m, o->ws, c < REF_COUPONS ? c : -1, &e);
	snprintf(w->desc, sizeof(w->desc), "coupon ws%d %s%s%s -> model: %d", o->ws, code,
	    o->fault ? ", fault " : "", fault_name(o->fault), e.status);
	st = ops_send(w, &q, o, &retried, &r);
	/* sent again without a key: the first may have redeemed it */
	if ((retried || o->fault) && e.status == 200 && st == 409) {
		e.status = 409;
		e.problem = "conflict";
		e.balance = -2;
	}
	if (ops_verify(w, &e, st, &r) && st == 200) {
		world_expect(w, ops_json_num(&r, "credited_micros") == e.amount, "answer",
		    "%s: credited %lld", w->desc, ops_json_num(&r, "credited_micros"));
		world_expect(w, ops_json_num(&r, "balance_micros") == e.balance, "answer",
		    "%s: balance %lld, the model says %lld", w->desc,
		    ops_json_num(&r, "balance_micros"), e.balance);
	}
	http_free(&r);
	return 0;
}
