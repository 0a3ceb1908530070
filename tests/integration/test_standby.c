/* Reports from a hot standby (tests/integration/standby.test starts one
 * streaming from the primary and names it in reports_conninfo): a report
 * is read there, not on the primary, and shows what the primary wrote
 * once the standby has replayed it; with the standby down, reports are
 * 503 and translations still work. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

static char ws[64], key[128];

/* Runs sql (one text parameter or none) on the standby. Returns the first
 * value as a new string (caller frees), or NULL. */
static char *standby_value(const char *sql, const char *param)
{
	char conninfo[160], *v = NULL;
	const char *params[] = { param };
	PGconn *pg;
	PGresult *res;

	snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1 port=%s user=dragoman dbname=dragoman",
	    getenv("DRAGOMAN_STANDBY_PORT"));
	pg = PQconnectdb(conninfo);
	res = PQexecParams(pg, sql, param != NULL, NULL, param != NULL ? params : NULL, NULL, NULL,
	    0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = strdup(PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "\n  standby: %s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	return v;
}

/* Loads the usage spool into the primary, then waits (up to 10 s) until
 * the standby has replayed everything the primary had written. Returns 0,
 * or -1. */
static int wait_for_replay(void)
{
	char *lsn, *ok = NULL;
	int rc = -1;

	/* a report on the standby cannot load the spool into the primary */
	(void)usage_load();
	/* the insert position: the harness's cluster commits asynchronously
	 * (synchronous_commit = off), so the load's commit record may still
	 * be in the WAL buffers, past the write position (pg_current_wal_lsn())
	 * that the standby then reached without it: the report and the
	 * standby both saw 0 of the 3 events */
	lsn = pg_value("SELECT pg_current_wal_insert_lsn()::text", NULL);

	for (int i = 0; lsn != NULL && i < 100 && rc < 0; i++) {
		ok = standby_value("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn);
		rc = ok != NULL && strcmp(ok, "t") == 0 ? 0 : -1;
		free(ok);
		if (rc < 0)
			usleep(100000);
	}
	free(lsn);
	return rc;
}

/* Returns totals.requests of the day's usage report, or -1. */
static long long day_requests(long *status)
{
	struct http_response r;
	struct json_object *totals, *n;
	long long v = -1;

	*status = get("/v1/reports/usage?period=day", key, &r);
	if (*status == 200 && json_object_object_get_ex(r.json, "totals", &totals) &&
	    json_object_object_get_ex(totals, "requests", &n))
		v = json_object_get_int64(n);
	http_free(&r);
	return v;
}

static void translate(int i)
{
	struct http_response r;
	char body[200];

	snprintf(body, sizeof(body),
	    "{\"text\":\"Standby text %d of %ld.\",\"source\":\"en\","
	    "\"target\":\"es\"}",
	    i, (long)getpid());
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", key, body, &r), 200);
	http_free(&r);
}

static void test_reports_from_the_standby(void)
{
	char *rec = standby_value("SELECT pg_is_in_recovery()::text", NULL), *n;
	long status;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rec);
	CU_ASSERT_STRING_EQUAL(rec, "true");
	free(rec);
	for (int i = 0; i < 3; i++)
		translate(i);
	CU_ASSERT_EQUAL_FATAL(wait_for_replay(), 0);
	/* the report equals the events the standby holds (a worker may load
	 * its spool into the primary after the replay waited for: CI saw the
	 * primary's count ahead once), and the standby holds the three */
	long long report = day_requests(&status);
	char *held =
	    standby_value("SELECT count(*)::text FROM usage_events WHERE workspace_id = $1::uuid",
	        ws);
	long long on_standby = held != NULL ? atoll(held) : -2;
	free(held);
	if (report != on_standby)
		fprintf(stderr, "\n  report %lld, standby %lld, primary %lld events\n", report,
		    on_standby,
		    pg_num("SELECT count(*) FROM usage_events WHERE workspace_id = $1", ws));
	CU_ASSERT_EQUAL(report, on_standby);
	CU_ASSERT(on_standby >= 3);
	CU_ASSERT_EQUAL(status, 200);
	/* the workers' report connections are on the standby, none on the primary */
	n = standby_value("SELECT count(*)::text FROM pg_stat_activity WHERE application_name = "
	                  "'dragoman-reports'",
	    NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT(atoi(n) >= 1);
	free(n);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
	                       "'dragoman-reports'",
	                    NULL),
	    0);
}

static void test_standby_down(void)
{
	struct http_response r;
	long status = 0;

	CU_ASSERT_EQUAL_FATAL(stack("standby-stop"), 0);
	(void)day_requests(&status);
	CU_ASSERT_EQUAL(status, 503);
	CU_ASSERT_EQUAL(get("/v1/reports/usage?period=day", key, &r), 503);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	/* the primary's work goes on */
	translate(100);
	CU_ASSERT_EQUAL_FATAL(stack("standby-start"), 0);
	for (int i = 0; i < 50 && status != 200; i++) {
		(void)day_requests(&status);
		if (status != 200)
			usleep(100000);
	}
	CU_ASSERT_EQUAL(status, 200);
	CU_ASSERT_EQUAL(wait_for_replay(), 0);
	CU_ASSERT_EQUAL(day_requests(&status),
	    pg_num("SELECT count(*) FROM usage_events WHERE workspace_id = $1", ws));
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "reports are read on the standby", test_reports_from_the_standby },
		{ "the standby down: 503 reports, translations go on", test_standby_down },
		{ NULL, NULL },
	};
	int rc;

	if (getenv("DRAGOMAN_STANDBY_PORT") == NULL) {
		fprintf(stderr, "test_standby: needs a standby (DRAGOMAN_STANDBY=1)\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Standby", key, sizeof(key), ws, sizeof(ws)) < 0) {
		fprintf(stderr, "test_standby: cannot create a workspace\n");
		return 99;
	}
	rc = cu_run("standby", tests);
	curl_global_cleanup();
	return rc;
}
