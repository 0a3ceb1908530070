/* Usage reports of the caller's workspace: GET /v1/reports/usage,
 * /v1/reports/top-users, /v1/reports/language-pairs, /v1/reports/providers;
 * and across workspaces (platform keys): GET /v1/admin/analytics. Each
 * answers JSON, or CSV with ?format=csv. They read from reports_conninfo
 * when it is set (a hot standby may serve them). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/workspace.h"
#include "core/csv.h"
#include "core/money.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "reports/report.h"
#include "store/db.h"
#include "handlers.h"

/* group_by=hour covers at most this many days */
#define HOURLY_MAX_DAYS 31

enum { Q_PERIOD, Q_FROM, Q_TO, Q_TZ, Q_GROUP_BY, Q_LIMIT, Q_FORMAT };
static const struct param_spec report_query[] = {
	[Q_PERIOD] = { "period", PARAM_STRING, 0, 1, 8, 0 },
	[Q_FROM] = { "from", PARAM_STRING, 0, 1, 32, 0 },
	[Q_TO] = { "to", PARAM_STRING, 0, 1, 32, 0 },
	[Q_TZ] = { "tz", PARAM_STRING, 0, 1, 63, 0 },
	[Q_GROUP_BY] = { "group_by", PARAM_STRING, 0, 1, 8, 0 },
	[Q_LIMIT] = { "limit", PARAM_INT, 0, 1, 1000, 0 },
	[Q_FORMAT] = { "format", PARAM_STRING, 0, 1, 8, 0 },
	{ NULL, 0, 0, 0, 0, 0 }
};

/* Returns query parameter i, or NULL when absent. */
static const char *qstr(const struct request *r, int i)
{
	return r->query_params[i].present ? r->query_params[i].str : NULL;
}

/* Resolves the range and the format (*csv) the request asks for. Returns
 * PROBLEM_NONE or the problem, with rp->detail set. */
static enum problem report_begin(struct worker *w, struct request *r, struct reply *rp,
    struct report_range *range, int *csv)
{
	const char *format = qstr(r, Q_FORMAT);
	struct report_ask ask = { qstr(r, Q_PERIOD), qstr(r, Q_FROM), qstr(r, Q_TO),
	    qstr(r, Q_TZ), w->cfg->report_max_days };
	char zone[64];

	/* no ?tz: the workspace's own zone (UTC across workspaces) */
	if (ask.tz == NULL && r->route->min_role != ROLE_PLATFORM) {
		if (workspace_time_zone(w, r->ident.workspace_id, zone, sizeof(zone)) < 0) {
			snprintf(rp->detail, sizeof(rp->detail), "reports are unavailable right now");
			return PROBLEM_UNAVAILABLE;
		}
		ask.tz = zone;
	}
	if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "format: must be json or csv");
		return PROBLEM_INVALID_FIELD;
	}
	*csv = format != NULL && strcmp(format, "csv") == 0;
	return report_range_resolve(worker_reports_db(w), &ask, range, rp->detail,
	    sizeof(rp->detail));
}

/* Sends doc (taken) as JSON, or its array member rows_name as CSV with
 * the given columns, as an attachment named after the report and range. */
static enum problem report_send(struct reply *rp, struct json_object *doc, int csv,
    const char *rows_name, const char *const *columns, const char *report,
    const struct report_range *range)
{
	struct json_object *rows;
	char *text;

	if (!csv) {
		reply_json(rp, 200, doc);
		return PROBLEM_NONE;
	}
	json_object_object_get_ex(doc, rows_name, &rows);
	text = csv_render(columns, rows);
	json_object_put(doc);
	if (text == NULL || reply_raw(rp, 200, "text/csv; charset=utf-8", text) < 0) {
		free(text);
		return PROBLEM_INTERNAL;
	}
	free(text);
	/* the UTC dates of the range: only digits and dashes */
	reply_header(rp, "Content-Disposition", "attachment; filename=\"dragoman-%s-%.10s-%.10s.csv\"",
	    report, range->from_utc, range->to_utc);
	return PROBLEM_NONE;
}

/* Returns the report's document: workspace_id (NULL: across all) and the
 * range. */
static struct json_object *report_doc(const char *workspace_id, const struct report_range *range)
{
	struct json_object *o = report_range_json(range);

	if (workspace_id != NULL)
		json_object_object_add(o, "workspace_id", json_object_new_string(workspace_id));
	return o;
}

/* Runs report statement s with values. Returns its rows (caller
 * PQclear()s), or NULL with rp->detail set. */
static PGresult *report_query_run(struct worker *w, enum stmt s, const char *const *values,
    struct reply *rp)
{
	PGresult *res = db_exec(worker_reports_db(w), s, values);

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		snprintf(rp->detail, sizeof(rp->detail), "reports are unavailable right now");
		return NULL;
	}
	return res;
}

/* Resolves the request's range and format, then runs statement s for the
 * caller's workspace over it with ?limit (lim when not given). Returns the
 * rows (caller PQclear()s), or NULL with *p and rp->detail set. */
static PGresult *report_top_rows(struct worker *w, struct request *r, struct reply *rp,
    enum stmt s, long long lim, struct report_range *range, int *csv, enum problem *p)
{
	char limit[24];
	const char *values[5];
	PGresult *res;

	if ((*p = report_begin(w, r, rp, range, csv)) != PROBLEM_NONE)
		return NULL;
	snprintf(limit, sizeof(limit), "%lld",
	    r->query_params[Q_LIMIT].present ? r->query_params[Q_LIMIT].num : lim);
	values[0] = r->ident.workspace_id;
	values[1] = range->from_utc;
	values[2] = range->to_utc;
	values[3] = range->tz;
	values[4] = limit;
	if ((res = report_query_run(w, s, values, rp)) == NULL)
		*p = PROBLEM_UNAVAILABLE;
	return res;
}

/* Returns o (NULL: a new object) with the measures of row i of res from
 * column col on, and unique_users from column users when it is >= 0. */
static struct json_object *measures_object(struct json_object *o, const PGresult *res, int i,
    int col, int users)
{
	struct report_measures m;

	if (o == NULL)
		o = json_object_new_object();

	report_measures_read(res, i, col, &m);
	report_measures_json(o, &m);
	if (users >= 0)
		json_object_object_add(o, "unique_users",
		    json_object_new_int64(db_num(res, i, users)));
	return o;
}

#define MEASURE_COLUMNS "requests", "translations", "characters", "billed_characters", "cost", \
	"cost_micros", "cache_hits", "cache_hit_rate", "errors", "avg_response_ms", \
	"p95_response_ms"

/* 200 with the totals of the range and the series per day or hour
 * (?group_by; hours by default for period=day), empty buckets included. */
static enum problem usage_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "start", MEASURE_COLUMNS, "unique_users", NULL };
	const char *group = qstr(r, Q_GROUP_BY), *period = qstr(r, Q_PERIOD);
	struct report_range range;
	struct json_object *doc, *series;
	const char *values[5];
	PGresult *res;
	enum problem p;
	int csv;

	if ((p = report_begin(w, r, rp, &range, &csv)) != PROBLEM_NONE)
		return p;
	if (group == NULL)
		group = period != NULL && strcmp(period, "day") == 0 ? "hour" : "day";
	if (strcmp(group, "day") != 0 && strcmp(group, "hour") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "group_by: must be day or hour");
		return PROBLEM_INVALID_FIELD;
	}
	if (strcmp(group, "hour") == 0 && range.seconds > HOURLY_MAX_DAYS * 86400LL) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "group_by=hour covers at most %d days; use group_by=day", HOURLY_MAX_DAYS);
		return PROBLEM_INVALID_FIELD;
	}
	values[0] = r->ident.workspace_id;
	values[1] = range.from_utc;
	values[2] = range.to_utc;
	values[3] = range.tz;
	values[4] = group;
	if ((res = report_query_run(w, STMT_REPORT_USAGE, values, rp)) == NULL)
		return PROBLEM_UNAVAILABLE;
	doc = report_doc(r->ident.workspace_id, &range);
	json_object_object_add(doc, "group_by", json_object_new_string(group));
	series = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o;
		if (strcmp(PQgetvalue(res, i, 0), "1") == 0) {
			json_object_object_add(doc, "totals", measures_object(NULL, res, i, 2, 11));
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "start", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_array_add(series, measures_object(o, res, i, 2, 11));
	}
	PQclear(res);
	json_object_object_add(doc, "series", series);
	return report_send(rp, doc, csv, "series", columns, "usage", &range);
}

/* Returns a JSON string of column c of row i, or null when it is NULL. */
static struct json_object *text_or_null(const PGresult *res, int i, int c)
{
	return PQgetisnull(res, i, c) ? NULL : json_object_new_string(PQgetvalue(res, i, c));
}

/* Adds column c of row i of res to o as an integer named name. */
static void add_count(struct json_object *o, const char *name, const PGresult *res, int i, int c)
{
	json_object_object_add(o, name,
	    json_object_new_int64(db_num(res, i, c)));
}

/* 200 with the users (API keys, for requests made without a user) that
 * spent most over the range, ?limit of them (10). */
static enum problem top_users_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "user_id", "api_key_id", "api_key_prefix",
		"requests", "errors", "characters", "billed_characters", "cost", "cost_micros", NULL };
	struct report_range range;
	struct json_object *doc, *users;
	PGresult *res;
	enum problem p;
	int csv;

	if ((res = report_top_rows(w, r, rp, STMT_REPORT_ACTORS, 10, &range, &csv, &p)) == NULL)
		return p;
	doc = report_doc(r->ident.workspace_id, &range);
	users = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		char kind = PQgetvalue(res, i, 1)[0];
		json_object_object_add(o, "user_id", kind == 'u' ? text_or_null(res, i, 0) : NULL);
		json_object_object_add(o, "api_key_id", kind == 'k' ? text_or_null(res, i, 0) : NULL);
		json_object_object_add(o, "api_key_prefix", text_or_null(res, i, 2));
		add_count(o, "requests", res, i, 3);
		add_count(o, "errors", res, i, 4);
		add_count(o, "characters", res, i, 5);
		add_count(o, "billed_characters", res, i, 6);
		money_json_add(o, "cost", db_num(res, i, 7));
		json_object_array_add(users, o);
	}
	PQclear(res);
	json_object_object_add(doc, "users", users);
	return report_send(rp, doc, csv, "users", columns, "top-users", &range);
}

/* 200 with the measures per language pair (?limit, 100), most requested
 * first. */
static enum problem pairs_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "source", "target", MEASURE_COLUMNS, NULL };
	struct report_range range;
	struct json_object *doc, *pairs;
	PGresult *res;
	enum problem p;
	int csv;

	if ((res = report_top_rows(w, r, rp, STMT_REPORT_PAIRS, 100, &range, &csv, &p)) == NULL)
		return p;
	doc = report_doc(r->ident.workspace_id, &range);
	pairs = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		/* "" is a detection's unknown source */
		json_object_object_add(o, "source", PQgetvalue(res, i, 0)[0]
		    ? json_object_new_string(PQgetvalue(res, i, 0)) : NULL);
		json_object_object_add(o, "target", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_array_add(pairs, measures_object(o, res, i, 2, -1));
	}
	PQclear(res);
	json_object_object_add(doc, "pairs", pairs);
	return report_send(rp, doc, csv, "pairs", columns, "language-pairs", &range);
}

/* 200 with the measures per upstream provider, most requested first. */
static enum problem providers_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "provider", MEASURE_COLUMNS, NULL };
	struct report_range range;
	struct json_object *doc, *providers;
	PGresult *res;
	enum problem p;
	int csv;

	if ((res = report_top_rows(w, r, rp, STMT_REPORT_PROVIDERS, 100, &range, &csv, &p)) == NULL)
		return p;
	doc = report_doc(r->ident.workspace_id, &range);
	providers = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "provider", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_array_add(providers, measures_object(o, res, i, 1, -1));
	}
	PQclear(res);
	json_object_object_add(doc, "providers", providers);
	return report_send(rp, doc, csv, "providers", columns, "providers", &range);
}

/* Returns the money that came in over the range as a new object, with
 * consumed beside it: payments' credits net of refunds, grants and
 * coupons; disputes (taken back, or given back when won). NULL with rp->detail set when it cannot be read. */
static struct json_object *money_object(struct worker *w, const struct report_range *range,
    long long consumed, struct reply *rp)
{
	const char *values[] = { range->from_utc, range->to_utc };
	PGresult *res = report_query_run(w, STMT_REPORT_MONEY, values, rp);
	long long credit = 0, refund = 0, dispute = 0, grant = 0, coupon = 0, payments = 0;
	struct json_object *o;

	if (res == NULL)
		return NULL;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *type = PQgetvalue(res, i, 0);
		long long sum = db_num(res, i, 1);
		if (strcmp(type, "credit") == 0) {
			credit = sum;
			payments = db_num(res, i, 2);
		} else if (strcmp(type, "refund") == 0) {
			refund = sum;
		} else if (strcmp(type, "dispute") == 0) {
			dispute = sum;
		} else if (strcmp(type, "grant") == 0) {
			grant = sum;
		} else if (strcmp(type, "coupon") == 0) {
			coupon = sum;
		}
	}
	PQclear(res);
	o = json_object_new_object();
	money_json_add(o, "recharges", credit);
	json_object_object_add(o, "recharge_count", json_object_new_int64(payments));
	money_json_add(o, "refunds", -refund);
	money_json_add(o, "disputed", -dispute);
	money_json_add(o, "net_revenue", credit + refund + dispute);
	money_json_add(o, "granted", grant);
	money_json_add(o, "coupons", coupon);
	money_json_add(o, "consumed", consumed);
	return o;
}

/* 200 with every workspace's totals over the range, the money that came
 * in against the credits consumed, and the ?limit (10) workspaces that
 * spent most. */
static enum problem analytics_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "workspace_id", "name", MEASURE_COLUMNS, NULL };
	struct report_range range;
	struct json_object *doc, *top, *money;
	char limit[24];
	const char *values[4];
	long long consumed = 0;
	PGresult *res;
	enum problem p;
	int csv;

	if ((p = report_begin(w, r, rp, &range, &csv)) != PROBLEM_NONE)
		return p;
	snprintf(limit, sizeof(limit), "%lld",
	    r->query_params[Q_LIMIT].present ? r->query_params[Q_LIMIT].num : 10);
	values[0] = limit;
	values[1] = range.from_utc;
	values[2] = range.to_utc;
	values[3] = range.tz;
	if ((res = report_query_run(w, STMT_REPORT_WORKSPACES, values, rp)) == NULL)
		return PROBLEM_UNAVAILABLE;
	doc = report_doc(NULL, &range);
	top = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		if (strcmp(PQgetvalue(res, i, 0), "1") == 0) {
			add_count(o, "active_workspaces", res, i, 3);
			consumed = db_num(res, i, 8);
			json_object_object_add(doc, "totals", measures_object(o, res, i, 4, -1));
			continue;
		}
		json_object_object_add(o, "workspace_id", text_or_null(res, i, 1));
		json_object_object_add(o, "name", text_or_null(res, i, 2));
		json_object_array_add(top, measures_object(o, res, i, 4, -1));
	}
	PQclear(res);
	json_object_object_add(doc, "top_workspaces", top);
	if ((money = money_object(w, &range, consumed, rp)) == NULL) {
		json_object_put(doc);
		return PROBLEM_UNAVAILABLE;
	}
	json_object_object_add(doc, "money", money);
	return report_send(rp, doc, csv, "top_workspaces", columns, "analytics", &range);
}

const struct route report_routes[] = {
	{ .method = HTTP_GET, .pattern = "/v1/reports/usage", .handler = usage_get, .auth = AUTH_KEY,
	  .min_role = ROLE_MEMBER, .body = BODY_NONE, .query = report_query, .name = "reports.usage",
	  .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE, .scope = SCOPE_REPORTS },
	{ .method = HTTP_GET, .pattern = "/v1/reports/top-users", .handler = top_users_get,
	  .auth = AUTH_KEY, .min_role = ROLE_ADMIN, .body = BODY_NONE, .query = report_query,
	  .name = "reports.top_users", .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE,
	  .scope = SCOPE_REPORTS },
	{ .method = HTTP_GET, .pattern = "/v1/reports/language-pairs", .handler = pairs_get,
	  .auth = AUTH_KEY, .min_role = ROLE_MEMBER, .body = BODY_NONE, .query = report_query,
	  .name = "reports.language_pairs", .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE,
	  .scope = SCOPE_REPORTS },
	{ .method = HTTP_GET, .pattern = "/v1/reports/providers", .handler = providers_get,
	  .auth = AUTH_KEY, .min_role = ROLE_MEMBER, .body = BODY_NONE, .query = report_query,
	  .name = "reports.providers", .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE,
	  .scope = SCOPE_REPORTS },
	{ .method = HTTP_GET, .pattern = "/v1/admin/analytics", .handler = analytics_get,
	  .auth = AUTH_KEY, .min_role = ROLE_PLATFORM, .body = BODY_NONE, .query = report_query,
	  .name = "admin.analytics", .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE,
	  .scope = SCOPE_REPORTS },
	{ .pattern = NULL }
};
