/* Reports through a real web server: after a mixed load of real requests
 * (paid, cached, failed upstream, refused with 402) the usage report's
 * cost equals the ledger's debits to the micro and its requests the usage
 * events; over 60 days of loaded events, read mostly from the rollups,
 * every report equals the naive GROUP BY over the raw events, in UTC and
 * in zones with DST and half-hour offsets; CSV; bad ranges; isolation;
 * the operators' analytics. */
#include "autoconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"
#include "reports/report.h"

static char key[128], ws[64]; /* the workspace of loaded events */
static char member_key[128]; /* a member key of it */
static char recon_key[128], recon_ws[64];
static char zkey[128], zws[64]; /* issue 16: a year of events, in every zone */

/* Returns the number at the dotted path of o ("totals.requests"), or -1
 * when there is none. */
static long long jnum(struct json_object *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strtok_r(buf, ".", &save); p != NULL; p = strtok_r(NULL, ".", &save))
		if (o == NULL || !json_object_object_get_ex(o, p, &o))
			return -1;
	return o != NULL ? json_object_get_int64(o) : -1;
}

/* Returns the string at member name of o, or "". */
static const char *jstr(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) && v != NULL ? json_object_get_string(v) : "";
}

/* Returns the rows of sql (test-made, no parameters) or NULL (reported);
 * a query of the events first loads the usage spool, as a report does. */
static PGresult *sql_rows(const char *sql)
{
	PGconn *pg;
	PGresult *res;

	usage_load_before(sql);
	pg = pg_connect();
	res = PQexec(pg, sql);

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "test_reports: %s: %s", sql, PQresultErrorMessage(res));
		PQclear(res);
		res = NULL;
	}
	PQfinish(pg);
	return res;
}

/* Writes the UTC time now + offset seconds as YYYY-MM-DDTHH:MM:SSZ. */
static void utc_at(long offset, char *out, size_t outsz)
{
	time_t t = time(NULL) + offset;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* POSTs a translation with key k; returns the status. */
static long translate(const char *k, const char *text, const char *provider)
{
	char auth[160], body[512];
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	struct http_response r;
	long status;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", k);
	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"de\"%s%s%s}",
	    text, provider ? ",\"provider\":\"" : "", provider ? provider : "",
	    provider ? "\"" : "");
	status = http_request("POST", "/v1/translate", h, body, strlen(body), &r);
	http_free(&r);
	return status;
}

/* Loads 6000 events over the last 60 days into ws: three actors (two
 * keys and none), every endpoint, errors, cache hits, response times
 * across the histogram, and payments (which reports leave out); then
 * rolls them up again. */
static int load_events(void)
{
	char sql[4096], *out;
	PGresult *res;

	snprintf(sql, sizeof(sql),
	    "INSERT INTO usage_events (created_at, workspace_id, api_key_id, request_id, endpoint,"
	    " source, target, provider, characters, billed_characters, segments, cached_segments,"
	    " status, duration_ms, cost_micros)"
	    " SELECT now() - interval '2 hours' - g * interval '863 seconds', '%s',"
	    "  CASE g %% 3 WHEN 0 THEN NULL ELSE (SELECT id FROM api_keys WHERE workspace_id = '%s'"
	    "   ORDER BY id OFFSET (g %% 3) - 1 LIMIT 1) END,"
	    "  'load-' || g, (ARRAY['translate','translate','translate.deepl','detect','usage',"
	    "   'billing.recharge'])[1 + g %% 6],"
	    "  (ARRAY['en','de','fr'])[1 + g %% 5 %% 3], CASE WHEN g %% 6 = 3 THEN NULL ELSE"
	    "  (ARRAY['es','en','lt','de'])[1 + g %% 7 %% 4] END,"
	    "  (ARRAY['apertium','deepl','google'])[1 + g %% 11 %% 3], 10 + g %% 90, g %% 50,"
	    "  1 + g %% 2, g %% 2 * (g %% 4 / 2), (ARRAY[200,200,200,200,402,503,400])[1 + g %% 7],"
	    "  (g * 37) %% 12000, CASE WHEN g %% 7 < 4 THEN (g %% 50) * 13 ELSE 0 END"
	    " FROM generate_series(1, 6000) g",
	    ws, ws);
	res = sql_rows(sql);
	if (res == NULL)
		return -1;
	PQclear(res);
	out = admin("rollup --rebuild");
	free(out);
	return out != NULL ? 0 : -1;
}

/* Checks GET /v1/reports/usage for [from, to) in tz by grain against the
 * naive GROUP BY over the raw events: every bucket and the totals. */
static void check_usage_report(const char *from, const char *to, const char *tz, const char *grain)
{
	char path[512], sql[2048];
	struct http_response r;
	struct json_object *series, *totals;
	PGresult *res;
	long long req = 0, cost = 0;
	size_t n;

	snprintf(path, sizeof(path), "/v1/reports/usage?from=%s&to=%s&tz=%s&group_by=%s", from, to,
	    tz, grain);
	CU_ASSERT_EQUAL_FATAL(get(path, key, &r), 200);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "series", &series));
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "totals", &totals));
	snprintf(sql, sizeof(sql),
	    "SELECT to_char(date_trunc('%s', created_at AT TIME ZONE '%s'),"
	    "  'YYYY-MM-DD\"T\"HH24:MI:SS'), count(*), sum(cost_micros),"
	    " coalesce(sum(segments) FILTER (WHERE endpoint LIKE 'translate%%'), 0),"
	    " count(*) FILTER (WHERE status >= 400), sum(billed_characters), sum(cached_segments),"
	    " count(DISTINCT coalesce(user_id, api_key_id,"
	    "  '00000000-0000-0000-0000-000000000000'::uuid))"
	    " FROM usage_events WHERE workspace_id = '%s' AND created_at >= '%s'"
	    " AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%' GROUP BY 1 ORDER BY 1",
	    grain, tz, ws, from, to);
	res = sql_rows(sql);
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	CU_ASSERT(PQntuples(res) > 0);
	n = json_object_array_length(series);
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *b = NULL;
		for (size_t j = 0; j < n; j++) {
			struct json_object *s = json_object_array_get_idx(series, j);
			if (strncmp(jstr(s, "start"), PQgetvalue(res, i, 0), 19) == 0)
				b = s;
		}
		CU_ASSERT_PTR_NOT_NULL(b);
		if (b == NULL) {
			fprintf(stderr, "no bucket %s in %s %s\n", PQgetvalue(res, i, 0), tz,
			    grain);
			continue;
		}
		CU_ASSERT_EQUAL(jnum(b, "requests"), atoll(PQgetvalue(res, i, 1)));
		CU_ASSERT_EQUAL(jnum(b, "cost_micros"), atoll(PQgetvalue(res, i, 2)));
		CU_ASSERT_EQUAL(jnum(b, "translations"), atoll(PQgetvalue(res, i, 3)));
		CU_ASSERT_EQUAL(jnum(b, "errors"), atoll(PQgetvalue(res, i, 4)));
		CU_ASSERT_EQUAL(jnum(b, "billed_characters"), atoll(PQgetvalue(res, i, 5)));
		CU_ASSERT_EQUAL(jnum(b, "cache_hits"), atoll(PQgetvalue(res, i, 6)));
		CU_ASSERT_EQUAL(jnum(b, "unique_users"), atoll(PQgetvalue(res, i, 7)));
		if (jnum(b, "requests") != atoll(PQgetvalue(res, i, 1)))
			fprintf(stderr, "bucket %s (%s %s): %lld requests, the events say %s\n",
			    PQgetvalue(res, i, 0), tz, grain, jnum(b, "requests"),
			    PQgetvalue(res, i, 1));
		req += atoll(PQgetvalue(res, i, 1));
		cost += atoll(PQgetvalue(res, i, 2));
	}
	PQclear(res);
	/* buckets the events do not have are there, empty */
	for (size_t j = 0; j < n; j++)
		CU_ASSERT(jnum(json_object_array_get_idx(series, j), "requests") >= 0);
	CU_ASSERT_EQUAL(jnum(totals, "requests"), req);
	CU_ASSERT_EQUAL(jnum(totals, "cost_micros"), cost);
	http_free(&r);
}

/* The closed part of the loaded range is read from the rollups, and the
 * report equals the raw events bucket by bucket in every zone. */
static void test_rollups_equal_raw_events(void)
{
	char from[32], to[32], sql[512], vfrom[32], vto[32];

	utc_at(-45 * 86400 - 1037, from, sizeof(from)); /* partial hours at both ends */
	utc_at(-3600 * 3 - 420, to, sizeof(to));
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM usage_segments('%s', '%s', 'UTC', 'day')"
	    " WHERE kind = 'd'",
	    from, to);
	CU_ASSERT(pg_num(sql, NULL) >= 1); /* whole days come from usage_daily */
	snprintf(sql, sizeof(sql),
	    "SELECT sum(extract(epoch FROM hi - lo)) FROM usage_segments("
	    "'%s', '%s', 'UTC', 'day') WHERE kind = 'r'",
	    from, to);
	CU_ASSERT(pg_num(sql, NULL) < 3 * 3600); /* raw: the edges only */
	check_usage_report(from, to, "UTC", "day");
	check_usage_report(from, to, "Europe/Vilnius", "day");
	check_usage_report(from, to, "Asia/Kolkata", "day");
	check_usage_report(from, to, "America/St_Johns", "day");
	utc_at(-20 * 86400 - 1800, vfrom, sizeof(vfrom));
	utc_at(-10 * 86400, vto, sizeof(vto));
	check_usage_report(vfrom, vto, "UTC", "hour");
	check_usage_report(vfrom, vto, "Asia/Kolkata", "hour");
	/* the night Vilnius leaves summer time: 03:00 comes twice */
	check_usage_report("2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z", "Europe/Vilnius",
	    "hour");
}

/* The p95 estimate lies in the histogram slot of the exact p95. */
static void test_p95_in_the_right_slot(void)
{
	static const long bounds[] = { 0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000,
		10000 };
	char from[32], to[32], path[256], sql[512];
	struct http_response r;
	long long exact, p95;
	int k = 0;

	utc_at(-50 * 86400, from, sizeof(from));
	utc_at(-3600, to, sizeof(to));
	snprintf(path, sizeof(path), "/v1/reports/usage?from=%s&to=%s", from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, key, &r), 200);
	p95 = jnum(r.json, "totals.p95_response_ms");
	http_free(&r);
	snprintf(sql, sizeof(sql),
	    "SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms)"
	    " FROM usage_events WHERE workspace_id = '%s' AND created_at >= '%s'"
	    " AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%'",
	    ws, from, to);
	exact = pg_num(sql, NULL);
	CU_ASSERT_FATAL(exact > 0);
	while (k < 13 && exact > bounds[k + 1])
		k++;
	CU_ASSERT(p95 >= bounds[k]);
	CU_ASSERT(k == 13 ? p95 == 10000 : p95 <= bounds[k + 1]);
}

/* Top users, language pairs and providers equal the naive queries. */
static void test_breakdowns(void)
{
	char from[32], to[32], path[256], sql[1024];
	struct http_response r;
	struct json_object *arr, *first;
	PGresult *res;

	utc_at(-30 * 86400 - 77, from, sizeof(from));
	utc_at(-1800, to, sizeof(to));
	snprintf(path, sizeof(path), "/v1/reports/top-users?from=%s&to=%s&limit=2", from, to);
	CU_ASSERT_EQUAL(get(path, member_key, &r), 403); /* admins only */
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(get(path, key, &r), 200);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "users", &arr));
	CU_ASSERT_EQUAL(json_object_array_length(arr), 2);
	snprintf(sql, sizeof(sql),
	    "SELECT coalesce(api_key_id::text, ''), count(*), sum(cost_micros)"
	    " FROM usage_events WHERE workspace_id = '%s' AND created_at >= '%s' AND created_at < '%s'"
	    " AND endpoint NOT LIKE 'billing.%%' GROUP BY 1 ORDER BY 3 DESC, 2 DESC LIMIT 1",
	    ws, from, to);
	res = sql_rows(sql);
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	first = json_object_array_get_idx(arr, 0);
	CU_ASSERT_STRING_EQUAL(jstr(first, "api_key_id"), PQgetvalue(res, 0, 0));
	CU_ASSERT_EQUAL(jnum(first, "requests"), atoll(PQgetvalue(res, 0, 1)));
	CU_ASSERT_EQUAL(jnum(first, "cost_micros"), atoll(PQgetvalue(res, 0, 2)));
	CU_ASSERT_EQUAL(strncmp(jstr(first, "api_key_prefix"), "dgm_", 4), 0);
	PQclear(res);
	http_free(&r);

	snprintf(path, sizeof(path), "/v1/reports/language-pairs?from=%s&to=%s", from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, member_key, &r), 200);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "pairs", &arr));
	snprintf(sql, sizeof(sql),
	    "SELECT source, target, count(*), sum(cost_micros) FROM usage_events"
	    " WHERE workspace_id = '%s' AND created_at >= '%s' AND created_at < '%s'"
	    " AND endpoint NOT LIKE 'billing.%%' AND target IS NOT NULL GROUP BY 1, 2"
	    " ORDER BY 3 DESC, 1, 2",
	    ws, from, to);
	res = sql_rows(sql);
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	CU_ASSERT_EQUAL(json_object_array_length(arr), (size_t)PQntuples(res));
	for (int i = 0; i < PQntuples(res) && (size_t)i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		CU_ASSERT_STRING_EQUAL(jstr(p, "source"), PQgetvalue(res, i, 0));
		CU_ASSERT_STRING_EQUAL(jstr(p, "target"), PQgetvalue(res, i, 1));
		CU_ASSERT_EQUAL(jnum(p, "requests"), atoll(PQgetvalue(res, i, 2)));
		CU_ASSERT_EQUAL(jnum(p, "cost_micros"), atoll(PQgetvalue(res, i, 3)));
	}
	PQclear(res);
	http_free(&r);

	snprintf(path, sizeof(path), "/v1/reports/providers?from=%s&to=%s", from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, member_key, &r), 200);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "providers", &arr));
	snprintf(sql, sizeof(sql),
	    "SELECT provider, count(*), sum(cost_micros),"
	    " count(*) FILTER (WHERE status >= 400), avg(duration_ms)"
	    " FROM usage_events WHERE workspace_id = '%s' AND created_at >= '%s'"
	    " AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%' GROUP BY 1"
	    " ORDER BY 2 DESC, 1",
	    ws, from, to);
	res = sql_rows(sql);
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	CU_ASSERT_EQUAL(json_object_array_length(arr), (size_t)PQntuples(res));
	for (int i = 0; i < PQntuples(res) && (size_t)i < json_object_array_length(arr); i++) {
		struct json_object *p = json_object_array_get_idx(arr, i);
		CU_ASSERT_STRING_EQUAL(jstr(p, "provider"), PQgetvalue(res, i, 0));
		CU_ASSERT_EQUAL(jnum(p, "requests"), atoll(PQgetvalue(res, i, 1)));
		CU_ASSERT_EQUAL(jnum(p, "cost_micros"), atoll(PQgetvalue(res, i, 2)));
		CU_ASSERT_EQUAL(jnum(p, "errors"), atoll(PQgetvalue(res, i, 3)));
		/* rounded to 0.1 on either side */
		CU_ASSERT(
		    fabs(json_object_get_double(json_object_object_get(p, "avg_response_ms")) -
		        strtod(PQgetvalue(res, i, 4), NULL)) < 0.11);
	}
	PQclear(res);
	http_free(&r);
}

/* A mixed load of real requests: the report's cost is the ledger's
 * debits to the micro, its requests the usage events, in JSON and CSV. */
static void test_reconciles_to_the_ledger(void)
{
	char from[32], to[32], path[256], sql[1024], text[128], args[256], *out;
	struct http_response r;
	long long debits, events, left, sum = 0;
	int refused = 0;
	char *line;

	utc_at(-2, from, sizeof(from));
	for (int i = 0; i < 6; i++) { /* paid, upstream */
		snprintf(text, sizeof(text), "Reconciled text %d of run %ld.", i, (long)time(NULL));
		CU_ASSERT_EQUAL(translate(recon_key, text, "deepl"), 200);
		CU_ASSERT_EQUAL(translate(recon_key, text, "deepl"), 200); /* cached */
	}
	CU_ASSERT_EQUAL(translate(recon_key, "Apertium reconciles too.", NULL), 200);
	CU_ASSERT(translate(recon_key, "DEEPL503 fails upstream", "deepl") >= 500);
	CU_ASSERT(translate(recon_key, "DEEPL503 fails again", "deepl") >= 500);
	/* spend all but 50 micros: then the paid texts are refused with 402 */
	snprintf(sql, sizeof(sql), "SELECT balance_micros - 50 FROM workspaces WHERE id = '%s'",
	    recon_ws);
	left = pg_num(sql, NULL);
	CU_ASSERT_FATAL(left > 0);
	snprintf(args, sizeof(args), "billing adjust %s --reason drain -- -%lld.%06lld", recon_ws,
	    left / 1000000, left % 1000000);
	out = admin(args);
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	for (int i = 0; i < 8; i++) {
		snprintf(text, sizeof(text),
		    "An expensive text %d, long enough to cost more than what"
		    " is left of the balance %ld.",
		    i, (long)time(NULL));
		refused += translate(recon_key, text, "deepl") == 402;
	}
	CU_ASSERT(refused > 0);
	utc_at(2, to, sizeof(to));

	snprintf(sql, sizeof(sql),
	    "SELECT -coalesce(sum(amount_micros), 0) FROM ledger"
	    " WHERE workspace_id = '%s' AND type = 'debit' AND created_at >= '%s'"
	    " AND created_at < '%s'",
	    recon_ws, from, to);
	debits = pg_num(sql, NULL);
	CU_ASSERT(debits > 0);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM usage_events WHERE workspace_id = '%s'"
	    " AND created_at >= '%s' AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%'",
	    recon_ws, from, to);
	events = pg_num(sql, NULL);
	CU_ASSERT(events >= 12 + 1 + 2 + refused);

	snprintf(path, sizeof(path), "/v1/reports/usage?from=%s&to=%s&group_by=hour", from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, recon_key, &r), 200);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.cost_micros"), debits);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.requests"), events);
	CU_ASSERT(jnum(r.json, "totals.errors") >= 2 + refused);
	CU_ASSERT(jnum(r.json, "totals.cache_hits") >= 6);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.unique_users"), 1);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(get("/v1/reports/usage?period=day", recon_key, &r), 200);
	snprintf(sql, sizeof(sql),
	    "SELECT -coalesce(sum(amount_micros), 0) FROM ledger"
	    " WHERE workspace_id = '%s' AND type = 'debit'",
	    recon_ws);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.cost_micros"), pg_num(sql, NULL));
	http_free(&r);

	/* CSV: a header, one line per hour, exact decimals that add up */
	snprintf(path, sizeof(path), "/v1/reports/usage?from=%s&to=%s&group_by=hour&format=csv",
	    from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, recon_key, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "Content-Type"), "text/csv; charset=utf-8");
	CU_ASSERT_PTR_NOT_NULL(strstr(http_header(&r, "Content-Disposition"),
	    "attachment; filename=\"dragoman-usage-"));
	CU_ASSERT_EQUAL(strncmp(r.body,
	                    "start,requests,translations,characters,billed_characters,"
	                    "cost,cost_micros,",
	                    65),
	    0);
	line = strstr(r.body, "\r\n");
	while (line != NULL && line[2] != '\0') {
		long long micros = -1;
		char start[40], cost[32];
		line += 2;
		CU_ASSERT(sscanf(line, "%39[^,],%*d,%*d,%*d,%*d,%31[^,],%lld,", start, cost,
		              &micros) == 3);
		CU_ASSERT_PTR_NOT_NULL(strchr(cost, '.'));
		CU_ASSERT_EQUAL(atoll(cost) * 1000000 + atoll(strchr(cost, '.') + 1), micros);
		sum += micros;
		line = strstr(line, "\r\n");
	}
	CU_ASSERT_EQUAL(sum, debits);
	http_free(&r);
}

/* Another workspace's report is empty: zeros, not errors, and none of
 * the loaded or reconciled events. */
static void test_isolation_and_empty_ranges(void)
{
	char k[128], id[64], from[32], to[32], path[256];
	struct http_response r;
	struct json_object *series;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Reports elsewhere", k, sizeof(k), id, sizeof(id)), 0);
	utc_at(-59 * 86400, from, sizeof(from));
	utc_at(60, to, sizeof(to));
	snprintf(path, sizeof(path), "/v1/reports/usage?from=%s&to=%s", from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, k, &r), 200);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.requests"), 0);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.cost_micros"), 0);
	CU_ASSERT_STRING_EQUAL(jstr(r.json, "workspace_id"), id);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "series", &series));
	CU_ASSERT(json_object_array_length(series) >= 59);
	http_free(&r);
	snprintf(path, sizeof(path), "/v1/reports/top-users?from=%s&to=%s", from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, k, &r), 200);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "users", &series));
	CU_ASSERT_EQUAL(json_object_array_length(series), 0);
	http_free(&r);
	/* the workspace's time zone is its reports' default */
	{
		char auth[160];
		const char *h[] = { auth, "Content-Type: application/json", NULL };
		const char *bad = "{\"time_zone\":\"Mars/Olympus_Mons\"}";
		const char *good = "{\"time_zone\":\"Asia/Kolkata\"}";
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", k);
		CU_ASSERT_EQUAL(http_request("PATCH", "/v1/workspace", h, bad, strlen(bad), &r),
		    400);
		CU_ASSERT(http_is_problem(&r));
		http_free(&r);
		CU_ASSERT_EQUAL(http_request("PATCH", "/v1/workspace", h, good, strlen(good), &r),
		    200);
		http_free(&r);
		/* other workers see the change within local_cache_ms (1 s) */
		for (int i = 0; i < 30; i++) {
			CU_ASSERT_EQUAL_FATAL(get("/v1/reports/usage?from=2026-01-01&to=2026-01-02",
			                          k, &r),
			    200);
			if (strcmp(jstr(r.json, "tz"), "Asia/Kolkata") == 0)
				break;
			http_free(&r);
			usleep(100 * 1000);
		}
		CU_ASSERT_STRING_EQUAL(jstr(r.json, "tz"), "Asia/Kolkata");
		CU_ASSERT_STRING_EQUAL(jstr(r.json, "from"), "2026-01-01T00:00:00+05:30");
		http_free(&r);
		CU_ASSERT_EQUAL_FATAL(get("/v1/reports/usage?from=2026-01-01&to=2026-01-02&tz=UTC",
		                          k, &r),
		    200);
		CU_ASSERT_STRING_EQUAL(jstr(r.json, "from"), "2026-01-01T00:00:00+00:00");
		http_free(&r);
	}
	/* a range with no events at all */
	CU_ASSERT_EQUAL_FATAL(
	    get("/v1/reports/usage?from=2021-02-01&to=2021-02-28&tz=Europe/Vilnius", key, &r), 200);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.requests"), 0);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "series", &series));
	CU_ASSERT_EQUAL(json_object_array_length(series), 28);
	CU_ASSERT_STRING_EQUAL(jstr(json_object_array_get_idx(series, 0), "start"),
	    "2021-02-01T00:00:00+02:00");
	CU_ASSERT_STRING_EQUAL(jstr(r.json, "to"), "2021-03-01T00:00:00+02:00");
	http_free(&r);
}

/* Reports read through reports_conninfo (the stack names its sessions
 * dragoman-reports), not the workers' primary connection. */
static void test_reports_connection(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL(get("/v1/reports/usage?period=day", key, &r), 200);
	http_free(&r);
	CU_ASSERT(pg_num("SELECT count(*) FROM pg_stat_activity"
	                 " WHERE application_name = 'dragoman-reports'",
	              NULL) >= 1);
}

/* Events of a month without a partition wait in the default partition;
 * creating that month's partition moves them there. */
static void test_partition_takes_waiting_events(void)
{
	char sql[512], *out;
	long long before;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM usage_events_default");
	before = pg_num(sql, NULL);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO usage_events (created_at, workspace_id,"
	    " request_id, endpoint, status, duration_ms) VALUES (date_trunc('month', now())"
	    " + interval '40 months 3 days', '%s', 'future', 'translate', 200, 1)",
	    ws);
	PQclear(sql_rows(sql));
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_events_default", NULL), before + 1);
	out = admin("partitions ensure --months 42");
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_events_default", NULL), 0);
	CU_ASSERT_EQUAL(
	    pg_num(
	        "SELECT count(*) FROM usage_events WHERE request_id = 'future'"
	        " AND tableoid::regclass::text = 'usage_events_' || to_char(date_trunc('month', now())"
	        " + interval '40 months', 'YYYY_MM')",
	        NULL),
	    1);
	PQclear(sql_rows("DELETE FROM usage_events WHERE request_id = 'future'"));
}

/* Bad ranges and parameters: 400 problem+json naming what is wrong. */
static void test_bad_requests(void)
{
	static const char *const paths[] = { "/v1/reports/usage?from=2026-11-02&to=2026-11-01",
		"/v1/reports/usage?from=2026-02-30&to=2026-03-02",
		"/v1/reports/usage?from=2026-11-01T25:00&to=2026-11-02",
		"/v1/reports/usage?from=yesterday", "/v1/reports/usage?to=2026-11-01",
		"/v1/reports/usage?period=year", "/v1/reports/usage?period=day&from=2026-11-01",
		"/v1/reports/usage?period=day&tz=Mars/Olympus",
		"/v1/reports/usage?period=day&tz=%27%3B--",
		"/v1/reports/usage?from=2020-01-01&to=2026-01-01",
		"/v1/reports/usage?from=2026-01-01&to=2026-03-01&group_by=hour",
		"/v1/reports/usage?period=week&group_by=minute",
		"/v1/reports/usage?period=week&format=xml",
		"/v1/reports/providers?period=week&limit=0",
		"/v1/reports/language-pairs?period=week&colour=blue", NULL };
	struct http_response r;

	for (int i = 0; paths[i] != NULL; i++) {
		long status = get(paths[i], key, &r);
		CU_ASSERT_EQUAL(status, 400);
		CU_ASSERT(http_is_problem(&r));
		if (status != 400)
			fprintf(stderr, "%s: %ld %s\n", paths[i], status, r.body);
		http_free(&r);
	}
	CU_ASSERT_EQUAL(get("/v1/reports/usage?period=week", NULL, &r), 401);
	http_free(&r);
}

/* Operators see every workspace: totals, the top spenders, the money
 * that came in against what was consumed; nobody else does. */
static void test_admin_analytics(void)
{
	char k[128], id[64], platform[128], from[32], to[32], path[256];
	char sql[1024];
	struct http_response r;
	struct json_object *top;

	CU_ASSERT_EQUAL(get("/v1/admin/analytics?period=month", key, &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(make_workspace("Analytics", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(make_key(id, "platform", platform, sizeof(platform)), 0);
	utc_at(-40 * 86400 - 600, from, sizeof(from));
	utc_at(60, to, sizeof(to));
	snprintf(path, sizeof(path), "/v1/admin/analytics?from=%s&to=%s&limit=3", from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, platform, &r), 200);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM usage_events WHERE created_at >= '%s'"
	    " AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%'",
	    from, to);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.requests"), pg_num(sql, NULL));
	snprintf(sql, sizeof(sql),
	    "SELECT sum(cost_micros) FROM usage_events WHERE created_at >= '%s'"
	    " AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%'",
	    from, to);
	CU_ASSERT_EQUAL(jnum(r.json, "totals.cost_micros"), pg_num(sql, NULL));
	CU_ASSERT_EQUAL(jnum(r.json, "money.consumed_micros"), pg_num(sql, NULL));
	snprintf(sql, sizeof(sql),
	    "SELECT coalesce(sum(amount_micros), 0) FROM ledger"
	    " WHERE type = 'credit' AND created_at >= '%s' AND created_at < '%s'",
	    from, to);
	CU_ASSERT_EQUAL(jnum(r.json, "money.recharges_micros"), pg_num(sql, NULL));
	snprintf(sql, sizeof(sql),
	    "SELECT coalesce(sum(amount_micros), 0) FROM ledger"
	    " WHERE type = 'grant' AND created_at >= '%s' AND created_at < '%s'",
	    from, to);
	CU_ASSERT_EQUAL(jnum(r.json, "money.granted_micros"), pg_num(sql, NULL));
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "top_workspaces", &top));
	snprintf(sql, sizeof(sql),
	    "SELECT least(3, count(DISTINCT workspace_id)) FROM usage_events"
	    " WHERE created_at >= '%s' AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%'",
	    from, to);
	CU_ASSERT_EQUAL(json_object_array_length(top), (size_t)pg_num(sql, NULL));
	CU_ASSERT(json_object_array_length(top) >= 2);
	/* the top spender first (the loaded workspace, or its twin of an
	 * earlier run against the same stack) */
	snprintf(sql, sizeof(sql),
	    "SELECT max(c) FROM (SELECT sum(cost_micros) AS c FROM usage_events"
	    " WHERE created_at >= '%s' AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%'"
	    " GROUP BY workspace_id) s",
	    from, to);
	CU_ASSERT_EQUAL(jnum(json_object_array_get_idx(top, 0), "cost_micros"), pg_num(sql, NULL));
	CU_ASSERT(jnum(json_object_array_get_idx(top, 0), "cost_micros") >=
	    jnum(json_object_array_get_idx(top, 1), "cost_micros"));
	http_free(&r);
	snprintf(path, sizeof(path), "/v1/admin/analytics?from=%s&to=%s&format=csv", from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, platform, &r), 200);
	CU_ASSERT_EQUAL(strncmp(r.body, "workspace_id,name,requests,", 27), 0);
	http_free(&r);
}

/* Returns 1 when a cell of the CSV text starts with a character a
 * spreadsheet takes for a formula (=, +, -, @, tab, CR), inside quotes
 * or not. */
static int csv_has_formula(const char *text)
{
	int at_start = 1, quoted = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (at_start && *p == '"' && !quoted) {
			quoted = 1;
			continue;
		}
		if (at_start && strchr("=+-@\t\r", *p) != NULL && !(*p == '\r' && p[1] == '\n'))
			return 1;
		at_start = 0;
		if (quoted && *p == '"' && p[1] == '"') {
			p++;
		} else if (quoted && *p == '"') {
			quoted = 0;
		} else if (!quoted && (*p == ',' || *p == '\n')) {
			at_start = 1;
		}
	}
	return 0;
}

/* Issue 14, defect 11: a workspace named as a formula reached the
 * operators' analytics CSV as one. Its cell is neutralised with a
 * leading quote; numbers stay numbers. */
static void test_csv_formula_injection(void)
{
	char k[128], id[64], platform[128], from[32], to[32], path[256], text[64];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Formula", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(make_key(id, "platform", platform, sizeof(platform)), 0);
	CU_ASSERT_EQUAL_FATAL(request_as("PATCH", "/v1/workspace", k,
	                          "{\"name\":"
	                          "\"=HYPERLINK(\\\"http://evil.test\\\",\\\"x\\\")\"}",
	                          &r),
	    200);
	http_free(&r);
	snprintf(text, sizeof(text), "The formula %ld is here.", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(translate(k, text, NULL), 200);
	utc_at(-120, from, sizeof(from));
	utc_at(60, to, sizeof(to));
	snprintf(path, sizeof(path), "/v1/admin/analytics?from=%s&to=%s&limit=1000&format=csv",
	    from, to);
	CU_ASSERT_EQUAL_FATAL(get(path, platform, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, id));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(r.body, ",\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\","));
	CU_ASSERT(!csv_has_formula(r.body));
	http_free(&r);
}

/* Issue 16: loads about 11000 events into the workspace zws over the last
 * 399 days (five actors: four keys and none, every endpoint, errors,
 * cache hits, response times across the histogram, payments), a few in
 * the hour not closed yet, then rolls them up again. */
static int load_zone_events(void)
{
	char sql[4096], *out;
	PGresult *res;

	for (int i = 0; i < 3; i++) {
		char k[128];
		if (make_key(zws, "member", k, sizeof(k)) < 0)
			return -1;
	}
	snprintf(sql, sizeof(sql),
	    "INSERT INTO usage_events (created_at, workspace_id, api_key_id, request_id, endpoint,"
	    " source, target, provider, characters, billed_characters, segments, cached_segments,"
	    " status, duration_ms, cost_micros)"
	    " SELECT t, '%s', CASE a WHEN 0 THEN NULL ELSE (SELECT id FROM api_keys"
	    "   WHERE workspace_id = '%s' ORDER BY id OFFSET a - 1 LIMIT 1) END,"
	    "  'zone-' || g, (ARRAY['translate','translate','translate.deepl','detect','usage',"
	    "   'billing.recharge'])[1 + g %% 6],"
	    "  (ARRAY['en','de','fr'])[1 + g %% 5 %% 3], CASE WHEN g %% 6 = 3 THEN NULL ELSE"
	    "  (ARRAY['es','en','lt','de'])[1 + g %% 7 %% 4] END,"
	    "  (ARRAY['apertium','deepl','google'])[1 + g %% 11 %% 3], 10 + g %% 90, g %% 50,"
	    "  1 + g %% 2, g %% 2 * (g %% 4 / 2), (ARRAY[200,200,200,200,402,503,400])[1 + g %% 7],"
	    "  (g * 37) %% 12000, CASE WHEN g %% 7 < 4 THEN (g %% 50) * 13 ELSE 0 END"
	    " FROM (SELECT g, now() - interval '90 minutes' - g * interval '3833 seconds' AS t,"
	    "   g %% 5 AS a FROM generate_series(1, 9000) g"
	    "  UNION ALL SELECT 9000 + g, now() - interval '2 hours' - g * interval '5521 seconds',"
	    "   (g %% 3) * 2 FROM generate_series(1, 6200) g"
	    "  UNION ALL SELECT 20000 + g, now() - g * interval '97 seconds', g %% 5"
	    "   FROM generate_series(1, 20) g) e",
	    zws, zws);
	res = sql_rows(sql);
	if (res == NULL)
		return -1;
	PQclear(res);
	out = admin("rollup --rebuild");
	free(out);
	return out != NULL ? 0 : -1;
}

/* Reads the histogram text "{1,2,...}" into hist. */
static void hist_read(const char *text, long long hist[REPORT_HIST_SLOTS])
{
	const char *h = text;

	memset(hist, 0, sizeof(long long) * REPORT_HIST_SLOTS);
	for (int i = 0; i < REPORT_HIST_SLOTS && *h != '\0'; i++) {
		h++;
		hist[i] = strtoll(h, NULL, 10);
		h += strcspn(h, ",}");
	}
}

/* Checks the measures of the JSON object o against row i of res (count,
 * translations, characters, billed characters, cost, cache hits, errors,
 * duration sum, the histogram as text); what says where. Returns 1 when
 * they are equal. */
static int measures_equal(struct json_object *o, PGresult *res, int i, const char *what)
{
	static const char *const names[] = { "requests", "translations", "characters",
		"billed_characters", "cost_micros", "cache_hits", "errors" };
	long long hist[REPORT_HIST_SLOTS], req = atoll(PQgetvalue(res, i, 1));
	long long dur = atoll(PQgetvalue(res, i, 8));
	char avg[32];
	int ok = 1;

	for (int c = 0; c < 7; c++) {
		if (jnum(o, names[c]) != atoll(PQgetvalue(res, i, 1 + c))) {
			fprintf(stderr, "%s: %s %lld, the events say %s\n", what, names[c],
			    jnum(o, names[c]), PQgetvalue(res, i, 1 + c));
			ok = 0;
		}
	}
	snprintf(avg, sizeof(avg), "%.1f", req > 0 ? (double)dur / (double)req : 0.0);
	hist_read(PQgetvalue(res, i, 9), hist);
	if (strcmp(jstr(o, "avg_response_ms"), avg) != 0 ||
	    jnum(o, "p95_response_ms") != report_p95_ms(hist)) {
		fprintf(stderr, "%s: avg %s p95 %lld, the events say %s and %ld\n", what,
		    jstr(o, "avg_response_ms"), jnum(o, "p95_response_ms"), avg,
		    report_p95_ms(hist));
		ok = 0;
	}
	return ok;
}

/* The columns of measures_equal() over the events e, after the column
 * before them. */
#define RAW_MEASURES \
	" count(*), coalesce(sum(segments) FILTER (WHERE endpoint LIKE 'translate%%'), 0)," \
	" coalesce(sum(characters), 0), coalesce(sum(billed_characters), 0)," \
	" coalesce(sum(cost_micros), 0), coalesce(sum(cached_segments), 0)," \
	" count(*) FILTER (WHERE status >= 400), coalesce(sum(duration_ms), 0)," \
	" ARRAY[sum(h[1]), sum(h[2]), sum(h[3]), sum(h[4]), sum(h[5]), sum(h[6]), sum(h[7])," \
	"  sum(h[8]), sum(h[9]), sum(h[10]), sum(h[11]), sum(h[12]), sum(h[13]), sum(h[14])]::text"

/* GETs /v1/reports/usage?query with key k and checks every bucket and the
 * totals, every measure and the unique users, against the GROUP BY over
 * the raw events of workspace w in the range, zone and grain the report
 * says it used. Returns 1 when all are equal. */
static int usage_exact(const char *k, const char *w, const char *query)
{
	char path[512], sql[4096], what[160];
	struct http_response r;
	struct json_object *series, *totals;
	PGresult *res;
	const char *tz, *grain;
	int ok = 1, raw_buckets = 0;
	size_t n;

	snprintf(path, sizeof(path), "/v1/reports/usage?%s", query);
	CU_ASSERT_EQUAL_FATAL(get(path, k, &r), 200);
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "series", &series));
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "totals", &totals));
	tz = jstr(r.json, "tz");
	grain = jstr(r.json, "group_by");
	snprintf(sql, sizeof(sql),
	    "SELECT coalesce(report_local_text(b AT TIME ZONE '%s', '%s'), '')," RAW_MEASURES ","
	    " count(DISTINCT coalesce(user_id, api_key_id,"
	    "  '00000000-0000-0000-0000-000000000000'::uuid))"
	    " FROM (SELECT date_trunc('%s', created_at AT TIME ZONE '%s') AS b, e.*,"
	    "  usage_hist_unit(duration_ms) AS h FROM usage_events e WHERE workspace_id = '%s'"
	    "  AND created_at >= '%s' AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%') e"
	    " GROUP BY GROUPING SETS ((b), ()) ORDER BY b NULLS FIRST",
	    tz, tz, grain, tz, w, jstr(r.json, "from"), jstr(r.json, "to"));
	res = sql_rows(sql);
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	CU_ASSERT_FATAL(PQntuples(res) >= 1);
	n = json_object_array_length(series);
	snprintf(what, sizeof(what), "%s: totals", query);
	ok &= measures_equal(totals, res, 0, what);
	if (jnum(totals, "unique_users") != atoll(PQgetvalue(res, 0, 10))) {
		fprintf(stderr, "%s: %lld unique users, the events say %s\n", what,
		    jnum(totals, "unique_users"), PQgetvalue(res, 0, 10));
		ok = 0;
	}
	/* buckets are matched by their start as the report writes it: a day
	 * without a local midnight starts later, and a local hour that a DST
	 * change skips is labelled as the one after it (an empty bucket, or
	 * the half hour that is left of it) */
	for (size_t j = 0; j < n; j++) {
		struct json_object *b = json_object_array_get_idx(series, j);
		int i = 1;
		while (i < PQntuples(res) && strcmp(jstr(b, "start"), PQgetvalue(res, i, 0)) != 0)
			i++;
		snprintf(what, sizeof(what), "%s: bucket %s", query, jstr(b, "start"));
		if (i == PQntuples(res) || jnum(b, "requests") == 0) { /* no events: empty */
			if (jnum(b, "requests") != 0 || jnum(b, "unique_users") != 0) {
				fprintf(stderr, "%s: not empty\n", what);
				ok = 0;
			}
			continue;
		}
		raw_buckets++;
		ok &= measures_equal(b, res, i, what);
		if (jnum(b, "unique_users") != atoll(PQgetvalue(res, i, 10))) {
			fprintf(stderr, "%s: %lld unique users, the events say %s\n", what,
			    jnum(b, "unique_users"), PQgetvalue(res, i, 10));
			ok = 0;
		}
	}
	if (raw_buckets != PQntuples(res) - 1) {
		fprintf(stderr, "%s: %d of the events' %d buckets in the series\n", query,
		    raw_buckets, PQntuples(res) - 1);
		ok = 0;
	}
	PQclear(res);
	http_free(&r);
	return ok;
}

/* GETs the top users, language pairs and providers of w over query with
 * key k and checks each row against the GROUP BY over the raw events.
 * Returns 1 when all are equal. */
static int breakdowns_exact(const char *k, const char *w, const char *query)
{
	static const struct {
		const char *route, *member, *group, *where, *cols[3];
	} lists[] = {
		{ "top-users", "users",
		    "coalesce(user_id, api_key_id, '00000000-0000-0000-0000-000000000000')::text",
		    "", { "api_key_id", NULL, NULL } },
		{ "language-pairs", "pairs", "coalesce(source, ''), target",
		    " AND target IS NOT NULL", { "source", "target", NULL } },
		{ "providers", "providers", "provider", "", { "provider", NULL, NULL } },
	};
	int ok = 1;

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		char path[512], sql[4096], what[200];
		struct http_response r;
		struct json_object *arr;
		PGresult *res;
		int ncols = lists[l].cols[1] != NULL ? 2 : 1;

		snprintf(path, sizeof(path), "/v1/reports/%s?%s&limit=1000", lists[l].route, query);
		CU_ASSERT_EQUAL_FATAL(get(path, k, &r), 200);
		CU_ASSERT_FATAL(json_object_object_get_ex(r.json, lists[l].member, &arr));
		/* the measures' columns start at 1: the key's first part is column 0 */
		snprintf(sql, sizeof(sql),
		    "SELECT %s," RAW_MEASURES " FROM (SELECT e.*, usage_hist_unit(duration_ms) AS h"
		    " FROM usage_events e WHERE workspace_id = '%s' AND created_at >= '%s'"
		    " AND created_at < '%s' AND endpoint NOT LIKE 'billing.%%'%s) e GROUP BY %s"
		    " ORDER BY %s",
		    ncols == 2 ? "coalesce(source, '') || '>' || target" : lists[l].group, w,
		    jstr(r.json, "from"), jstr(r.json, "to"), lists[l].where, lists[l].group,
		    l == 0 ? "sum(cost_micros) DESC, count(*) DESC, 1" : "count(*) DESC, 1");
		res = sql_rows(sql);
		CU_ASSERT_PTR_NOT_NULL_FATAL(res);
		if (json_object_array_length(arr) != (size_t)PQntuples(res)) {
			fprintf(stderr, "%s %s: %zu rows, the events say %d\n", lists[l].route,
			    query, json_object_array_length(arr), PQntuples(res));
			ok = 0;
		}
		for (int i = 0; i < PQntuples(res) && (size_t)i < json_object_array_length(arr);
		     i++) {
			struct json_object *o = json_object_array_get_idx(arr, i);
			char name[128];
			if (ncols == 2)
				snprintf(name, sizeof(name), "%s>%s", jstr(o, "source"),
				    jstr(o, "target"));
			else if (l == 0)
				snprintf(name, sizeof(name), "%s",
				    jstr(o, "api_key_id")[0] != '\0'
				        ? jstr(o, "api_key_id")
				        : "00000000-0000-0000-0000-000000000000");
			else
				snprintf(name, sizeof(name), "%s", jstr(o, lists[l].cols[0]));
			snprintf(what, sizeof(what), "%s %s: %s", lists[l].route, query, name);
			if (strcmp(name, PQgetvalue(res, i, 0)) != 0) {
				fprintf(stderr, "%s: row %d, the events say %s\n", what, i,
				    PQgetvalue(res, i, 0));
				ok = 0;
				continue;
			}
			if (l == 0) { /* top users carry no histogram */
				ok &= jnum(o, "requests") == atoll(PQgetvalue(res, i, 1)) &&
				    jnum(o, "characters") == atoll(PQgetvalue(res, i, 3)) &&
				    jnum(o, "billed_characters") == atoll(PQgetvalue(res, i, 4)) &&
				    jnum(o, "cost_micros") == atoll(PQgetvalue(res, i, 5)) &&
				    jnum(o, "errors") == atoll(PQgetvalue(res, i, 7));
			} else {
				ok &= measures_equal(o, res, i, what);
			}
		}
		PQclear(res);
		http_free(&r);
	}
	return ok;
}

/* Writes the UTC date days days before today as YYYY-MM-DD. */
static void utc_date_ago(int days, char *out, size_t outsz)
{
	time_t t = time(NULL) - (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outsz, "%Y-%m-%d", &tm);
}

/* Issue 16: in zones with and without DST, whole-hour, half-hour and
 * 45-minute offsets, offsets past 12 hours, a DST shift of two hours and
 * one at midnight, a year by day, a partial range by day, and weeks by
 * hour across the DST changes equal the raw events bucket by bucket (every
 * measure, the unique users of each bucket and of the range), and so do
 * the top users, pairs and providers. */
static void test_zones_equal_raw_events(void)
{
	static const char *const zones[] = { "UTC", "Europe/Vilnius", "America/New_York",
		"America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe",
		"Pacific/Kiritimati", "Pacific/Pago_Pago", "Antarctica/Troll", "America/Santiago",
		NULL };
	static const char *const weeks[] = { "from=2026-09-03T00:00:00Z&to=2026-09-10T00:00:00Z",
		"from=2026-10-01T00:00:00Z&to=2026-10-08T00:00:00Z",
		"from=2026-10-22T00:00:00Z&to=2026-10-29T00:00:00Z",
		"from=2026-10-29T00:00:00Z&to=2026-11-05T00:00:00Z", NULL };
	char year[16], from[32], to[32], q[256];

	utc_date_ago(364, year, sizeof(year));
	utc_at(-40 * 86400 - 1037, from, sizeof(from));
	utc_at(-3 * 3600 - 420, to, sizeof(to));
	for (int z = 0; zones[z] != NULL; z++) {
		snprintf(q, sizeof(q), "from=%s&tz=%s", year, zones[z]);
		CU_ASSERT(usage_exact(zkey, zws, q));
		snprintf(q, sizeof(q), "from=%s&to=%s&tz=%s", from, to, zones[z]);
		CU_ASSERT(usage_exact(zkey, zws, q));
		for (int k = 0; weeks[k] != NULL; k++) {
			snprintf(q, sizeof(q), "%s&tz=%s&group_by=hour", weeks[k], zones[z]);
			CU_ASSERT(usage_exact(zkey, zws, q));
		}
	}
	snprintf(q, sizeof(q), "from=%s&tz=Europe/Vilnius", year);
	CU_ASSERT(breakdowns_exact(zkey, zws, q));
	snprintf(q, sizeof(q), "from=%s&to=%s&tz=America/St_Johns", from, to);
	CU_ASSERT(breakdowns_exact(zkey, zws, q));
	CU_ASSERT(breakdowns_exact(zkey, zws, "period=month&tz=Asia/Kolkata"));
}

/* What the parts a report reads over [from, to) in zone tz by grain add
 * up to: of function fn (usage_parts or usage_unique_parts), those of kind
 * kind, as hours, days or a count (unit "hour", "day" or "count").
 * Returns the number (0 when there are none). */
static long long parts_sum(const char *fn, const char *kind, const char *unit, const char *from,
    const char *to, const char *tz, const char *grain)
{
	char sql[1024];
	long seconds = strcmp(unit, "hour") == 0 ? 3600 : 86400;

	if (strcmp(unit, "count") == 0)
		snprintf(sql, sizeof(sql),
		    "SELECT count(*) FROM %s('%s', '%s', '%s', '%s') WHERE kind = '%s'", fn, from,
		    to, tz, grain, kind);
	else
		snprintf(sql, sizeof(sql),
		    "SELECT coalesce(sum(extract(epoch FROM hi - lo)) / %ld, 0)::bigint"
		    " FROM %s('%s', '%s', '%s', '%s') WHERE kind = '%s'",
		    seconds, fn, from, to, tz, grain, kind);
	return pg_num(sql, NULL);
}

/* Issue 16: closed days of a zone whose offset is whole hours are read as
 * one day row plus the few hours it shares with the next local day, and
 * their unique users as one row; hours by hour as one row each; whole
 * months of a long range as one row. */
static void test_zones_read_rollups(void)
{
	const char *f = "2026-10-01T00:00:00+03", *t = "2026-11-26T00:00:00+02";

	/* 56 local days of Vilnius: a day row each, 2 or 3 hours read twice */
	CU_ASSERT(parts_sum("usage_parts", "d", "day", f, t, "Europe/Vilnius", "day") >= 54);
	CU_ASSERT(
	    parts_sum("usage_parts", "h", "hour", f, t, "Europe/Vilnius", "day") <= 56 * 6 + 48);
	CU_ASSERT(parts_sum("usage_parts", "r", "hour", f, t, "Europe/Vilnius", "day") == 0);
	CU_ASSERT(parts_sum("usage_unique_parts", "w", "day", f, t, "Europe/Vilnius", "day") >= 53);
	/* New York is behind UTC: the hours it shares are the UTC day's first */
	f = "2026-10-01T00:00:00-04";
	t = "2026-11-26T00:00:00-05";
	CU_ASSERT(
	    parts_sum("usage_parts", "h", "hour", f, t, "America/New_York", "day") <= 56 * 10 + 48);
	CU_ASSERT(
	    parts_sum("usage_unique_parts", "w", "day", f, t, "America/New_York", "day") >= 53);
	/* a week by hour: each hour one row, its unique users included */
	f = "2026-11-02T00:00:00Z";
	t = "2026-11-09T00:00:00Z";
	CU_ASSERT(
	    parts_sum("usage_unique_parts", "u", "hour", f, t, "Europe/Vilnius", "hour") == 168);
	CU_ASSERT(parts_sum("usage_parts", "r", "hour", f, t, "Europe/Vilnius", "hour") == 0);
	/* half-hour zones read raw only the hour a local day boundary splits */
	CU_ASSERT(parts_sum("usage_parts", "r", "hour", f, t, "Asia/Kolkata", "day") <= 8);
	/* a long range: whole months (October and November) from their rows */
	f = "2026-09-15T00:00:00Z";
	t = "2026-12-01T00:00:00Z";
	CU_ASSERT(parts_sum("usage_parts", "m", "day", f, t, "UTC", "none") == 61);
	CU_ASSERT(parts_sum("usage_unique_parts", "M", "count", f, t, "UTC", "none") >= 2);
	CU_ASSERT(parts_sum("usage_unique_parts", "D", "count", f, t, "UTC", "none") == 0);
	CU_ASSERT(parts_sum("usage_parts", "d", "day", f, t, "UTC", "none") == 16);
}

/* Waits until the usage report of k (no ?tz) says zone. Returns 1 when it does. */
static int report_zone_is(const char *k, const char *zone)
{
	struct http_response r;
	int same = 0;

	for (int i = 0; i < 30 && !same; i++) {
		if (get("/v1/reports/usage?period=day", k, &r) == 200)
			same = strcmp(jstr(r.json, "tz"), zone) == 0;
		http_free(&r);
		if (!same)
			usleep(100 * 1000);
	}
	return same;
}

/* Issue 16: rollups do not depend on a zone. A workspace that changes its
 * time zone gets its next reports in the new zone, exact at once; events
 * loaded late for rolled-up hours count once the rollups are rebuilt, and
 * events of the hour not yet closed count from the raw events. */
static void test_zone_change(void)
{
	static const char *const zones[] = { "Asia/Kolkata", "America/New_York", "UTC", NULL };
	char year[16], q[128], body[96], sql[1024], *out;
	struct http_response r;
	PGresult *res;

	utc_date_ago(300, year, sizeof(year));
	snprintf(q, sizeof(q), "from=%s", year);
	for (int z = 0; zones[z] != NULL; z++) {
		snprintf(body, sizeof(body), "{\"time_zone\":\"%s\"}", zones[z]);
		CU_ASSERT_EQUAL_FATAL(request_as("PATCH", "/v1/workspace", zkey, body, &r), 200);
		http_free(&r);
		CU_ASSERT_FATAL(report_zone_is(zkey, zones[z]));
		CU_ASSERT(usage_exact(zkey, zws, q));
		CU_ASSERT(usage_exact(zkey, zws, "period=week&group_by=hour"));
	}
	/* late events in rolled-up hours, and events of the open hour */
	snprintf(sql, sizeof(sql),
	    "INSERT INTO usage_events (created_at, workspace_id, api_key_id, request_id, endpoint,"
	    " target, provider, characters, billed_characters, segments, status, duration_ms,"
	    " cost_micros) SELECT now() - g * interval '1 hour 7 minutes', '%s', NULL, 'late-' || g,"
	    " 'translate', 'lt', 'deepl', 11, 11, 1, 200, 7, 220 FROM generate_series(0, 60) g",
	    zws);
	res = sql_rows(sql);
	CU_ASSERT_PTR_NOT_NULL(res);
	PQclear(res);
	snprintf(body, sizeof(body), "{\"time_zone\":\"Asia/Kolkata\"}");
	CU_ASSERT_EQUAL_FATAL(request_as("PATCH", "/v1/workspace", zkey, body, &r), 200);
	http_free(&r);
	CU_ASSERT_FATAL(report_zone_is(zkey, "Asia/Kolkata"));
	out = admin("rollup --rebuild");
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	CU_ASSERT(usage_exact(zkey, zws, q));
	CU_ASSERT(usage_exact(zkey, zws, "period=week&group_by=hour"));
	CU_ASSERT(usage_exact(zkey, zws, "period=day"));
	CU_ASSERT(breakdowns_exact(zkey, zws, q));
	snprintf(body, sizeof(body), "{\"time_zone\":\"UTC\"}");
	CU_ASSERT_EQUAL_FATAL(request_as("PATCH", "/v1/workspace", zkey, body, &r), 200);
	http_free(&r);
	CU_ASSERT(report_zone_is(zkey, "UTC"));
}

/* Issue 16: the operators' analytics over a year and a month equal the
 * raw events: every measure of the totals, the workspaces active, and each
 * top workspace's measures. */
static void test_analytics_exact(void)
{
	static const char *const ranges[] = { "period=month", "period=week", NULL };
	char k[128], id[64], platform[128], year[16], path[256], sql[4096], q[64];

	CU_ASSERT_EQUAL_FATAL(make_workspace("Analytics exact", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(make_key(id, "platform", platform, sizeof(platform)), 0);
	utc_date_ago(364, year, sizeof(year));
	for (int i = -1; i < 0 || ranges[i] != NULL; i++) {
		struct http_response r;
		struct json_object *top, *totals;
		PGresult *res;
		if (i < 0)
			snprintf(q, sizeof(q), "from=%s", year);
		else
			snprintf(q, sizeof(q), "%s", ranges[i]);
		snprintf(path, sizeof(path), "/v1/admin/analytics?%s&limit=5", q);
		CU_ASSERT_EQUAL_FATAL(get(path, platform, &r), 200);
		CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "totals", &totals));
		CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "top_workspaces", &top));
		snprintf(sql, sizeof(sql),
		    "SELECT coalesce(workspace_id::text, '')," RAW_MEASURES ","
		    " count(DISTINCT workspace_id) FROM (SELECT e.*, usage_hist_unit(duration_ms) AS h"
		    "  FROM usage_events e WHERE created_at >= '%s' AND created_at < '%s'"
		    "  AND endpoint NOT LIKE 'billing.%%') e"
		    " GROUP BY GROUPING SETS ((workspace_id), ())"
		    " ORDER BY GROUPING(workspace_id) DESC, sum(cost_micros) DESC, workspace_id",
		    jstr(r.json, "from"), jstr(r.json, "to"));
		res = sql_rows(sql);
		CU_ASSERT_PTR_NOT_NULL_FATAL(res);
		CU_ASSERT(measures_equal(totals, res, 0, q));
		CU_ASSERT_EQUAL(jnum(totals, "active_workspaces"), atoll(PQgetvalue(res, 0, 10)));
		CU_ASSERT_EQUAL(json_object_array_length(top),
		    (size_t)(PQntuples(res) - 1 < 5 ? PQntuples(res) - 1 : 5));
		for (int j = 1; j < PQntuples(res) && (size_t)j <= json_object_array_length(top);
		     j++) {
			struct json_object *o = json_object_array_get_idx(top, (size_t)j - 1);
			CU_ASSERT_STRING_EQUAL(jstr(o, "workspace_id"), PQgetvalue(res, j, 0));
			CU_ASSERT(measures_equal(o, res, j, q));
		}
		PQclear(res);
		http_free(&r);
	}
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "a mixed load reconciles to the ledger (JSON and CSV)",
		    test_reconciles_to_the_ledger },
		{ "rollups equal the raw events, in every zone", test_rollups_equal_raw_events },
		{ "p95 lies in the exact p95's slot", test_p95_in_the_right_slot },
		{ "top users, language pairs, providers", test_breakdowns },
		{ "workspaces are isolated; empty ranges are zeros",
		    test_isolation_and_empty_ranges },
		{ "bad ranges and parameters are 400", test_bad_requests },
		{ "operators' analytics across workspaces", test_admin_analytics },
		{ "CSV cells that read as formulas are neutralised", test_csv_formula_injection },
		{ "reports read through reports_conninfo", test_reports_connection },
		{ "a new partition takes the events waiting in the default one",
		    test_partition_takes_waiting_events },
		{ "issue 16: every zone equals the raw events, a year by day and weeks by hour",
		    test_zones_equal_raw_events },
		{ "issue 16: a zone's days read a day row and a few hours",
		    test_zones_read_rollups },
		{ "issue 16: a new time zone applies at once; late events count once rebuilt",
		    test_zone_change },
		{ "issue 16: operators' analytics equal the raw events", test_analytics_exact },
		{ NULL, NULL }
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Reports", key, sizeof(key), ws, sizeof(ws)) < 0 ||
	    make_workspace("Reconciled", recon_key, sizeof(recon_key), recon_ws, sizeof(recon_ws)) <
	        0) {
		fprintf(stderr, "test_reports: cannot create a workspace\n");
		return 99;
	}
	if (make_workspace("Zones", zkey, sizeof(zkey), zws, sizeof(zws)) < 0) {
		fprintf(stderr, "test_reports: cannot create a workspace\n");
		return 99;
	}
	if (make_key(ws, "member", member_key, sizeof(member_key)) < 0) {
		fprintf(stderr, "test_reports: cannot create a key\n");
		return 99;
	}
	if (load_events() < 0 || load_zone_events() < 0) {
		fprintf(stderr, "test_reports: cannot load events\n");
		return 99;
	}
	rc = cu_run("reports", tests);
	curl_global_cleanup();
	return rc;
}
