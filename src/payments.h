/* Recharges through Stripe and what Stripe's webhooks tell about them
 * (db/migrations/0008_payments.sql). */
#ifndef DRAGOMAN_PAYMENTS_H
#define DRAGOMAN_PAYMENTS_H

#include <json-c/json.h>

#include "problem.h"

struct worker;
struct reply;

struct recharge {
	char payment_id[40];
	char state[16];              /* pending, succeeded, failed */
	char payment_intent[64];
	long long balance;           /* after the credit; -1 when not known */
};

/* Charges amount micros (a whole number of cents) to workspace_id's saved
 * payment method; the client's idem makes retries reuse one payment and
 * one PaymentIntent (Stripe's Idempotency-Key derives from the payment).
 * The balance is credited once when the payment succeeds. Returns
 * PROBLEM_NONE with out set (succeeded or pending), PROBLEM_CONFLICT (no
 * saved payment method), PROBLEM_PAYMENT_DECLINED, or PROBLEM_UNAVAILABLE
 * (Stripe or the database cannot be reached: retry), with rp->detail. */
enum problem payments_recharge(struct worker *w, const char *workspace_id, long long amount,
    const char *idem, const char *request_id, struct recharge *out, struct reply *rp);

/* Applies the verified Stripe event (its JSON) once: recorded by id in the
 * same transaction as its effect (payment_intent.succeeded credits,
 * payment_intent.payment_failed records the error, charge.refunded takes
 * the refund back). Sets *duplicate when it was seen before. Returns
 * PROBLEM_NONE, PROBLEM_INVALID_FIELD (not an event), or
 * PROBLEM_UNAVAILABLE (then Stripe retries). */
enum problem payments_apply_event(struct worker *w, struct json_object *event, int *duplicate,
    struct reply *rp);

/* Runs the auto-recharge payment payment_id when it is still pending:
 * charges the saved payment method and credits once; a failure is
 * recorded on the workspace's auto_recharge (shown by the balance) and
 * retried an hour later. Returns 0 when it succeeded or was not pending,
 * -1 when it failed. */
int payments_run_auto(struct worker *w, const char *payment_id);

/* Runs the auto payments left pending for more than older_s seconds (their
 * worker died). Returns how many ran, -1 when the database failed. */
long payments_run_stale_auto(struct worker *w, long older_s);

#endif
