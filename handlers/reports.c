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
#include "handlers.h"
#include "proc/worker.h"
#include "reports/analytics.h"
#include "reports/workspace_report.h"

enum {
	Q_PERIOD,
	Q_FROM,
	Q_TO,
	Q_TZ,
	Q_GROUP_BY,
	Q_LIMIT,
	Q_FORMAT
};
static const struct param_spec report_query[] = {
	[Q_PERIOD] = { "period", PARAM_STRING, 0, 1, 8, 0 },
	[Q_FROM] = { "from", PARAM_STRING, 0, 1, 32, 0 },
	[Q_TO] = { "to", PARAM_STRING, 0, 1, 32, 0 },
	[Q_TZ] = { "tz", PARAM_STRING, 0, 1, 63, 0 },
	[Q_GROUP_BY] = { "group_by", PARAM_STRING, 0, 1, 8, 0 },
	[Q_LIMIT] = { "limit", PARAM_INT, 0, 1, 1000, 0 },
	[Q_FORMAT] = { "format", PARAM_STRING, 0, 1, 8, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Returns query parameter i, or NULL when absent. */
static const char *qstr(const struct request *r, int i)
{
	return r->query_params[i].present ? r->query_params[i].str : NULL;
}

/* Reads the range the request asks for into *ask (with no ?tz, the
 * workspace's own zone, written into zone of zonesz bytes; UTC across
 * workspaces) and the format into *csv. Returns PROBLEM_NONE or the problem, with rp->detail
 * set. */
static enum problem report_ask_of(struct worker *w, struct request *r, struct reply *rp,
    struct report_ask *ask, char *zone, size_t zonesz, int *csv)
{
	const char *format = qstr(r, Q_FORMAT);

	ask->period = qstr(r, Q_PERIOD);
	ask->from = qstr(r, Q_FROM);
	ask->to = qstr(r, Q_TO);
	ask->tz = qstr(r, Q_TZ);
	ask->max_days = w->cfg->report_max_days;
	if (ask->tz == NULL && r->route->min_role != ROLE_PLATFORM) {
		if (workspace_time_zone(w, r->ident.workspace_id, zone, zonesz) < 0) {
			snprintf(rp->detail, sizeof(rp->detail),
			    "reports are unavailable right now");
			return PROBLEM_UNAVAILABLE;
		}
		ask->tz = zone;
	}
	if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "format: must be json or csv");
		return PROBLEM_INVALID_FIELD;
	}
	*csv = format != NULL && strcmp(format, "csv") == 0;
	/* a report counts every request this host answered before it: the
	 * events still in the usage spool go in first */
	(void)worker_spool_load_all(w, WORKER_READER_WAIT_MS);
	return PROBLEM_NONE;
}

/* Returns ?limit, or lim when it is not given. */
static long long limit_of(const struct request *r, long long lim)
{
	return r->query_params[Q_LIMIT].present ? r->query_params[Q_LIMIT].num : lim;
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
	reply_header(rp, "Content-Disposition",
	    "attachment; filename=\"dragoman-%s-%.10s-%.10s.csv\"", report, range->from_utc,
	    range->to_utc);
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

/* Returns o with the measures m added. */
static struct json_object *measures_object(struct json_object *o, const struct report_measures *m)
{
	report_measures_json(o, m);
	return o;
}

#define MEASURE_COLUMNS \
	"requests", "translations", "characters", "billed_characters", "cost", "cost_micros", \
	    "cache_hits", "cache_hit_rate", "errors", "avg_response_ms", "p95_response_ms"

/* The usage report being built: the totals, and the series. */
struct usage_rows {
	struct json_object *totals, *series;
};

/* Adds bucket b to the struct usage_rows arg. */
static void usage_row(void *arg, const struct report_bucket *b)
{
	struct usage_rows *u = arg;
	struct json_object *o = json_object_new_object();

	if (!b->total)
		json_object_object_add(o, "start", json_object_new_string(b->start));
	measures_object(o, &b->m);
	json_object_object_add(o, "unique_users", json_object_new_int64(b->unique_users));
	if (b->total) {
		json_object_put(u->totals);
		u->totals = o;
	} else {
		json_object_array_add(u->series, o);
	}
}

/* 200 with the totals of the range and the series per day or hour
 * (?group_by; hours by default for period=day), empty buckets included. */
static enum problem usage_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "start", MEASURE_COLUMNS, "unique_users", NULL };
	const char *group = qstr(r, Q_GROUP_BY);
	struct usage_rows rows = { NULL, NULL };
	struct report_range range;
	struct report_ask ask;
	struct json_object *doc;
	char zone[64];
	enum problem p;
	int csv;

	if ((p = report_ask_of(w, r, rp, &ask, zone, sizeof(zone), &csv)) != PROBLEM_NONE)
		return p;
	rows.series = json_object_new_array();
	p = report_usage(w, &ask, r->ident.workspace_id, &group, &range, usage_row, &rows,
	    rp->detail, sizeof(rp->detail));
	if (p != PROBLEM_NONE) {
		json_object_put(rows.totals);
		json_object_put(rows.series);
		return p;
	}
	doc = report_doc(r->ident.workspace_id, &range);
	json_object_object_add(doc, "group_by", json_object_new_string(group));
	if (rows.totals != NULL)
		json_object_object_add(doc, "totals", rows.totals);
	json_object_object_add(doc, "series", rows.series);
	return report_send(rp, doc, csv, "series", columns, "usage", &range);
}

/* Returns a JSON string of s, or null when s is NULL. */
static struct json_object *string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/* Appends actor a to the JSON array arg. */
static void actor_row(void *arg, const struct report_actor *a)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "user_id", string_or_null(a->user_id));
	json_object_object_add(o, "api_key_id", string_or_null(a->api_key_id));
	json_object_object_add(o, "api_key_prefix", string_or_null(a->api_key_prefix));
	json_object_object_add(o, "requests", json_object_new_int64(a->requests));
	json_object_object_add(o, "errors", json_object_new_int64(a->errors));
	json_object_object_add(o, "characters", json_object_new_int64(a->characters));
	json_object_object_add(o, "billed_characters", json_object_new_int64(a->billed_characters));
	money_json_add(o, "cost", a->cost_micros);
	json_object_array_add(arg, o);
}

/* 200 with the users (API keys, for requests made without a user) that
 * spent most over the range, ?limit of them (10). */
static enum problem top_users_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "user_id", "api_key_id", "api_key_prefix",
		"requests", "errors", "characters", "billed_characters", "cost", "cost_micros",
		NULL };
	struct json_object *doc, *users = json_object_new_array();
	struct report_range range;
	struct report_ask ask;
	char zone[64];
	enum problem p;
	int csv;

	if ((p = report_ask_of(w, r, rp, &ask, zone, sizeof(zone), &csv)) != PROBLEM_NONE ||
	    (p = report_top_actors(w, &ask, r->ident.workspace_id, limit_of(r, 10), &range,
	         actor_row, users, rp->detail, sizeof(rp->detail))) != PROBLEM_NONE) {
		json_object_put(users);
		return p;
	}
	doc = report_doc(r->ident.workspace_id, &range);
	json_object_object_add(doc, "users", users);
	return report_send(rp, doc, csv, "users", columns, "top-users", &range);
}

/* Appends language pair pair to the JSON array arg. */
static void pair_row(void *arg, const struct report_pair *pair)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "source", string_or_null(pair->source));
	json_object_object_add(o, "target", json_object_new_string(pair->target));
	json_object_array_add(arg, measures_object(o, &pair->m));
}

/* 200 with the measures per language pair (?limit, 100), most requested
 * first. */
static enum problem pairs_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "source", "target", MEASURE_COLUMNS, NULL };
	struct json_object *doc, *pairs = json_object_new_array();
	struct report_range range;
	struct report_ask ask;
	char zone[64];
	enum problem p;
	int csv;

	if ((p = report_ask_of(w, r, rp, &ask, zone, sizeof(zone), &csv)) != PROBLEM_NONE ||
	    (p = report_pairs(w, &ask, r->ident.workspace_id, limit_of(r, 100), &range, pair_row,
	         pairs, rp->detail, sizeof(rp->detail))) != PROBLEM_NONE) {
		json_object_put(pairs);
		return p;
	}
	doc = report_doc(r->ident.workspace_id, &range);
	json_object_object_add(doc, "pairs", pairs);
	return report_send(rp, doc, csv, "pairs", columns, "language-pairs", &range);
}

/* Appends provider prov to the JSON array arg. */
static void provider_row(void *arg, const struct report_provider *prov)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "provider", json_object_new_string(prov->provider));
	json_object_array_add(arg, measures_object(o, &prov->m));
}

/* 200 with the measures per upstream provider, most requested first. */
static enum problem providers_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "provider", MEASURE_COLUMNS, NULL };
	struct json_object *doc, *providers = json_object_new_array();
	struct report_range range;
	struct report_ask ask;
	char zone[64];
	enum problem p;
	int csv;

	if ((p = report_ask_of(w, r, rp, &ask, zone, sizeof(zone), &csv)) != PROBLEM_NONE ||
	    (p = report_providers(w, &ask, r->ident.workspace_id, limit_of(r, 100), &range,
	         provider_row, providers, rp->detail, sizeof(rp->detail))) != PROBLEM_NONE) {
		json_object_put(providers);
		return p;
	}
	doc = report_doc(r->ident.workspace_id, &range);
	json_object_object_add(doc, "providers", providers);
	return report_send(rp, doc, csv, "providers", columns, "providers", &range);
}

/* Appends workspace ws to the JSON array arg. */
static void workspace_row(void *arg, const struct report_workspace *ws)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "workspace_id", string_or_null(ws->workspace_id));
	json_object_object_add(o, "name", string_or_null(ws->name));
	json_object_array_add(arg, measures_object(o, &ws->m));
}

/* Returns the money as a new JSON object. */
static struct json_object *money_object(const struct report_money *m)
{
	struct json_object *o = json_object_new_object();

	money_json_add(o, "recharges", m->recharges);
	json_object_object_add(o, "recharge_count", json_object_new_int64(m->recharge_count));
	money_json_add(o, "refunds", m->refunds);
	money_json_add(o, "disputed", m->disputed);
	money_json_add(o, "net_revenue", m->net_revenue);
	money_json_add(o, "granted", m->granted);
	money_json_add(o, "coupons", m->coupons);
	money_json_add(o, "consumed", m->consumed);
	return o;
}

/* 200 with every workspace's totals over the range, the money that came
 * in against the credits consumed, and the ?limit (10) workspaces that
 * spent most. */
static enum problem analytics_get(struct worker *w, struct request *r, struct reply *rp)
{
	static const char *const columns[] = { "workspace_id", "name", MEASURE_COLUMNS, NULL };
	struct json_object *doc, *totals, *top = json_object_new_array();
	struct report_analytics a;
	struct report_range range;
	struct report_ask ask;
	char zone[64];
	enum problem p;
	int csv;

	if ((p = report_ask_of(w, r, rp, &ask, zone, sizeof(zone), &csv)) != PROBLEM_NONE ||
	    (p = report_analytics(w, &ask, limit_of(r, 10), &range, &a, workspace_row, top,
	         rp->detail, sizeof(rp->detail))) != PROBLEM_NONE) {
		json_object_put(top);
		return p;
	}
	doc = report_doc(NULL, &range);
	if (a.has_totals) {
		totals = json_object_new_object();
		json_object_object_add(totals, "active_workspaces",
		    json_object_new_int64(a.active_workspaces));
		json_object_object_add(doc, "totals", measures_object(totals, &a.totals));
	}
	json_object_object_add(doc, "top_workspaces", top);
	json_object_object_add(doc, "money", money_object(&a.money));
	return report_send(rp, doc, csv, "top_workspaces", columns, "analytics", &range);
}

const struct route report_routes[] = {
	{ .method = HTTP_GET,
	    .pattern = "/v1/reports/usage",
	    .handler = usage_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .query = report_query,
	    .name = "reports.usage",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_REPORTS },
	{ .method = HTTP_GET,
	    .pattern = "/v1/reports/top-users",
	    .handler = top_users_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_NONE,
	    .query = report_query,
	    .name = "reports.top_users",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_REPORTS },
	{ .method = HTTP_GET,
	    .pattern = "/v1/reports/language-pairs",
	    .handler = pairs_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .query = report_query,
	    .name = "reports.language_pairs",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_REPORTS },
	{ .method = HTTP_GET,
	    .pattern = "/v1/reports/providers",
	    .handler = providers_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .query = report_query,
	    .name = "reports.providers",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_REPORTS },
	{ .method = HTTP_GET,
	    .pattern = "/v1/admin/analytics",
	    .handler = analytics_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_PLATFORM,
	    .body = BODY_NONE,
	    .query = report_query,
	    .name = "admin.analytics",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_REPORTS },
	{ .pattern = NULL },
};
