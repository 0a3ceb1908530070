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

static char key[128], ws[64]; /* the workspace of loaded events */
static char member_key[128]; /* a member key of it */
static char recon_key[128], recon_ws[64];

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
	if (make_key(ws, "member", member_key, sizeof(member_key)) < 0) {
		fprintf(stderr, "test_reports: cannot create a key\n");
		return 99;
	}
	if (load_events() < 0) {
		fprintf(stderr, "test_reports: cannot load events\n");
		return 99;
	}
	rc = cu_run("reports", tests);
	curl_global_cleanup();
	return rc;
}
