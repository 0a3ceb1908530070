/* The invariants of the books, read from PostgreSQL and compared with the
 * model, for the workspaces of the running run. */
#ifndef DRAGOMAN_MODEL_CHECK_H
#define DRAGOMAN_MODEL_CHECK_H

#include "exec.h"

/* After every step: each new ledger row continues its workspace's chain
 * (balance_before is the previous row's balance_after), nothing is
 * negative, no Idempotency-Key has two rows in its namespace, no
 * PaymentIntent two credits; each balance is its ledger's sum and the
 * model's, nothing is reserved, and what is owed is the model's. */
void check_step(struct world *w);

/* Payment p of the model is in the server as the model says: its state,
 * whether credited, its PaymentIntent, what was refunded of it. */
void check_payment(struct world *w, int p);

/* Every payment of the run is in the server as the model says, and none
 * other. */
void check_payments(struct world *w);

/* At a quiescent point: the same over the whole ledger, every payment as
 * the model says, every PaymentIntent that succeeded at Stripe credited
 * exactly once (and no other), and the money Stripe kept equal to the
 * credits granted by payments net of what was taken back. */
void check_quiescent(struct world *w);

#endif
