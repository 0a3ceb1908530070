#include "autoconfig.h"

#include "gen.h"
#include "ref.h"

/* How often each kind comes, per 10,000 operations. */
static const int weights[OP__MAX] = {
	[OP_USAGE] = 3300,
	[OP_TRANSLATE] = 900,
	[OP_RECHARGE] = 1200,
	[OP_WEBHOOK] = 1800,
	[OP_SETTLE] = 550,
	[OP_REFUND] = 350,
	[OP_DISPUTE] = 250,
	[OP_CLOSE] = 250,
	[OP_COUPON] = 350,
	[OP_CREDIT] = 850,
	[OP_RESOLVE] = 140,
	[OP_DAY] = 40,
	[OP_PGRESTART] = 5,
	[OP_QUIESCE] = 0,
};

static const char *const names[OP__MAX] = { "usage", "translate", "recharge", "webhook",
	"stripe-settle", "stripe-refund", "stripe-dispute", "stripe-close", "coupon", "credit",
	"resolve", "day", "pg-restart", "quiesce" };

unsigned long long gen_next(unsigned long long *state)
{
	unsigned long long z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Returns a kind drawn by the weights. */
static int draw_kind(unsigned long long *st)
{
	int total = 0, x;

	for (int k = 0; k < OP__MAX; k++)
		total += weights[k];
	x = (int)(gen_next(st) % (unsigned long long)total);
	for (int k = 0; k < OP__MAX; k++) {
		if (x < weights[k])
			return k;
		x -= weights[k];
	}
	return OP_USAGE;
}

/* Returns the fault for a request of kind: a SIGKILL of every worker 4 in
 * 1,000 requests, a PostgreSQL crash 1 in 2,000. */
static int draw_fault(unsigned long long *st, int kind)
{
	unsigned long long x = gen_next(st) % 2000;

	if (kind != OP_USAGE && kind != OP_TRANSLATE && kind != OP_RECHARGE && kind != OP_WEBHOOK &&
	    kind != OP_COUPON && kind != OP_CREDIT)
		return FAULT_NONE;
	return x < 8 ? FAULT_KILL : x < 9 ? FAULT_PGCRASH : FAULT_NONE;
}

void gen_ops(unsigned long long seed, int n, int quiesce_every, struct op *ops)
{
	unsigned long long st = seed * 0x2545f4914f6cdd1dULL + 1;

	for (int i = 0; i < n; i++) {
		struct op *o = &ops[i];
		o->kind = (unsigned char)(i == n - 1 ||
		            (quiesce_every > 0 && i % quiesce_every == quiesce_every - 1)
		        ? OP_QUIESCE
		        : draw_kind(&st));
		o->ws = (unsigned char)(gen_next(&st) % REF_WS);
		o->fault = (unsigned char)draw_fault(&st, o->kind);
		for (int j = 0; j < 4; j++)
			o->r[j] = (unsigned int)gen_next(&st);
	}
}

const char *op_name(int kind)
{
	return kind >= 0 && kind < OP__MAX ? names[kind] : "?";
}

const char *fault_name(int fault)
{
	return fault == FAULT_KILL ? "kill" : fault == FAULT_PGCRASH ? "pg-crash" : "";
}
