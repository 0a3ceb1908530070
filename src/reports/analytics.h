/* The report across every workspace (platform keys): the totals over a
 * range, the workspaces that spent most, and the money that came in
 * against the credits consumed. */
#ifndef DRAGOMAN_ANALYTICS_H
#define DRAGOMAN_ANALYTICS_H

#include <stddef.h>

#include "core/problem.h"
#include "reports/report.h"

struct worker;

/* One of the workspaces that spent most (strings borrowed for the call;
 * NULL when the database has none). */
struct report_workspace {
	const char *workspace_id, *name;
	struct report_measures m;
};

/* The money over the range, in micros: payments' credits (recharges, and
 * how many), what refunds and disputes took back (as positive amounts),
 * the net of the three, grants, coupons, and the credits consumed. */
struct report_money {
	long long recharges, recharge_count, refunds, disputed, net_revenue;
	long long granted, coupons, consumed;
};

/* What the report has besides its top workspaces. */
struct report_analytics {
	int has_totals; /* 0: totals and active_workspaces unset */
	long long active_workspaces;
	struct report_measures totals;
	struct report_money money;
};

typedef void (*report_workspace_fn)(void *arg, const struct report_workspace *ws);

/* Resolves ask into *range, fills *out and calls fn with arg for the
 * limit workspaces that spent most over it, most first. Returns
 * PROBLEM_NONE; PROBLEM_INVALID_FIELD (a bad range) or
 * PROBLEM_UNAVAILABLE (then fn may have been called), with detail set. */
enum problem report_analytics(struct worker *w, const struct report_ask *ask, long long limit,
    struct report_range *range, struct report_analytics *out, report_workspace_fn fn, void *arg,
    char *detail, size_t dsz);

#endif
