/* The reference model: see ref.h. The rules, as docs/billing.md states them:
 *  - a tenant's Idempotency-Key replays its kept answer for the same
 *    request, is a 422 for another; server faults (5xx) are not kept;
 *  - a charge reserves its cost: 402 when the balance does not cover it;
 *  - a recharge is one payment per key whose amount is the truth (another
 *    amount is a 422); a PaymentIntent once known is only retrieved; a
 *    create call without an answer leaves it unknown (503), sent again
 *    under the same Stripe key the same day, looked up by its metadata or
 *    expired after that;
 *  - a payment is credited once, whichever news of its success comes
 *    first; refunds are cumulative and disputes take back and give back,
 *    in any order of events, applied when the payment is credited;
 *  - a take-back takes min(wanted, balance - reserved), the rest is owed
 *    and paid first out of the next payment credit. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "ref.h"

static const char *const pstate_names[PS__MAX] = { "pending", "processing", "unknown", "succeeded",
	"failed", "canceled", "expired" };
static const char *const istatus_names[IS__MAX] = { "succeeded", "processing", "requires_action",
	"requires_payment_method", "canceled" };
static const char *const pm_names[PM__MAX] = { "pm_card_visa", "pm_card_processing",
	"pm_card_requiresAction", "pm_card_chargeDeclined", "pm_card_timeout" };

static const char *const stat_names[RS__MAX] = { "replayed", "key-mismatch", "refused-402",
	"credited-by-answer", "credited-by-webhook", "credited-by-resolve", "unknown", "expired",
	"refund-taken", "dispute-taken", "dispute-given-back", "owed", "owed-paid" };

const char *ref_stat_name(enum ref_stat s)
{
	return s < RS__MAX ? stat_names[s] : "?";
}

const char *ref_pstate_name(enum ref_pstate s)
{
	return s < PS__MAX ? pstate_names[s] : "?";
}

const char *ref_istatus_name(enum ref_istatus s)
{
	return s < IS__MAX ? istatus_names[s] : "?";
}

const char *ref_pm_name(enum ref_pm pm)
{
	return pm < PM__MAX ? pm_names[pm] : "?";
}

struct ref *ref_new(const long long *coupon_amounts, const int *coupon_max)
{
	struct ref *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->pay = calloc(REF_PAYS, sizeof(*m->pay));
	m->in = calloc(REF_INTENTS, sizeof(*m->in));
	m->dp = calloc(REF_DISPUTES, sizeof(*m->dp));
	for (int w = 0; w < REF_WS; w++) {
		m->ws[w].keys = calloc(REF_KEYS, sizeof(struct ref_key));
		m->ws[w].okeys = calloc(REF_KEYS, sizeof(struct ref_okey));
		if (m->ws[w].keys == NULL || m->ws[w].okeys == NULL) {
			ref_free(m);
			return NULL;
		}
	}
	for (int c = 0; c < REF_COUPONS; c++)
		m->coupon[c] = (struct ref_coupon){ coupon_amounts[c], coupon_max[c], 0 };
	if (m->pay == NULL || m->in == NULL || m->dp == NULL) {
		ref_free(m);
		return NULL;
	}
	return m;
}

void ref_free(struct ref *m)
{
	if (m == NULL)
		return;
	for (int w = 0; w < REF_WS; w++) {
		for (int k = 0; m->ws[w].keys != NULL && k < m->ws[w].nkeys; k++)
			free(m->ws[w].keys[k].answer);
		free(m->ws[w].keys);
		free(m->ws[w].okeys);
	}
	free(m->pay);
	free(m->in);
	free(m->dp);
	free(m);
}

int ref_key_new(struct ref *m, int ws)
{
	struct ref_ws *w = &m->ws[ws];

	if (w->nkeys >= REF_KEYS)
		return w->nkeys - 1;
	w->keys[w->nkeys].pay = -1;
	return w->nkeys++;
}

int ref_okey_new(struct ref *m, int ws)
{
	struct ref_ws *w = &m->ws[ws];

	return w->nokeys < REF_KEYS ? w->nokeys++ : w->nokeys - 1;
}

void ref_key_answer(struct ref *m, int ws, int k, const struct ref_expect *e, const char *body)
{
	struct ref_key *key = &m->ws[ws].keys[k];

	if (!e->store || key->answer != NULL)
		return;
	key->answer = strdup(body != NULL ? body : "");
}

/* Starts e as "200, nothing else checked". */
static void expect_init(struct ref_expect *e)
{
	memset(e, 0, sizeof(*e));
	e->status = 200;
	e->amount = -1;
	e->balance = -2;
	e->pay = -1;
	e->matched = 1;
}

/* The Idempotency-Key layer in front of a tenant's keyed request: a kept
 * answer is replayed for the same request, another request is a 422.
 * Returns 1 when the layer answers (e filled), 0 when the route runs. */
static int key_layer(struct ref *m, int ws, int k, const char *request, struct ref_expect *e)
{
	struct ref_key *key = &m->ws[ws].keys[k];

	if (!key->stored)
		return 0;
	if (strcmp(key->request, request) == 0) {
		e->status = key->status;
		e->replay = key->answer;
		m->stat[RS_REPLAY]++;
	} else {
		e->status = 422;
		e->problem = "idempotency-mismatch";
		m->stat[RS_MISMATCH]++;
	}
	return 1;
}

/* Keeps the answer e (status < 500) under key k for request. */
static void key_keep(struct ref *m, int ws, int k, const char *request, struct ref_expect *e)
{
	struct ref_key *key = &m->ws[ws].keys[k];

	if (e->status >= 500 || key->stored)
		return;
	key->stored = 1;
	key->status = e->status;
	strncpy(key->request, request, sizeof(key->request) - 1);
	e->store = 1;
}

void ref_charge(struct ref *m, int ws, int k, const char *request, long long cost,
    struct ref_expect *e)
{
	struct ref_ws *w = &m->ws[ws];

	expect_init(e);
	if (key_layer(m, ws, k, request, e))
		return;
	if (w->balance >= cost) {
		w->balance -= cost;
		e->amount = cost;
	} else {
		e->status = 402;
		e->problem = "insufficient-credits";
		m->stat[RS_REFUSED]++;
	}
	key_keep(m, ws, k, request, e);
}

/* Takes up to want micros back from ws (reserved is always 0 between
 * steps); the rest is owed. Returns what was taken. */
static long long take_back(struct ref *m, int ws, long long want)
{
	struct ref_ws *w = &m->ws[ws];
	long long taken;

	if (want <= 0)
		return 0;
	taken = want < w->balance ? want : w->balance;
	w->balance -= taken;
	w->owed += want - taken;
	m->stat[RS_OWED] += want > taken;
	return taken;
}

/* Takes dispute d's amount back. */
static void dispute_take(struct ref *m, struct ref_dispute *d)
{
	int ws = m->pay[m->in[d->intent].pay].ws;

	d->taken = take_back(m, ws, d->amount);
	d->owed = d->amount - d->taken;
	d->applied = 1;
	m->stat[RS_DISPUTE_TAKEN]++;
}

/* Credits payment p once (its PaymentIntent succeeded): then takes back
 * what the server heard was refunded or disputed of it, and pays what the
 * workspace owes out of the new balance. Returns 1 when credited now. */
static int credit(struct ref *m, struct ref_pay *p)
{
	struct ref_ws *w = &m->ws[p->ws];
	struct ref_intent *in = &m->in[p->intent];
	long long pay;

	if (p->credited)
		return 0;
	p->credited = 1;
	p->state = PS_SUCCEEDED;
	w->balance += p->amount;
	m->stat[m->via]++;
	if (in->heard_refund > 0) {
		take_back(m, p->ws, in->heard_refund);
		m->stat[RS_REFUND_TAKEN]++;
	}
	p->refunded = in->heard_refund;
	if (in->dispute >= 0) {
		struct ref_dispute *d = &m->dp[in->dispute];
		if (d->heard && d->srv != DS_WON && !d->applied)
			dispute_take(m, d);
	}
	pay = w->owed < w->balance ? w->owed : w->balance;
	w->owed -= pay;
	w->balance -= pay;
	m->stat[RS_OWED_PAID] += pay > 0;
	return 1;
}

/* Returns 1 when s is a state Stripe may still change (open). */
static int open_state(enum ref_pstate s)
{
	return s == PS_PENDING || s == PS_PROCESSING || s == PS_UNKNOWN;
}

/* Moves p, open and not credited, to state s. */
static void mark(struct ref_pay *p, enum ref_pstate s)
{
	if (!p->credited && open_state(p->state))
		p->state = s;
}

/* Acts on what Stripe says of p's PaymentIntent (status s): credits a
 * success, marks the rest. Returns 1 when credited now. */
static int apply(struct ref *m, struct ref_pay *p, enum ref_istatus s)
{
	switch (s) {
	case IS_SUCCEEDED:
		return credit(m, p);
	case IS_PROCESSING:
	case IS_ACTION:
		mark(p, PS_PROCESSING);
		break;
	case IS_DECLINED:
		mark(p, PS_FAILED);
		break;
	case IS_CANCELED:
		mark(p, PS_CANCELED);
		break;
	default:
		break;
	}
	return 0;
}

/* The status a new PaymentIntent of method pm is created in. */
static enum ref_istatus created_status(int pm)
{
	switch (pm) {
	case PM_PROCESSING:
		return IS_PROCESSING;
	case PM_ACTION:
		return IS_ACTION;
	case PM_DECLINED:
		return IS_DECLINED;
	default:
		return IS_SUCCEEDED; /* visa; timeout charges but does not answer */
	}
}

/* Stripe makes a PaymentIntent for p. Returns its index, or -1 when the
 * model is full. */
static int intent_new(struct ref *m, struct ref_pay *p)
{
	struct ref_intent *in;

	if (m->nin >= REF_INTENTS)
		return -1;
	in = &m->in[m->nin];
	memset(in, 0, sizeof(*in));
	in->pay = (int)(p - m->pay);
	in->amount = p->amount;
	in->first = in->status = created_status(p->pm);
	in->dispute = -1;
	p->intent = m->nin;
	return m->nin++;
}

/* Moves p on as far as Stripe can tell now (payment_drive in docs/billing.md's
 * words): a known PaymentIntent is retrieved; an expired payment is
 * looked up by its metadata or expires; else, when may_create, it is
 * sent to Stripe under its key. *drop: the next call to Stripe is cut off
 * (consumed here). Adds the PaymentIntents made to *made. Returns 1 when
 * credited now. */
static int drive(struct ref *m, struct ref_pay *p, int may_create, int *drop, int *made)
{
	if (p->credited || !open_state(p->state))
		return 0;
	if (p->linked || m->day > p->day) {
		if (*drop) {
			*drop = 0;
			return 0;
		}
		if (p->linked)
			return apply(m, p, m->in[p->intent].status);
		if (p->intent < 0) {
			p->state = PS_EXPIRED;
			m->stat[RS_EXPIRED]++;
			return 0;
		}
		p->linked = 1;
		return apply(m, p, m->in[p->intent].status);
	}
	if (!may_create)
		return 0;
	if (p->pm < 0)
		p->pm = m->ws[p->ws].pm;
	if (*drop) {
		*drop = 0;
		mark(p, PS_UNKNOWN);
		m->stat[RS_UNKNOWN]++;
		return 0;
	}
	if (p->seen_day == m->day && p->intent >= 0) {
		/* the same key: Stripe answers as it did the first time */
		p->linked = 1;
		return apply(m, p, m->in[p->intent].first);
	}
	if (intent_new(m, p) < 0)
		return 0;
	(*made)++;
	p->seen_day = m->day;
	if (p->pm == PM_TIMEOUT) {
		mark(p, PS_UNKNOWN);
		m->stat[RS_UNKNOWN]++;
		return 0;
	}
	p->linked = 1;
	return apply(m, p, m->in[p->intent].first);
}

/* Fills e with the answer to a recharge whose payment p is now as it is;
 * credited: it was credited by this request. */
static void recharge_answer(const struct ref *m, const struct ref_pay *p, int credited,
    struct ref_expect *e)
{
	e->pay = (int)(p - m->pay);
	e->state = ref_pstate_name(p->state);
	e->amount = p->amount;
	e->balance = credited ? m->ws[p->ws].balance : -1;
	switch (p->state) {
	case PS_SUCCEEDED:
		e->status = 200;
		break;
	case PS_PROCESSING:
		e->status = 202;
		break;
	case PS_FAILED:
	case PS_CANCELED:
		e->status = 402;
		e->problem = "payment-declined";
		break;
	case PS_EXPIRED:
		e->status = 409;
		e->problem = "conflict";
		break;
	default:
		e->status = 503;
		e->problem = "unavailable";
		break;
	}
}

void ref_recharge(struct ref *m, int ws, int k, const char *request, long long amount, int drop,
    int eventual, struct ref_expect *e)
{
	struct ref_key *key = &m->ws[ws].keys[k];
	struct ref_pay *p;
	int credited = 0;

	expect_init(e);
	if (key_layer(m, ws, k, request, e))
		return;
	if (key->pay < 0) {
		if (m->npay >= REF_PAYS) {
			e->status = 0; /* the model is full: nothing is checked */
			return;
		}
		p = &m->pay[m->npay];
		memset(p, 0, sizeof(*p));
		*p = (struct ref_pay){ .ws = ws,
			.key = k,
			.amount = amount,
			.day = m->day,
			.pm = -1,
			.seen_day = -1,
			.intent = -1,
			.state = PS_PENDING };
		key->pay = m->npay++;
	}
	p = &m->pay[key->pay];
	if (p->amount != amount) {
		e->status = 422;
		e->problem = "idempotency-mismatch";
		e->pay = key->pay;
		return;
	}
	m->via = RS_CREDIT_ANSWER;
	credited = drive(m, p, 1, &drop, &e->creates);
	/* a client that retries every 5xx gets the answer after them */
	for (int i = 0; eventual && i < 3 && (p->state == PS_PENDING || p->state == PS_UNKNOWN);
	     i++)
		credited |= drive(m, p, 1, &drop, &e->creates);
	recharge_answer(m, p, credited, e);
	key_keep(m, ws, k, request, e);
}

void ref_credit(struct ref *m, int ws, int k, int grant, long long amount, struct ref_expect *e)
{
	struct ref_ws *w = &m->ws[ws];
	struct ref_okey *o = k >= 0 ? &w->okeys[k] : NULL;

	expect_init(e);
	if (o != NULL && o->used) {
		/* a retry returns the first change's row */
		if (o->grant == grant && o->amount == amount) {
			e->ledger_id = o->ledger_id;
			e->balance = o->balance;
		} else {
			e->status = 422;
			e->problem = "idempotency-mismatch";
		}
		return;
	}
	if (w->balance + amount < 0) {
		e->status = 400;
		e->problem = "invalid-field";
		return;
	}
	w->balance += amount;
	e->balance = w->balance;
	e->amount = amount;
	if (o != NULL)
		*o = (struct ref_okey){ 1, grant, amount, 0, w->balance };
}

void ref_coupon(struct ref *m, int ws, int c, struct ref_expect *e)
{
	struct ref_ws *w = &m->ws[ws];
	struct ref_coupon *cp = c >= 0 ? &m->coupon[c] : NULL;
	int redeemed = c >= 0 && (w->redeemed & (1u << c)) != 0;

	expect_init(e);
	if (cp == NULL) {
		e->status = 404;
		e->problem = "not-found";
	} else if (cp->count >= cp->max) {
		e->status = 400;
		e->problem = "invalid-field";
		e->alt_status = redeemed ? 409 : 0; /* both hold: either says no */
	} else if (redeemed) {
		e->status = 409;
		e->problem = "conflict";
	} else {
		cp->count++;
		w->redeemed |= 1u << c;
		w->balance += cp->amount;
		e->amount = cp->amount;
		e->balance = w->balance;
	}
}

/* A payment_intent.* event: its payment is found by the PaymentIntent or
 * the metadata; an old non-success never moves a final payment back. */
static void webhook_intent(struct ref *m, const struct ref_event *ev)
{
	struct ref_pay *p = &m->pay[m->in[ev->intent].pay];

	if (ev->status != IS_SUCCEEDED && !open_state(p->state))
		return;
	p->linked = 1;
	(void)apply(m, p, ev->status);
}

/* charge.refunded: refunded is the total so far; the difference from what
 * was taken into account is taken back once the payment is credited. */
static void webhook_refund(struct ref *m, const struct ref_event *ev)
{
	struct ref_intent *in = &m->in[ev->intent];
	struct ref_pay *p = &m->pay[in->pay];
	long long target = ev->refunded < in->amount ? ev->refunded : in->amount;

	if (target > in->heard_refund)
		in->heard_refund = target;
	if (p->credited && in->heard_refund > p->refunded) {
		take_back(m, p->ws, in->heard_refund - p->refunded);
		p->refunded = in->heard_refund;
		m->stat[RS_REFUND_TAKEN]++;
	}
}

/* charge.dispute.created / closed: an open or lost dispute takes its
 * amount back once the payment is credited; a won one gives back what was
 * taken and forgives what is owed for it; closed once, it stays closed. */
static void webhook_dispute(struct ref *m, const struct ref_event *ev)
{
	struct ref_dispute *d = &m->dp[ev->dispute];
	struct ref_pay *p = &m->pay[m->in[d->intent].pay];
	struct ref_ws *w = &m->ws[p->ws];

	if (ev->amount <= 0)
		return;
	if (!d->heard) {
		d->heard = 1;
		d->srv = ev->dstatus;
		if (d->srv != DS_WON && p->credited)
			dispute_take(m, d);
		return;
	}
	if (d->srv != DS_OPEN || ev->dstatus == DS_OPEN)
		return;
	d->srv = ev->dstatus;
	if (d->srv == DS_WON && d->applied) {
		long long forgiven = w->owed < d->owed ? w->owed : d->owed;
		w->owed -= forgiven;
		w->balance += d->taken + d->owed - forgiven;
		m->stat[RS_DISPUTE_GIVEN]++;
	}
}

void ref_webhook(struct ref *m, const struct ref_event *ev, int delivered, struct ref_expect *e)
{
	struct ref_pay *p = &m->pay[m->in[ev->intent].pay];

	expect_init(e);
	e->duplicate = delivered;
	if (delivered)
		return;
	/* a refund or dispute names only its PaymentIntent: one the server
	 * does not know yet it fetches from Stripe and links to its payment
	 * by the metadata (the payment was sent: the PaymentIntent exists) */
	if (ev->kind != EV_INTENT)
		p->linked = 1;
	e->matched = 1;
	m->via = RS_CREDIT_WEBHOOK;
	if (ev->kind == EV_INTENT)
		webhook_intent(m, ev);
	else if (ev->kind == EV_REFUND)
		webhook_refund(m, ev);
	else
		webhook_dispute(m, ev);
}

void ref_settle(struct ref *m, int i, enum ref_istatus s)
{
	m->in[i].status = s;
}

void ref_refund(struct ref *m, int i, long long amount)
{
	struct ref_intent *in = &m->in[i];

	in->refunded = in->refunded + amount > in->amount ? in->amount : in->refunded + amount;
}

int ref_dispute_open(struct ref *m, int i, long long amount)
{
	struct ref_dispute *d;

	if (m->ndp >= REF_DISPUTES)
		return -1;
	d = &m->dp[m->ndp];
	memset(d, 0, sizeof(*d));
	d->intent = i;
	d->amount = amount;
	d->status = DS_OPEN;
	m->in[i].dispute = m->ndp;
	return m->ndp++;
}

void ref_dispute_close(struct ref *m, int d, int won)
{
	m->dp[d].status = won ? DS_WON : DS_LOST;
}

void ref_resolve(struct ref *m)
{
	int drop = 0, made = 0;

	/* a client's own recharge is never sent again by the server */
	m->via = RS_CREDIT_RESOLVE;
	for (int i = 0; i < m->npay; i++)
		(void)drive(m, &m->pay[i], 0, &drop, &made);
}

void ref_day(struct ref *m)
{
	m->day++;
}

int ref_pay_by_id(const struct ref *m, const char *id)
{
	for (int i = m->npay - 1; i >= 0; i--)
		if (strcmp(m->pay[i].id, id) == 0)
			return i;
	return -1;
}
