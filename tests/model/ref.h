/* The reference model of the money state machine: what docs/billing.md and
 * issue 14 say each request, webhook and Stripe event does to a
 * workspace's balance and what it owes, written from those rules and not
 * from the server's code. Pure: no I/O. Each ref_*() call predicts one
 * answer (into struct ref_expect) and applies its effect to the model, as
 * if the server did what the rules say; the caller compares. */
#ifndef DRAGOMAN_MODEL_REF_H
#define DRAGOMAN_MODEL_REF_H

#define REF_WS 3 /* workspaces of one run */
#define REF_KEYS 8192 /* Idempotency-Keys per workspace */
#define REF_PAYS 8192
#define REF_INTENTS 8192
#define REF_DISPUTES 4096
#define REF_COUPONS 6

/* The stand-in's payment methods (tests/integration/stripe_fixture.c). */
enum ref_pm {
	PM_VISA,
	PM_PROCESSING,
	PM_ACTION,
	PM_DECLINED,
	PM_TIMEOUT,
	PM__MAX
};

/* A payment's state in the server (db/migrations/0022). */
enum ref_pstate {
	PS_PENDING,
	PS_PROCESSING,
	PS_UNKNOWN,
	PS_SUCCEEDED,
	PS_FAILED,
	PS_CANCELED,
	PS_EXPIRED,
	PS__MAX
};

/* A PaymentIntent's status at Stripe; DECLINED is requires_payment_method. */
enum ref_istatus {
	IS_SUCCEEDED,
	IS_PROCESSING,
	IS_ACTION,
	IS_DECLINED,
	IS_CANCELED,
	IS__MAX
};

enum ref_dstatus {
	DS_OPEN,
	DS_WON,
	DS_LOST
};

/* A tenant's Idempotency-Key (POST /v1/billing/usage, /v1/translate,
 * /v1/billing/recharge share them). */
struct ref_key {
	int stored; /* an answer is kept for it */
	int status;
	char request[320]; /* what it was kept for: route and body */
	char *answer; /* the kept answer's body as first seen (owned) */
	int pay; /* the recharge payment made under it, -1 none */
	char sent[320]; /* the last request the test sent under it */
	long long sent_cost; /* and what that one costs (or recharges) */
};

/* An operator's Idempotency-Key (POST /v1/admin/workspaces/{id}/credits). */
struct ref_okey {
	int used;
	int grant; /* 1 grant, 0 adjustment */
	long long amount, ledger_id, balance; /* the first change's row */
};

struct ref_ws {
	long long balance, owed; /* micros */
	int pm; /* the saved payment method */
	unsigned redeemed; /* coupons redeemed, a bit each */
	int nkeys, nokeys;
	struct ref_key *keys; /* REF_KEYS each */
	struct ref_okey *okeys;
};

/* A recharge payment (one per client Idempotency-Key). */
struct ref_pay {
	int ws, key;
	long long amount;
	char id[40]; /* the server's id, learned from its answer */
	int day; /* made on this model day: expires the next */
	int pm; /* the first attempt's method, -1 none yet */
	int seen_day; /* Stripe saw its create call on that day, -1 never */
	int intent; /* its PaymentIntent at Stripe, -1 none */
	int linked; /* the server knows that PaymentIntent */
	enum ref_pstate state;
	int credited;
	long long refunded; /* refunds taken into account */
};

/* A PaymentIntent at the stand-in, and what the server heard of it. */
struct ref_intent {
	char id[32]; /* learned from the stand-in's events */
	int pay;
	long long amount;
	enum ref_istatus first; /* the create call's answer (replayed by its key) */
	enum ref_istatus status; /* now */
	long long refunded; /* at Stripe */
	long long heard_refund; /* the largest refunded total the server was told */
	int dispute; /* -1 none (one dispute per charge) */
};

struct ref_dispute {
	char id[32];
	int intent;
	long long amount;
	enum ref_dstatus status; /* at Stripe */
	int heard; /* the server was told of it */
	enum ref_dstatus srv; /* as the server knows it */
	int applied; /* its amount was taken back */
	long long taken, owed;
};

struct ref_coupon {
	long long amount;
	int max, count;
};

/* What happened, counted (how much of the state machine a run covered). */
enum ref_stat {
	RS_REPLAY, /* a kept answer replayed */
	RS_MISMATCH, /* a key sent with another request */
	RS_REFUSED, /* 402 for want of credit */
	RS_CREDIT_ANSWER, /* a payment credited by its recharge's answer */
	RS_CREDIT_WEBHOOK, /* by payment_intent.succeeded */
	RS_CREDIT_RESOLVE, /* by the resolver */
	RS_UNKNOWN, /* a create call without an answer */
	RS_EXPIRED,
	RS_REFUND_TAKEN, /* a refund taken back */
	RS_DISPUTE_TAKEN,
	RS_DISPUTE_GIVEN, /* a won dispute given back */
	RS_OWED, /* a take-back that left something owed */
	RS_OWED_PAID, /* owed paid out of a payment */
	RS__MAX
};

struct ref {
	int day;
	int via; /* what credits now: RS_CREDIT_* */
	long stat[RS__MAX];
	struct ref_ws ws[REF_WS];
	struct ref_pay *pay;
	int npay;
	struct ref_intent *in;
	int nin;
	struct ref_dispute *dp;
	int ndp;
	struct ref_coupon coupon[REF_COUPONS];
};

/* What one answer must be. */
struct ref_expect {
	int status;
	const char *problem; /* its problem type's slug; NULL: not a problem */
	const char *replay; /* a kept answer it must equal byte for byte */
	long long amount; /* charged or credited; -1: not checked */
	long long balance; /* the "balance" member; -1: absent; -2: not checked */
	const char *state; /* a recharge's payment state, NULL: not checked */
	int pay; /* the recharge's payment, -1 none */
	int creates; /* PaymentIntents the stand-in makes */
	int matched, duplicate; /* a webhook's */
	long long ledger_id; /* an operator's replayed change; 0: not checked */
	int store; /* the answer is kept under the key */
	int alt_status; /* another acceptable status, 0: none */
};

/* A Stripe event as delivered. */
struct ref_event {
	enum {
		EV_INTENT,
		EV_REFUND,
		EV_DISPUTE
	} kind;
	int intent, dispute; /* dispute: -1 unless EV_DISPUTE */
	enum ref_istatus status; /* EV_INTENT: the PaymentIntent's, in the event */
	long long refunded; /* EV_REFUND: the total so far, micros */
	long long amount; /* EV_DISPUTE, micros */
	enum ref_dstatus dstatus; /* EV_DISPUTE */
};

/* Returns a new model with coupons of the given amounts and limits
 * (REF_COUPONS each) and every balance 0, or NULL. ref_free() it. */
struct ref *ref_new(const long long *coupon_amounts, const int *coupon_max);
void ref_free(struct ref *m);

/* The name of a state or status, for messages and for comparing with the
 * server's. */
const char *ref_pstate_name(enum ref_pstate s);
const char *ref_istatus_name(enum ref_istatus s);
const char *ref_pm_name(enum ref_pm pm);

/* Adds key slots: returns the index of a new tenant (operator) key of ws. */
int ref_key_new(struct ref *m, int ws);
int ref_okey_new(struct ref *m, int ws);

/* Keeps body as the answer of tenant key k of ws, when e->store said so. */
void ref_key_answer(struct ref *m, int ws, int k, const struct ref_expect *e, const char *body);

/* POST /v1/billing/usage or /v1/translate under key k: request names the
 * route and body, cost is what it costs. */
void ref_charge(struct ref *m, int ws, int k, const char *request, long long cost,
    struct ref_expect *e);

/* POST /v1/billing/recharge of amount under key k; drop: the stand-in cuts
 * off the first call to Stripe; eventual: the client retries every 5xx
 * (after a fault), so the answer is the one that follows them. */
void ref_recharge(struct ref *m, int ws, int k, const char *request, long long amount, int drop,
    int eventual, struct ref_expect *e);

/* POST /v1/admin/workspaces/{id}/credits of amount (grant or adjustment)
 * under operator key k (-1: none). */
void ref_credit(struct ref *m, int ws, int k, int grant, long long amount, struct ref_expect *e);

/* POST /v1/billing/coupons/redeem of coupon c (-1: a code that does not
 * exist). */
void ref_coupon(struct ref *m, int ws, int c, struct ref_expect *e);

/* A signed webhook delivery of ev; delivered: its id was delivered before. */
void ref_webhook(struct ref *m, const struct ref_event *ev, int delivered, struct ref_expect *e);

/* At the stand-in: PaymentIntent i moves to status s; a refund of amount
 * micros; a dispute of amount (returns it); dispute d closes. */
void ref_settle(struct ref *m, int i, enum ref_istatus s);
void ref_refund(struct ref *m, int i, long long amount);
int ref_dispute_open(struct ref *m, int i, long long amount);
void ref_dispute_close(struct ref *m, int d, int won);

/* dragoman-admin payments resolve, every open payment being old enough. */
void ref_resolve(struct ref *m);

/* A day goes by (Stripe forgets idempotency keys, payments expire). */
void ref_day(struct ref *m);

/* The name of a counter. */
const char *ref_stat_name(enum ref_stat s);

/* Returns the payment whose server id is id, or -1. */
int ref_pay_by_id(const struct ref *m, const char *id);

#endif
