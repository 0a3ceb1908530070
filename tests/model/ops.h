/* The operations of the model check (exec.c runs them): each resolves
 * its random numbers against the model, predicts the answer with ref.h,
 * sends the request through lighttpd, and compares. */
#ifndef DRAGOMAN_MODEL_OPS_H
#define DRAGOMAN_MODEL_OPS_H

#include "exec.h"

/* One request to dragoman. */
struct req {
	const char *method, *path;
	const char *key; /* Bearer credential, NULL: none */
	const char *idem; /* Idempotency-Key, NULL: none */
	const char *body; /* JSON */
	int webhook; /* a Stripe event: signed at each attempt, no key */
};

/* Sends q as a careful client does: again while the answer did not come
 * from dragoman (no X-Request-Id: the web server's own 5xx, or none);
 * with a fault (o->fault), every worker is killed or PostgreSQL crashes
 * while it runs, and it is sent again while the answer is a 5xx or "in
 * flight", as a client retries with its key. Sets *retried when it was
 * sent more than once. Returns the last status; r holds its answer. */
long ops_send(struct world *w, const struct req *q, const struct op *o, int *retried,
    struct http_response *r);

/* Compares the answer (st, r) with e: status, problem type, a replay's
 * bytes. Returns 1 when they agree. */
int ops_verify(struct world *w, const struct ref_expect *e, long st, const struct http_response *r);

/* Returns the integer member name of r's JSON answer, or LLONG_MIN. */
long long ops_json_num(const struct http_response *r, const char *name);

/* Writes micros as a signed decimal with six places ("-1.500000"). */
void ops_money(long long micros, char *out, size_t outsz);

/* Fetches the stand-in's new events; binds new PaymentIntents to the
 * model's payments (one PaymentIntent per payment at most) and keeps the
 * run's events. Adds the PaymentIntents made to *made. Returns 0 or -1. */
int ops_sync_events(struct world *w, int *made);

int op_usage(struct world *w, const struct op *o);
int op_translate(struct world *w, const struct op *o);
int op_credit(struct world *w, const struct op *o);
int op_coupon(struct world *w, const struct op *o);
int op_recharge(struct world *w, const struct op *o);
int op_webhook(struct world *w, const struct op *o);
int op_stripe(struct world *w, const struct op *o); /* settle, refund, dispute, close */
int op_resolve(struct world *w, const struct op *o);
int op_day(struct world *w, const struct op *o);
int op_pg_restart(struct world *w, const struct op *o);
int op_quiesce(struct world *w, const struct op *o);

/* Makes the run's workspaces' operator grant (key k0) of 20.00.
 * Returns 0 or -1. */
int ops_fund(struct world *w, int ws);

#endif
