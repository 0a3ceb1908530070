#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "proc/worker.h"
#include "reports/analytics.h"
#include "reports/report_rows.h"
#include "store/db.h"

/* Reads the money that came in over range into *m (consumed is left as
 * it is): payments' credits net of refunds and disputes (taken back, or
 * given back when won), grants and coupons. Returns 0, or -1 with detail
 * set. */
static int money_read(struct worker *w, const struct report_range *range, struct report_money *m,
    char *detail, size_t dsz)
{
	const char *values[] = { range->from_utc, range->to_utc };
	PGresult *res = report_rows_run(w, STMT_REPORT_MONEY, values, detail, dsz);
	long long credit = 0, refund = 0, dispute = 0;

	if (res == NULL)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *type = PQgetvalue(res, i, 0);
		long long sum = db_num(res, i, 1);
		if (strcmp(type, "credit") == 0) {
			credit = sum;
			m->recharge_count = db_num(res, i, 2);
		} else if (strcmp(type, "refund") == 0) {
			refund = sum;
		} else if (strcmp(type, "dispute") == 0) {
			dispute = sum;
		} else if (strcmp(type, "grant") == 0) {
			m->granted = sum;
		} else if (strcmp(type, "coupon") == 0) {
			m->coupons = sum;
		}
	}
	PQclear(res);
	m->recharges = credit;
	m->refunds = -refund;
	m->disputed = -dispute;
	m->net_revenue = credit + refund + dispute;
	return 0;
}

enum problem report_analytics(struct worker *w, const struct report_ask *ask, long long limit,
    struct report_range *range, struct report_analytics *out, report_workspace_fn fn, void *arg,
    char *detail, size_t dsz)
{
	char lim[24];
	const char *values[4];
	PGresult *res;
	enum problem p;

	memset(out, 0, sizeof(*out));
	if ((p = report_range_resolve(worker_reports_db(w), ask, range, detail, dsz)) !=
	    PROBLEM_NONE)
		return p;
	snprintf(lim, sizeof(lim), "%lld", limit);
	values[0] = lim;
	values[1] = range->from_utc;
	values[2] = range->to_utc;
	values[3] = range->tz;
	if ((res = report_rows_run(w, STMT_REPORT_WORKSPACES, values, detail, dsz)) == NULL)
		return PROBLEM_UNAVAILABLE;
	for (int i = 0; i < PQntuples(res); i++) {
		struct report_workspace ws = { 0 };
		if (strcmp(PQgetvalue(res, i, 0), "1") == 0) {
			out->has_totals = 1;
			out->active_workspaces = db_num(res, i, 3);
			report_measures_read(res, i, 4, &out->totals);
			out->money.consumed = out->totals.cost_micros;
			continue;
		}
		ws.workspace_id = report_rows_text(res, i, 1);
		ws.name = report_rows_text(res, i, 2);
		report_measures_read(res, i, 4, &ws.m);
		fn(arg, &ws);
	}
	PQclear(res);
	return money_read(w, range, &out->money, detail, dsz) < 0 ? PROBLEM_UNAVAILABLE
	                                                          : PROBLEM_NONE;
}
