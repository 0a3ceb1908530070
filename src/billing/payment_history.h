/* What a workspace's payments look like to it: the list, newest first,
 * and one payment (GET /v1/billing/payments[/{id}]). */
#ifndef DRAGOMAN_PAYMENT_HISTORY_H
#define DRAGOMAN_PAYMENT_HISTORY_H

#include "core/problem.h"

struct worker;
struct reply;

/* One payment. The strings belong to the reader and last only for the
 * callback; times are ISO 8601. */
struct payment_view {
	const char *id;
	const char *kind; /* manual, auto */
	const char *state;
	long long amount; /* micros */
	const char *payment_intent; /* "" until Stripe named one */
	const char *error; /* "" when none */
	long long refunded; /* micros */
	const char *created_at;
	const char *updated_at;
	const char *expires_at;
	const char *credited_at; /* "" until credited */
};

typedef void (*payment_view_fn)(const struct payment_view *p, void *ctx);

/* Calls fn(payment, ctx) for each of workspace_id's payments made before
 * the time before (NULL: from the newest), newest first, at most limit
 * (>= 1), and writes the before of the next page into next_before ("" when
 * fewer than limit came). Returns PROBLEM_NONE, PROBLEM_INVALID_FIELD
 * (before is not a time) or PROBLEM_UNAVAILABLE, with rp->detail; fn is
 * not called then. */
enum problem payment_history_list(struct worker *w, const char *workspace_id, const char *before,
    long limit, payment_view_fn fn, void *ctx, char next_before[64], struct reply *rp);

/* Calls fn(payment, ctx) once for workspace_id's payment id. Returns
 * PROBLEM_NONE, PROBLEM_NOT_FOUND (none, or another workspace's) or
 * PROBLEM_UNAVAILABLE, with rp->detail; fn is not called then. */
enum problem payment_history_one(struct worker *w, const char *workspace_id, const char *id,
    payment_view_fn fn, void *ctx, struct reply *rp);

#endif
