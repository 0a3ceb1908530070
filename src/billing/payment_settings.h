/* A workspace's payment settings: the saved Stripe payment method that
 * recharges charge, and the auto-recharge rule with its status
 * (PUT /v1/billing/payment-method, PUT /v1/billing/auto-recharge). */
#ifndef DRAGOMAN_PAYMENT_SETTINGS_H
#define DRAGOMAN_PAYMENT_SETTINGS_H

#include "core/problem.h"

struct worker;
struct reply;

/* Saves workspace_id's Stripe customer (cus_...) and payment method
 * (pm_...), both set up with Stripe beforehand. Returns PROBLEM_NONE,
 * PROBLEM_INVALID_FIELD (an id of the wrong form) or PROBLEM_UNAVAILABLE,
 * with rp->detail. */
enum problem payment_settings_method_set(struct worker *w, const char *workspace_id,
    const char *customer, const char *payment_method, struct reply *rp);

/* The auto-recharge rule: when the balance is below threshold, recharge
 * amount (micros), at most max_per_day times a day. */
struct auto_recharge_rule {
	int enabled;
	long long threshold;
	long long amount;
	long long max_per_day;
};

/* Sets workspace_id's auto-recharge rule; when it is enabled and a
 * recharge is due already, queues one for request_id to run after the
 * response (a failure to queue is logged only). Returns PROBLEM_NONE, or
 * PROBLEM_UNAVAILABLE with rp->detail. */
enum problem payment_settings_auto_set(struct worker *w, const char *workspace_id,
    const struct auto_recharge_rule *rule, const char *request_id, struct reply *rp);

/* A workspace's auto-recharge rule and how it went. */
struct auto_recharge {
	struct auto_recharge_rule rule;
	char *last_error; /* "" when none; allocated, see auto_recharge_release() */
	char last_error_at[48]; /* ISO 8601; "" when none */
	char next_attempt_at[48]; /* ISO 8601; "" when none */
	char last_state[16]; /* the last auto payment's state; "" when none */
};

/* Reads a workspace's auto-recharge into *out from res, the result of
 * STMT_AUTO_RECHARGE_GET (libpq's PGresult; NULL allowed), which it
 * PQclear()s. Returns 1 when it has one (release *out with
 * auto_recharge_release()), 0 when it has none or it could not be read
 * (nothing to release). */
struct pg_result;
int payment_settings_auto_read(struct pg_result *res, struct auto_recharge *out);

/* Frees what payment_settings_auto_read() allocated in a (not a itself). */
void auto_recharge_release(struct auto_recharge *a);

#endif
