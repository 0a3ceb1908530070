/* The model check's seeded generator: a sequence of operations, each a
 * kind, a workspace, an optional fault and raw random numbers that are
 * given their meaning when the operation runs (which key, which event,
 * which amount), so that any subsequence of a sequence is a sequence too
 * (what shrinking replays). */
#ifndef DRAGOMAN_MODEL_GEN_H
#define DRAGOMAN_MODEL_GEN_H

enum op_kind {
	OP_USAGE, /* POST /v1/billing/usage */
	OP_TRANSLATE, /* POST /v1/translate */
	OP_RECHARGE, /* POST /v1/billing/recharge */
	OP_WEBHOOK, /* a stand-in event delivered */
	OP_SETTLE, /* a PaymentIntent moves on at the stand-in */
	OP_REFUND, /* a refund at the stand-in */
	OP_DISPUTE, /* a dispute opens at the stand-in */
	OP_CLOSE, /* a dispute is won or lost */
	OP_COUPON, /* POST /v1/billing/coupons/redeem */
	OP_CREDIT, /* POST /v1/admin/workspaces/{id}/credits */
	OP_RESOLVE, /* dragoman-admin payments resolve */
	OP_DAY, /* a day goes by */
	OP_PGRESTART, /* PostgreSQL crashes and starts again */
	OP_QUIESCE, /* every event delivered, resolve, the global checks */
	OP__MAX
};

enum op_fault {
	FAULT_NONE,
	FAULT_KILL, /* every worker SIGKILLed while the request runs */
	FAULT_PGCRASH /* PostgreSQL crashes while the request runs */
};

struct op {
	unsigned char kind, fault, ws;
	unsigned int r[4];
};

/* Returns the next number of the splitmix64 sequence in *state. */
unsigned long long gen_next(unsigned long long *state);

/* Fills ops[0..n) from seed: a quiescent point every quiesce_every
 * operations and as the last one. */
void gen_ops(unsigned long long seed, int n, int quiesce_every, struct op *ops);

/* Returns the name of kind ("usage", "recharge", ...). */
const char *op_name(int kind);

/* Returns the name of fault ("", "kill", "pg-crash"). */
const char *fault_name(int fault);

#endif
