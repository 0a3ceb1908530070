/* Recharges through Stripe and what Stripe's webhooks tell about them
 * (db/migrations/0008_payments.sql). */
#ifndef DRAGOMAN_PAYMENTS_H
#define DRAGOMAN_PAYMENTS_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/problem.h"

struct worker;
struct reply;

struct recharge {
	char payment_id[40];
	char state[16]; /* succeeded or processing */
	char payment_intent[64];
	long long balance; /* after the credit; -1 when not known */
};

/* Charges amount micros (a whole number of cents) to workspace_id's saved
 * payment method as the payment of the client's key idem: the first call
 * makes the payment row, whose amount every retry must repeat; its one
 * PaymentIntent is created under a Stripe Idempotency-Key of its own and
 * then only retrieved, and it is credited once when it succeeds. Returns
 * PROBLEM_NONE with out set (succeeded, or processing: Stripe tells
 * later), PROBLEM_CONFLICT (no saved payment method, or the payment
 * expired without reaching Stripe), PROBLEM_IDEMPOTENCY_MISMATCH (idem
 * was used with another amount), PROBLEM_PAYMENT_DECLINED, or
 * PROBLEM_UNAVAILABLE (Stripe did not answer or the database failed:
 * retry with the same key), with rp->detail. */
enum problem payments_recharge(struct worker *w, const char *workspace_id, long long amount,
    const char *idem, const char *request_id, struct recharge *out, struct reply *rp);

/* Receives a Stripe webhook: body (len bytes, parsed as event) must
 * carry a Stripe-Signature (signature, NULL when absent) under the
 * configured stripe_webhook_secret, checked before anything is written.
 * Then the event is applied once: recorded by id in the
 * same transaction as its effect. payment_intent.* events credit (once),
 * fail or cancel the payment of their PaymentIntent, or of the payment id
 * in their metadata; charge.refunded takes back what was refunded since
 * (its amount_refunded is cumulative); charge.dispute.created and .closed
 * take back and give back. An event about money that matches no payment
 * is kept for an operator (*matched = 0). Sets *duplicate when the event
 * was seen before. Returns PROBLEM_NONE, PROBLEM_BAD_REQUEST (no secret
 * configured, or the signature does not verify), PROBLEM_INVALID_FIELD
 * (not an event), or PROBLEM_UNAVAILABLE (then Stripe delivers it again),
 * with rp->detail. */
enum problem payments_receive_event(struct worker *w, const char *signature, const char *body,
    size_t len, struct json_object *event, int *duplicate, int *matched, struct reply *rp);

/* Runs the auto payment payment_id as far as Stripe can tell now (made
 * when it was not yet, retrieved when it was). A decline is recorded on
 * the workspace's auto-recharge (shown by the balance) and retried an hour
 * later. Returns 0 when it succeeded or is still open, -1 when it failed
 * or cannot be read. */
int payments_run_auto(struct worker *w, const char *payment_id);

/* Queues payments_run_auto(w, payment_id) to run once the response is
 * out (worker_defer()). Returns 0, or -1 when it was dropped: the payment
 * stays open for dragoman-admin maintain. */
int payments_defer_auto(struct worker *w, const char *payment_id);

/* Moves on every open payment (pending, processing, unknown) untouched
 * for older_s seconds: PaymentIntents are retrieved, auto payments that
 * never got an answer are sent again under their Stripe key while Stripe
 * keeps it, and payments past their expiry are looked up by metadata and
 * expire when Stripe has none. Returns how many were looked at, -1 when
 * the database failed. */
long payments_resolve(struct worker *w, long older_s);

/* Queues an auto payment of workspace_id when one is due (what it has not
 * reserved, less needed micros that a refused request wanted, is under the
 * threshold; no auto payment is open; a failed one's retry time has come)
 * to run after the response (payments_defer_auto()). Returns 1 queued, 0 none
 * due, -1 database failure. */
long payments_queue_due(struct worker *w, const char *workspace_id, const char *request_id,
    long long needed);

#endif
