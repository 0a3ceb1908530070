/* Charging credits: a hold reserves the worst case before any upstream
 * call is paid for, and the request's usage event settles it (the debit
 * and the event commit together, see usage_record()). Concurrent requests
 * can never together overdraw: the reservation is one conditional UPDATE
 * of the workspace row. */
#ifndef DRAGOMAN_BILLING_H
#define DRAGOMAN_BILLING_H

#include "core/identity.h"
#include "core/problem.h"

struct worker;
struct reply;

/* Reserves amount micros (> 0) of workspace_id's credit for request_id,
 * owned by owner (the attempt's own id, see struct request) and made
 * under Idempotency-Key idem (or NULL), into hold_id. When the balance (or
 * the monthly cap) does not allow it,
 * holds of dead workers that have expired are released and it is tried
 * once more. Returns PROBLEM_NONE, PROBLEM_INSUFFICIENT_CREDITS or
 * PROBLEM_MONTHLY_CAP (402, with rp->detail set), or PROBLEM_UNAVAILABLE. */
enum problem billing_reserve(struct worker *w, const char *workspace_id, long long amount,
    const char *request_id, const char *owner, const char *idem, char hold_id[UUID_STR_LEN + 1],
    struct reply *rp);

/* Like billing_reserve(), and also takes characters of key_id's monthly
 * quota (quota > 0; else none) in the same transaction, so that neither is
 * held without the other. amount may be 0 when there are characters to
 * hold: a free request still counts against the quota, and is never
 * refused for credit or the monthly cap. Returns billing_reserve()'s
 * results, or PROBLEM_KEY_QUOTA (429, with rp->detail, the reset time in
 * rp->extra and Retry-After) when the quota does not leave them. */
enum problem billing_reserve_quota(struct worker *w, const char *workspace_id, long long amount,
    const char *request_id, const char *owner, const char *idem, const char *key_id,
    long long quota, long long characters, char hold_id[UUID_STR_LEN + 1], struct reply *rp);

/* Redeems coupon code for workspace_id: its amount is credited with a
 * ledger row, once per workspace, while it is unexpired and not used up
 * (the coupon row is locked for it). Returns PROBLEM_NONE with *amount
 * and *balance set; PROBLEM_NOT_FOUND (no such code),
 * PROBLEM_INVALID_FIELD (expired or used up), PROBLEM_CONFLICT (this
 * workspace redeemed it already) or PROBLEM_UNAVAILABLE, with rp->detail. */
enum problem billing_redeem(struct worker *w, const char *workspace_id, const char *code,
    long long *amount, long long *balance, struct reply *rp);

/* Changes workspace_id's balance by amount micros (signed) with a ledger
 * row of type (grant, credit, adjustment, ...) described by reason, under
 * idempotency_key (NULL: none; the same key again returns the first row).
 * Returns PROBLEM_NONE with *ledger_id and *balance set; PROBLEM_NOT_FOUND,
 * PROBLEM_INVALID_FIELD (the balance would fall below what is reserved),
 * PROBLEM_IDEMPOTENCY_MISMATCH or PROBLEM_UNAVAILABLE with rp->detail. */
enum problem billing_change(struct worker *w, const char *workspace_id, long long amount,
    const char *type, const char *reason, const char *idempotency_key, long long *ledger_id,
    long long *balance, struct reply *rp);

/* An operator's change: billing_change() on workspace_id, which must be
 * a UUID that names a workspace. Returns billing_change()'s results, or
 * PROBLEM_NOT_FOUND with rp->detail when there is no such workspace (or
 * it cannot be looked up). */
enum problem billing_operator_change(struct worker *w, const char *workspace_id, long long amount,
    const char *type, const char *reason, const char *idempotency_key, long long *ledger_id,
    long long *balance, struct reply *rp);

/* Creates coupon code worth amount micros (> 0), redeemable by
 * max_redemptions workspaces until expires_at (ISO 8601; NULL: never).
 * Returns PROBLEM_NONE, PROBLEM_CONFLICT (the code exists),
 * PROBLEM_INVALID_FIELD (a code or time the schema refuses) or
 * PROBLEM_UNAVAILABLE, with rp->detail. */
enum problem billing_coupon_create(struct worker *w, const char *code, long long amount,
    long long max_redemptions, const char *expires_at, struct reply *rp);

/* Releases every expired hold of every workspace. Returns how many
 * workspaces had some, or -1 when the database cannot be reached. */
long billing_release_all_expired(struct worker *w);

#endif
