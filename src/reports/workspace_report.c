#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "proc/worker.h"
#include "reports/report_rows.h"
#include "reports/workspace_report.h"
#include "store/db.h"

/* Checks *group (NULL: hours for period=day, else days) against the range
 * and points it at the static name used. Returns PROBLEM_NONE, or
 * PROBLEM_INVALID_FIELD with detail set. */
static enum problem usage_group(const struct report_ask *ask, const struct report_range *range,
    const char **group, char *detail, size_t dsz)
{
	const char *g = *group;

	if (g == NULL)
		g = ask->period != NULL && strcmp(ask->period, "day") == 0 ? "hour" : "day";
	if (strcmp(g, "day") != 0 && strcmp(g, "hour") != 0) {
		snprintf(detail, dsz, "group_by: must be day or hour");
		return PROBLEM_INVALID_FIELD;
	}
	*group = strcmp(g, "hour") == 0 ? "hour" : "day";
	if (strcmp(g, "hour") == 0 && range->seconds > REPORT_HOURLY_MAX_DAYS * 86400LL) {
		snprintf(detail, dsz, "group_by=hour covers at most %d days; use group_by=day",
		    REPORT_HOURLY_MAX_DAYS);
		return PROBLEM_INVALID_FIELD;
	}
	return PROBLEM_NONE;
}

enum problem report_usage(struct worker *w, const struct report_ask *ask, const char *workspace_id,
    const char **group, struct report_range *range, report_bucket_fn fn, void *arg, char *detail,
    size_t dsz)
{
	const char *values[5];
	PGresult *res;
	enum problem p;

	if ((p = report_range_resolve(worker_reports_db(w), ask, range, detail, dsz)) !=
	    PROBLEM_NONE)
		return p;
	if ((p = usage_group(ask, range, group, detail, dsz)) != PROBLEM_NONE)
		return p;
	values[0] = workspace_id;
	values[1] = range->from_utc;
	values[2] = range->to_utc;
	values[3] = range->tz;
	values[4] = *group;
	if ((res = report_rows_run(w, STMT_REPORT_USAGE, values, detail, dsz)) == NULL)
		return PROBLEM_UNAVAILABLE;
	for (int i = 0; i < PQntuples(res); i++) {
		struct report_bucket b = { 0 };
		b.total = strcmp(PQgetvalue(res, i, 0), "1") == 0;
		b.start = b.total ? NULL : PQgetvalue(res, i, 1);
		report_measures_read(res, i, 2, &b.m);
		b.unique_users = db_num(res, i, 11);
		fn(arg, &b);
	}
	PQclear(res);
	return PROBLEM_NONE;
}

/* Resolves ask into *range, then runs statement s for workspace_id over
 * it with limit. Returns the rows (caller PQclear()s), or NULL with *p
 * and detail set. */
static PGresult *top_rows(struct worker *w, const struct report_ask *ask, const char *workspace_id,
    long long limit, enum stmt s, struct report_range *range, enum problem *p, char *detail,
    size_t dsz)
{
	char lim[24];
	const char *values[5];
	PGresult *res;

	if ((*p = report_range_resolve(worker_reports_db(w), ask, range, detail, dsz)) !=
	    PROBLEM_NONE)
		return NULL;
	snprintf(lim, sizeof(lim), "%lld", limit);
	values[0] = workspace_id;
	values[1] = range->from_utc;
	values[2] = range->to_utc;
	values[3] = range->tz;
	values[4] = lim;
	if ((res = report_rows_run(w, s, values, detail, dsz)) == NULL)
		*p = PROBLEM_UNAVAILABLE;
	return res;
}

enum problem report_top_actors(struct worker *w, const struct report_ask *ask,
    const char *workspace_id, long long limit, struct report_range *range, report_actor_fn fn,
    void *arg, char *detail, size_t dsz)
{
	enum problem p;
	PGresult *res =
	    top_rows(w, ask, workspace_id, limit, STMT_REPORT_ACTORS, range, &p, detail, dsz);

	if (res == NULL)
		return p;
	for (int i = 0; i < PQntuples(res); i++) {
		struct report_actor a = { 0 };
		char kind = PQgetvalue(res, i, 1)[0];
		a.user_id = kind == 'u' ? report_rows_text(res, i, 0) : NULL;
		a.api_key_id = kind == 'k' ? report_rows_text(res, i, 0) : NULL;
		a.api_key_prefix = report_rows_text(res, i, 2);
		a.requests = db_num(res, i, 3);
		a.errors = db_num(res, i, 4);
		a.characters = db_num(res, i, 5);
		a.billed_characters = db_num(res, i, 6);
		a.cost_micros = db_num(res, i, 7);
		fn(arg, &a);
	}
	PQclear(res);
	return PROBLEM_NONE;
}

enum problem report_pairs(struct worker *w, const struct report_ask *ask, const char *workspace_id,
    long long limit, struct report_range *range, report_pair_fn fn, void *arg, char *detail,
    size_t dsz)
{
	enum problem p;
	PGresult *res =
	    top_rows(w, ask, workspace_id, limit, STMT_REPORT_PAIRS, range, &p, detail, dsz);

	if (res == NULL)
		return p;
	for (int i = 0; i < PQntuples(res); i++) {
		struct report_pair pair = { 0 };
		/* "" is a detection's unknown source */
		pair.source = PQgetvalue(res, i, 0)[0] ? PQgetvalue(res, i, 0) : NULL;
		pair.target = PQgetvalue(res, i, 1);
		report_measures_read(res, i, 2, &pair.m);
		fn(arg, &pair);
	}
	PQclear(res);
	return PROBLEM_NONE;
}

enum problem report_providers(struct worker *w, const struct report_ask *ask,
    const char *workspace_id, long long limit, struct report_range *range, report_provider_fn fn,
    void *arg, char *detail, size_t dsz)
{
	enum problem p;
	PGresult *res =
	    top_rows(w, ask, workspace_id, limit, STMT_REPORT_PROVIDERS, range, &p, detail, dsz);

	if (res == NULL)
		return p;
	for (int i = 0; i < PQntuples(res); i++) {
		struct report_provider prov = { 0 };
		prov.provider = PQgetvalue(res, i, 0);
		report_measures_read(res, i, 1, &prov.m);
		fn(arg, &prov);
	}
	PQclear(res);
	return PROBLEM_NONE;
}
