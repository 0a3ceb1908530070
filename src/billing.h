/* Charging credits: a hold reserves the worst case before any upstream
 * call is paid for, and the request's usage event settles it (the debit
 * and the event commit together, see usage_record()). Concurrent requests
 * can never together overdraw: the reservation is one conditional UPDATE
 * of the workspace row. */
#ifndef DRAGOMAN_BILLING_H
#define DRAGOMAN_BILLING_H

#include "identity.h"
#include "problem.h"

struct worker;
struct reply;

/* Reserves amount micros (> 0) of workspace_id's credit for request_id
 * into hold_id. When the balance (or the monthly cap) does not allow it,
 * holds of dead workers that have expired are released and it is tried
 * once more. Returns PROBLEM_NONE, PROBLEM_INSUFFICIENT_CREDITS or
 * PROBLEM_MONTHLY_CAP (402, with rp->detail set), or PROBLEM_UNAVAILABLE. */
enum problem billing_reserve(struct worker *w, const char *workspace_id, long long amount,
    const char *request_id, char hold_id[UUID_STR_LEN + 1], struct reply *rp);

/* Releases every expired hold of every workspace. Returns how many
 * workspaces had some, or -1 when the database cannot be reached. */
long billing_release_all_expired(struct worker *w);

#endif
