/* Reading a workspace's credit: its balance with what holds reserve, and
 * its ledger a page at a time (GET /v1/billing/balance, /transactions). */
#ifndef DRAGOMAN_LEDGER_H
#define DRAGOMAN_LEDGER_H

#include "billing/payment_settings.h"
#include "core/problem.h"

struct worker;
struct reply;

/* A workspace's balance; amounts in micros. */
struct ledger_balance {
	char currency[8]; /* ISO 4217, "EUR" */
	char plan[32];
	long long balance;
	long long reserved; /* held by requests in flight */
	int capped; /* 0: no monthly cap (monthly_cap is 0) */
	long long monthly_cap;
	long long month_to_date; /* spent this calendar month (UTC) */
	long long owed;
	int has_auto; /* auto_recharge is set (the workspace has settings) */
	struct auto_recharge auto_recharge;
};

/* Reads workspace_id's balance and, when it has them, its auto-recharge
 * settings and status (unreadable ones count as none) into *out; release
 * it with ledger_balance_release(). Returns PROBLEM_NONE, or
 * PROBLEM_UNAVAILABLE with rp->detail (then *out holds nothing to free). */
enum problem ledger_balance_get(struct worker *w, const char *workspace_id,
    struct ledger_balance *out, struct reply *rp);

/* Frees what ledger_balance_get() allocated in b (not b itself). */
void ledger_balance_release(struct ledger_balance *b);

/* One ledger row. The strings belong to the reader and last only for the
 * callback. */
struct ledger_entry {
	const char *id; /* a bigint, as text */
	const char *type; /* grant, debit, credit, refund, coupon, ... */
	long long amount; /* signed micros */
	long long balance_before;
	long long balance_after;
	const char *description;
	const char *reference; /* "" when none */
	const char *created_at; /* ISO 8601 */
	long lane; /* its chain: 0 the main balance, else a credit lane (0028) */
};

/* Which rows of the ledger, newest first. */
struct ledger_query {
	long long cursor; /* below this id; 0: from the newest */
	const char *type; /* NULL: any */
	const char *from, *to; /* [from, to) as ISO 8601 text; NULL: unbounded */
	long limit; /* at most this many rows (>= 1) */
};

typedef void (*ledger_entry_fn)(const struct ledger_entry *e, void *ctx);

/* Calls fn(row, ctx) for each of workspace_id's ledger rows that q
 * selects, newest first, and writes the cursor of the next page into
 * next_cursor ("" when this is the last). Returns PROBLEM_NONE,
 * PROBLEM_INVALID_FIELD (from or to is a date PostgreSQL refuses) or
 * PROBLEM_UNAVAILABLE, with rp->detail; fn is not called then. */
enum problem ledger_transactions(struct worker *w, const char *workspace_id,
    const struct ledger_query *q, ledger_entry_fn fn, void *ctx, char next_cursor[24],
    struct reply *rp);

#endif
