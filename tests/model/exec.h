/* Runs the model check's operations against the real stack (lighttpd,
 * dragoman.fcgi, PostgreSQL, the Stripe stand-in) and compares every
 * answer and every balance with the reference model (ref.h). One run
 * works on fresh workspaces of its own, so that a run, and every replay
 * of a shorter sequence while shrinking, starts from the same state. */
#ifndef DRAGOMAN_MODEL_EXEC_H
#define DRAGOMAN_MODEL_EXEC_H

#include <libpq-fe.h>

#include "gen.h"
#include "ref.h"
#include "stand.h"

struct world {
	/* the stack's, made once */
	PGconn *pg;
	char platform_key[160];
	/* this run's */
	char tag[24]; /* in its workspaces', customers' and coupons' names */
	char ws_id[REF_WS][40], ws_key[REF_WS][160];
	char coupon[REF_COUPONS][40];
	struct ref *m;
	struct stand_event *ev; /* the stand-in's events about its payments */
	int nev, evcap;
	long long last_ledger_id, ledger_sum[REF_WS], ledger_after[REF_WS];
	char desc[700]; /* the operation running, for messages */
	int op; /* its kind */
	/* the verdict: checks passed and failed, the first failure */
	long passed, failed;
	char kind[64], failure[3000];
	int check_ws; /* the workspace a check looks at, -1 none */
	int fail_ws; /* the first failure's, -1: not one's */
	/* what was done */
	long ops[OP__MAX], kills, pg_crashes, retries;
	long stat[RS__MAX]; /* the runs' ref counters, summed */
	long status[OP__MAX][6]; /* answers: 2xx, 400, 402, 404/409, 422, 5xx */
	int verbose;
};

/* Connects to the stack named by the environment (tests/model/run), makes
 * the operators' key and warms the translation cache. Returns 0 or -1. */
int world_open(struct world *w);

/* Starts a run named tag: fresh workspaces funded by an operator's grant,
 * coupons, a new model. Returns 0 or -1. */
int world_begin(struct world *w, const char *tag);

/* Ends the run: its open payments are put out of the resolver's way and
 * the model is freed. */
void world_end(struct world *w);

/* Runs op, then the checks that follow every step. Writes what it did
 * into w->desc. Returns 0, or -1 when a check failed (w->kind,
 * w->failure say which). */
int exec_op(struct world *w, const struct op *op);

/* Counts a check: ok, or a failure of kind (the first is kept with its
 * message). Returns ok. */
int world_expect(struct world *w, int ok, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Runs sql with params (n of them) on the model's own connection,
 * reconnecting once when it broke. Returns the result (PQclear it), or
 * NULL. */
PGresult *world_sql(struct world *w, const char *sql, int n, const char *const *params);

/* The index of the model's PaymentIntent with Stripe id pi, or -1. */
int world_intent(const struct world *w, const char *pi);

#endif
