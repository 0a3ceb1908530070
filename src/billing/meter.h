/* A metered charge (POST /v1/billing/usage) in one statement: the
 * Idempotency-Key's claim, the debit with its ledger row, the usage event
 * and the stored answer commit together (meter_charge() in
 * db/migrations/0026_meter_charge.sql). */
#ifndef DRAGOMAN_METER_H
#define DRAGOMAN_METER_H

struct reply;
struct request;
struct worker;

enum meter_outcome {
	METER_CHARGED, /* all of it committed; r->usage.recorded set */
	METER_REFUSED, /* not enough credit or cap: the key is r's (r->idem_claimed) */
	METER_TAKEN, /* the key is known already: nothing written */
	METER_FAILED, /* the database failed: unknown whether it committed (r->usage.recorded set) */
	METER__MAX
};

/* Charges r->usage.cost_micros to r's workspace for r (its usage fields
 * filled, its Idempotency-Key set), storing rp (the 200 answer, already
 * made) as the key's answer. On METER_CHARGED, r->usage.queued_payment
 * holds an auto payment to run after the response ("" when none). */
enum meter_outcome meter_charge(struct worker *w, struct request *r, const struct reply *rp)
    __attribute__((warn_unused_result));

#endif
