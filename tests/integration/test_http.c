/* The routes and error cases through a real web server (lighttpd, Apache
 * mod_fcgid or Apache mod_proxy_fcgi + --listen), against the real
 * PostgreSQL and memcached started by tests/harness/stack. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "../unit/cu_run.h"
#include "core/clock.h"
#include "fcgi.h"
#include "fixture.h"
#include "http.h"

static char admin_key[128], workspace_id[64], member_key[128];

/* Adds a key with role (NULL: the default) to the test workspace; writes
 * it and its id. Returns 0 or -1. */
static int create_key(const char *role, char *key, size_t keysz, char *kid, size_t kidsz)
{
	char args[256];

	snprintf(args, sizeof(args), "key create %s%s%s", workspace_id, role ? " --role " : "",
	    role ? role : "");
	char *out = admin(args);
	field(out, "api_key=", key, keysz);
	field(out, "key_id=", kid, kidsz);
	free(out);
	return key[0] && kid[0] ? 0 : -1;
}

/* Opens a transaction holding the test workspace's row lock, so that a
 * PATCH stays in flight until unlock_workspace_row(). Returns the
 * connection, or NULL. */
static PGconn *lock_workspace_row(void)
{
	const char *params[] = { workspace_id };
	PGconn *pg = pg_connect();
	PGresult *res;
	int ok;

	PQclear(PQexec(pg, "BEGIN"));
	res = PQexecParams(pg, "SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE", 1, NULL, params,
	    NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	if (!ok) {
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

/* Releases the lock taken by lock_workspace_row() and closes pg. */
static void unlock_workspace_row(PGconn *pg)
{
	PQclear(PQexec(pg, "ROLLBACK"));
	PQfinish(pg);
}

/* Polls GET /v1/workspace with key until it answers want; returns the
 * milliseconds that took, or -1 after 5 s. */
static double until_status(const char *key, long want)
{
	double t0 = clock_now_ms();

	while (clock_now_ms() - t0 < 5000) {
		struct http_response r;
		long st = get("/v1/workspace", key, &r);
		http_free(&r);
		if (st == want)
			return clock_now_ms() - t0;
		usleep(20 * 1000);
	}
	return -1;
}

/* The workspace name as GET /v1/workspace reports it (static), or "". */
static const char *current_name(const char *key)
{
	static char name[256];
	struct http_response r;
	struct json_object *ws, *n;

	name[0] = '\0';
	if (get("/v1/workspace", key, &r) == 200 && r.json &&
	    json_object_object_get_ex(r.json, "workspace", &ws) &&
	    json_object_object_get_ex(ws, "name", &n))
		snprintf(name, sizeof(name), "%s", json_object_get_string(n));
	http_free(&r);
	return name;
}

static void test_health(void)
{
	struct http_response r;
	struct json_object *checks, *pg, *st;

	CU_ASSERT_EQUAL(http_request("GET", "/v1/health", NULL, NULL, 0, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "status"), "ok");
	CU_ASSERT(json_object_object_get_ex(r.json, "checks", &checks) &&
	    json_object_object_get_ex(checks, "postgresql", &pg) &&
	    json_object_object_get_ex(pg, "status", &st) &&
	    strcmp(json_object_get_string(st), "up") == 0);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Content-Type-Options"), "nosniff");
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "X-Request-Id"));
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("HEAD", "/v1/health", NULL, NULL, 0, &r), 200);
	http_free(&r);
}

static void test_unauthenticated(void)
{
	const char *bad[] = {
		NULL, /* no header */
		"Authorization: Basic dXNlcjpwYXNz",
		"Authorization: Bearer",
		"Authorization: Bearer not-a-key",
		"Authorization: Bearer dgm_00000000_000000000000000000000000000000000000000000000000",
	};
	char truncated[160], recased[160];

	snprintf(truncated, sizeof(truncated), "Authorization: Bearer %.*s", 60, admin_key);
	snprintf(recased, sizeof(recased), "Authorization: Bearer DGM%s", admin_key + 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 2; i++) {
		struct http_response r;
		const char *hv = i < 5 ? bad[i] : i == 5 ? truncated : recased;
		const char *h[] = { hv, NULL };
		long st = http_request("GET", "/v1/workspace", hv ? h : NULL, NULL, 0, &r);
		if (st != 401)
			fprintf(stderr, "\n  case %zu: %ld %s\n", i, st, r.body);
		CU_ASSERT_EQUAL(st, 401);
		CU_ASSERT(http_is_problem(&r));
		CU_ASSERT_PTR_NOT_NULL(http_header(&r, "WWW-Authenticate"));
		http_free(&r);
	}
}

static void test_workspace(void)
{
	struct http_response r;
	char auth[160];
	const char *h[] = { auth, "X-Request-Id: it-req-0001", NULL };
	struct json_object *ws, *key, *v;

	snprintf(auth, sizeof(auth), "Authorization: bearer %s", admin_key);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/workspace", h, NULL, 0, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Request-Id"), "it-req-0001");
	CU_ASSERT_STRING_EQUAL(http_header(&r, "Cache-Control"), "no-store");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.json);
	CU_ASSERT(json_object_object_get_ex(r.json, "workspace", &ws));
	CU_ASSERT(json_object_object_get_ex(ws, "id", &v) &&
	    strcmp(json_object_get_string(v), workspace_id) == 0);
	CU_ASSERT(json_object_object_get_ex(r.json, "key", &key));
	CU_ASSERT(json_object_object_get_ex(key, "role", &v) &&
	    strcmp(json_object_get_string(v), "admin") == 0);
	CU_ASSERT(json_object_object_get_ex(key, "prefix", &v) &&
	    strncmp(json_object_get_string(v), admin_key, 12) == 0);
	/* the secret itself is never echoed */
	CU_ASSERT_PTR_NULL(strstr(r.body, admin_key + 13));
	http_free(&r);
}

static void test_routing_errors(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL(http_request("GET", "/v1/nothing", NULL, NULL, 0, &r), 404);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("DELETE", "/v1/health", NULL, NULL, 0, &r), 405);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Allow"));
	CU_ASSERT_PTR_NOT_NULL(strstr(http_header(&r, "Allow"), "GET"));
	http_free(&r);
}

/* ".." and "//" are resolved before routing and authorization, so they
 * can only reach what the canonical path names; "%2F" is refused. */
static void test_path_tricks(void)
{
	struct http_response r;
	long st;

	CU_ASSERT_EQUAL(http_request("GET", "/v1/health/../workspace", NULL, NULL, 0, &r), 401);
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/nothing/%2e%2e/workspace", NULL, NULL, 0, &r),
	    401);
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("GET", "//v1//health", NULL, NULL, 0, &r), 200);
	http_free(&r);
	st = http_request("GET", "/v1/workspace%2F..%2Fhealth", NULL, NULL, 0, &r);
	CU_ASSERT(st == 400 || st == 404);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	st = http_request("GET", "/v1/health%2F", NULL, NULL, 0, &r);
	CU_ASSERT(st == 400 || st == 404);
	http_free(&r);
}

/* PATCH /v1/workspace with a bad body: the status, a problem body, and
 * the workspace unchanged. */
static void patch_expect(int line, const char *ctype, const char *body, size_t len, long want1,
    long want2)
{
	struct http_response r;
	char auth[160], ct[128];
	const char *h[] = { auth, ctype ? ct : NULL, NULL };
	long st;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_key);
	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype : "");
	st = http_request("PATCH", "/v1/workspace", h, body, len, &r);
	if (st != want1 && st != want2)
		fprintf(stderr, "\n  line %d: %ld %s\n", line, st, r.body);
	CU_ASSERT(st == want1 || st == want2);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_STRING_EQUAL(current_name(admin_key), "Integration");
}

static void test_bad_bodies(void)
{
	size_t big = 1536 * 1024;
	char *huge = malloc(big);

	patch_expect(__LINE__, NULL, NULL, 0, 411, 400);
	patch_expect(__LINE__, "application/json", "", 0, 400, 411);
	patch_expect(__LINE__, "text/plain", "{\"name\":\"x\"}", 12, 415, 415);
	patch_expect(__LINE__, "application/json", "{\"name\":", 8, 400, 400);
	patch_expect(__LINE__, "application/json", "[1]", 3, 400, 400);
	patch_expect(__LINE__, "application/json", "{\"name\":\"x\",\"plan\":\"enterprise\"}", 32,
	    400, 400);
	patch_expect(__LINE__, "application/json", "{\"name\":\"\"}", 11, 400, 400);
	patch_expect(__LINE__, "application/json", "{\"name\":7}", 10, 400, 400);
	CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
	memset(huge, ' ', big);
	memcpy(huge, "{\"name\":\"x\"}", 12);
	patch_expect(__LINE__, "application/json", huge, big, 413, 413);
	free(huge);
}

/* --- the web server's own errors (issue 14) ----------------------------- */

/* Asserts that r (status st) is a problem+json document with that status,
 * whoever answered it: dragoman, or the web server in front of it. */
static void expect_problem_doc(int line, long st, const struct http_response *r)
{
	if (!http_is_problem_doc(r)) {
		const char *ct = http_header(r, "Content-Type");
		fprintf(stderr, "\n  line %d: %ld, Content-Type %s: %.160s\n", line, st,
		    ct ? ct : "(none)", r->body);
	}
	CU_ASSERT(http_is_problem_doc(r));
}

/* A body over the web server's own limit (2 MiB in every template) is
 * refused with 413 problem+json, whether the server refuses it or
 * dragoman does, and nothing changes. */
static void test_server_body_limit(void)
{
	size_t big = 3 << 20;
	char *body = malloc(big), auth[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	struct http_response r;
	long st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	memset(body, ' ', big);
	memcpy(body, "{\"name\":\"x\"}", 12);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_key);
	st = http_request("PATCH", "/v1/workspace", h, body, big, &r);
	CU_ASSERT_EQUAL(st, 413);
	expect_problem_doc(__LINE__, st, &r);
	http_free(&r);
	free(body);
	CU_ASSERT_STRING_EQUAL(current_name(admin_key), "Integration");
}

/* Requests the web server refuses before dragoman sees them: a Host
 * header that names no host (400), a request line and a header over the
 * server's limits (414 and 400; lighttpd answers 431 to both). */
static void test_server_malformed(void)
{
	const char *base = getenv("DRAGOMAN_TEST_URL");
	size_t n = 10000, len = strlen(base);
	char *url = malloc(len + n + 2), *hdr = malloc(n + 16);
	const char *bad_host[] = { "Host: a b", NULL }, *big_header[] = { hdr, NULL };
	struct http_response r;
	long st;

	CU_ASSERT_FATAL(url != NULL && hdr != NULL);
	st = http_request("GET", "/v1/health", bad_host, NULL, 0, &r);
	CU_ASSERT_EQUAL(st, 400);
	expect_problem_doc(__LINE__, st, &r);
	http_free(&r);
	snprintf(url, len + 2, "%s/", base);
	memset(url + len + 1, 'a', n);
	url[len + 1 + n] = '\0';
	st = http_get_url(url, &r);
	CU_ASSERT(st == 414 || st == 431);
	expect_problem_doc(__LINE__, st, &r);
	http_free(&r);
	snprintf(hdr, n + 16, "X-Padding: ");
	memset(hdr + 11, 'a', n);
	hdr[11 + n] = '\0';
	st = http_request("GET", "/v1/health", big_header, NULL, 0, &r);
	CU_ASSERT(st == 400 || st == 431);
	expect_problem_doc(__LINE__, st, &r);
	http_free(&r);
	free(url);
	free(hdr);
}

static void test_patch_ok(void)
{
	struct http_response r;
	char auth[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	const char body[] = "{\"name\":\"Renamed \xc3\xa9\"}";

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_key);
	CU_ASSERT_EQUAL(http_request("PATCH", "/v1/workspace", h, body, sizeof(body) - 1, &r), 200);
	http_free(&r);
	/* every worker shows the new name within local_cache_ms (1 s) */
	usleep(1100 * 1000);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_STRING_EQUAL(current_name(admin_key), "Renamed \xc3\xa9");
		CU_ASSERT_STRING_EQUAL(current_name(member_key), "Renamed \xc3\xa9");
	}
	/* and back, for the tests that follow */
	CU_ASSERT_EQUAL(http_request("PATCH", "/v1/workspace", h, "{\"name\":\"Integration\"}", 22,
	                    &r),
	    200);
	http_free(&r);
	usleep(1100 * 1000);
}

static void test_member_forbidden(void)
{
	struct http_response r;
	char auth[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", member_key);
	CU_ASSERT_EQUAL(http_request("PATCH", "/v1/workspace", h, "{\"name\":\"m\"}", 12, &r), 403);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/workspace", member_key, &r), 200);
	http_free(&r);
	CU_ASSERT_STRING_EQUAL(current_name(admin_key), "Integration");
}

/* The request's JSON line reaches the web server's error log. */
static void test_log_line(void)
{
	struct http_response r;
	char auth[160], id[64], line[8192];
	const char *h[] = { auth, id, NULL };
	int found = 0;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_key);
	snprintf(id, sizeof(id), "X-Request-Id: log-probe-%ld", (long)time(NULL));
	CU_ASSERT_EQUAL(http_request("GET", "/v1/workspace", h, NULL, 0, &r), 200);
	http_free(&r);
	for (int tries = 0; tries < 20 && !found; tries++) {
		FILE *f = fopen(getenv("DRAGOMAN_TEST_LOG"), "r");
		while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
			char *js = strchr(line, '{');
			if (js == NULL || strstr(js, id + 14) == NULL)
				continue;
			struct json_object *o = json_tokener_parse(js), *v;
			CU_ASSERT_PTR_NOT_NULL(o);
			CU_ASSERT(json_object_object_get_ex(o, "status", &v) &&
			    json_object_get_int(v) == 200);
			CU_ASSERT(json_object_object_get_ex(o, "route", &v) &&
			    strcmp(json_object_get_string(v), "workspace.get") == 0);
			CU_ASSERT(json_object_object_get_ex(o, "workspace", &v) &&
			    strcmp(json_object_get_string(v), workspace_id) == 0);
			CU_ASSERT(json_object_object_get_ex(o, "duration_ms", &v));
			json_object_put(o);
			found = 1;
		}
		if (f != NULL)
			fclose(f);
		if (!found)
			usleep(100 * 1000);
	}
	CU_ASSERT(found);
}

static void test_revoke_immediate(void)
{
	char key[128], kid[64], args[256];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(create_key("member", key, sizeof(key), kid, sizeof(kid)), 0);
	CU_ASSERT_EQUAL(get("/v1/workspace", key, &r), 200);
	http_free(&r);
	snprintf(args, sizeof(args), "key revoke %s", kid);
	char *out = admin(args);
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	/* memcached's entry is gone; workers' memos expire within 1 s */
	double ms = until_status(key, 401);
	fprintf(stderr, "\n  revoked key refused after %.0f ms\n", ms);
	CU_ASSERT(ms >= 0 && ms < 1500);
	usleep(1100 * 1000);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(get("/v1/workspace", key, &r), 401);
		http_free(&r);
	}
}

/* Revoked behind the cache's back: stops within key_cache_ttl (2 s here). */
static void test_revoke_bound(void)
{
	char key[128], kid[64];
	struct http_response r;
	PGconn *pg;

	CU_ASSERT_EQUAL_FATAL(create_key(NULL, key, sizeof(key), kid, sizeof(kid)), 0);
	CU_ASSERT_EQUAL(get("/v1/workspace", key, &r), 200);
	http_free(&r);
	pg = pg_connect();
	CU_ASSERT_EQUAL_FATAL(PQstatus(pg), CONNECTION_OK);
	const char *params[] = { kid };
	PGresult *res = PQexecParams(pg, "UPDATE api_keys SET revoked_at = now() WHERE id = $1", 1,
	    NULL, params, NULL, NULL, 0);
	CU_ASSERT_STRING_EQUAL(PQcmdTuples(res), "1");
	PQclear(res);
	PQfinish(pg);
	/* key_cache_ttl is 2 s here (memcached 1 s + memo 1 s): from the
	 * revocation on, some worker refuses the key at once or soon, and after
	 * 2 s every worker does */
	double t0 = clock_now_ms(), ms = until_status(key, 401);
	fprintf(stderr, "\n  key revoked in the database: first refusal after %.0f ms\n", ms);
	CU_ASSERT(ms >= 0 && ms <= 2200);
	double left = 2100 - (clock_now_ms() - t0);
	if (left > 0)
		usleep((useconds_t)(left * 1000));
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(get("/v1/workspace", key, &r), 401);
		http_free(&r);
	}
}

/* --- SIGKILL of workers under load ------------------------------------ */

struct load {
	volatile int stop;
	int ok, failed, ok_after; /* ok_after: successes after the last kill */
	int unanswered; /* of failed: no answer within the client's timeout */
	volatile int killed;
	struct timespec killed_at; /* the last kill */
	double recovery_ms; /* from the last kill to the next 200; -1: none */
	pthread_mutex_t mu;
	long bad_status; /* the first failure's status (0: no answer) */
	char bad_body[160]; /* and the start of its body */
};

static void *load_thread(void *arg)
{
	struct load *l = arg;

	while (!l->stop) {
		struct http_response r;
		long st = get("/v1/workspace", admin_key, &r);
		pthread_mutex_lock(&l->mu);
		if (st != 200 && l->failed == 0) {
			l->bad_status = st;
			snprintf(l->bad_body, sizeof(l->bad_body), "%.*s",
			    (int)(r.body_len < 159 ? r.body_len : 159),
			    r.body != NULL ? r.body : "");
		}
		if (st != 200 && r.timed_out)
			l->unanswered++;
		http_free(&r);
		if (st == 200) {
			l->ok++;
			if (l->killed && l->ok_after++ == 0) {
				struct timespec now;
				clock_gettime(CLOCK_MONOTONIC, &now);
				l->recovery_ms = (double)(now.tv_sec - l->killed_at.tv_sec) * 1e3 +
				    (double)(now.tv_nsec - l->killed_at.tv_nsec) / 1e6;
			}
		} else
			l->failed++;
		pthread_mutex_unlock(&l->mu);
	}
	return NULL;
}

static void test_kill_workers_under_load(void)
{
	struct load l = { .recovery_ms = -1, .mu = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[4];
	int killed = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, load_thread, &l);
	sleep(1);
	for (int round = 0; round < 3; round++) {
		if (round > 0)
			usleep(500 * 1000);
		killed += kill_workers();
	}
	pthread_mutex_lock(&l.mu);
	clock_gettime(CLOCK_MONOTONIC, &l.killed_at);
	l.killed = 1;
	pthread_mutex_unlock(&l.mu);
	sleep(3);
	l.stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	fprintf(stderr,
	    "\n  killed %d workers; %d ok, %d failed; first 200 %.0f ms after "
	    "the last kill\n",
	    killed, l.ok, l.failed, l.recovery_ms);
	CU_ASSERT(killed >= 3);
	CU_ASSERT(l.ok_after > 0);
	/* the server (or the --listen master) replaces them within 5 s */
	CU_ASSERT(l.recovery_ms >= 0 && l.recovery_ms < 5000);
	/* and the service answers afterwards */
	struct http_response r;
	CU_ASSERT_EQUAL(get("/v1/workspace", admin_key, &r), 200);
	http_free(&r);
}

/* --- more concurrent clients than workers ----------------------------- */

struct burst {
	pthread_mutex_t mu;
	int ok, failed;
	double worst_ms;
};

static void *burst_thread(void *arg)
{
	struct burst *b = arg;

	for (int i = 0; i < 10; i++) {
		struct http_response r;
		double t0 = clock_now_ms();
		long st = get("/v1/workspace", admin_key, &r);
		double ms = clock_now_ms() - t0;
		http_free(&r);
		pthread_mutex_lock(&b->mu);
		if (st == 200)
			b->ok++;
		else
			b->failed++;
		if (ms > b->worst_ms)
			b->worst_ms = ms;
		pthread_mutex_unlock(&b->mu);
	}
	return NULL;
}

/* One PATCH that renames the workspace to its current name. */
static void *patch_thread(void *arg)
{
	struct http_response r;
	char auth[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };

	(void)arg;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_key);
	http_request("PATCH", "/v1/workspace", h, "{\"name\":\"Integration\"}", 22, &r);
	http_free(&r);
	return NULL;
}

/* Grows a mod_fcgid pool to the Apache thread count, as sustained slow
 * traffic does in production: PATCHes wait on a row lock held here for
 * 2.5 s, so mod_fcgid finds every process still busy after its one-second
 * sleep and spawns more. */
static void grow_pool(void)
{
	PGconn *pg = lock_workspace_row();
	pthread_t t[6];

	CU_ASSERT_PTR_NOT_NULL_FATAL(pg);
	for (int i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, patch_thread, NULL);
	usleep(2500 * 1000);
	unlock_workspace_row(pg);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
}

/* 24 clients against 4 workers: the excess waits its turn in a queue, and
 * no request fails or stalls for a second. Under mod_fcgid this holds
 * once its pool has grown (grow_pool): it has no pre-spawn, and a request
 * that finds every process busy sleeps a second before it looks again. */
static void test_excess_concurrency_queues(void)
{
	struct burst b = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0 };
	pthread_t t[24];

	if (strcmp(getenv("DRAGOMAN_TEST_SERVER"), "apache-fcgid") == 0)
		grow_pool();
	for (int i = 0; i < 24; i++)
		pthread_create(&t[i], NULL, burst_thread, &b);
	for (int i = 0; i < 24; i++)
		pthread_join(t[i], NULL);
	fprintf(stderr, "\n  24 clients x 10 requests: %d ok, %d failed, worst %.0f ms\n", b.ok,
	    b.failed, b.worst_ms);
	CU_ASSERT_EQUAL(b.failed, 0);
	CU_ASSERT_EQUAL(b.ok, 240);
	CU_ASSERT(b.worst_ms < 900);
}

/* --- --listen master: SIGHUP (only in the mod_proxy_fcgi setup) -------- */

/* Writes the pids of the master's children, comma-separated, into out. */
static void worker_pids(pid_t master, char *out, size_t outsz)
{
	char path[64], buf[512];
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	out[0] = '\0';
	while (d != NULL && (de = readdir(d)) != NULL) {
		FILE *f;
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		int ppid = 0;
		char state;
		if (fgets(buf, sizeof(buf), f) != NULL) {
			const char *rp = strrchr(buf, ')');
			if (rp != NULL && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 &&
			    ppid == (int)master && state != 'Z' && n + 16 < outsz)
				n += (size_t)snprintf(out + n, outsz - n, "%s,", de->d_name);
		}
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
}

/* SIGHUP under load: a new generation of workers, not one request lost. */
static void test_reload_under_load(void)
{
	struct load l = { .recovery_ms = -1, .mu = PTHREAD_MUTEX_INITIALIZER };
	pid_t master = listener_pid();
	char before[512], after[512];
	pthread_t t[4];

	CU_ASSERT_FATAL(master > 0);
	worker_pids(master, before, sizeof(before));
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, load_thread, &l);
	/* three reloads, each replacing every worker while requests flow */
	for (int i = 0; i < 3; i++) {
		usleep(600 * 1000);
		CU_ASSERT_EQUAL(kill(master, SIGHUP), 0);
	}
	sleep(2);
	l.stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	worker_pids(master, after, sizeof(after));
	fprintf(stderr, "\n  reload: %d ok, %d failed; workers %s -> %s\n", l.ok, l.failed, before,
	    after);
	CU_ASSERT_EQUAL(l.failed, 0);
	CU_ASSERT(l.ok > 0);
	CU_ASSERT(before[0] != '\0' && after[0] != '\0');
	/* not one worker survived from the old generation */
	for (char *p = before; *p != '\0'; p = strchr(p, ',') + 1) {
		char pid[16];
		snprintf(pid, sizeof(pid), "%.*s,", (int)strcspn(p, ","), p);
		CU_ASSERT_PTR_NULL(strstr(after, pid));
	}
}

/* The web server's own graceful reload under load (lighttpd SIGUSR1,
 * apachectl graceful, nginx -s reload), three times: no request fails,
 * and the server answers afterwards.
 *
 * mod_fcgid 2.3.9 is the exception it cannot be made to meet: a request
 * that an old-generation Apache child holds when the old process manager
 * exits asks that manager for a new process over a pipe nobody answers
 * any more, and waits forever (procmgr_post_spawn_cmd() reads with no
 * timeout). The client gets no answer; the child never exits. On
 * apache-fcgid such stranded requests (no answer within the client's
 * timeout) are counted and shown; any other failure still fails the test,
 * and the server must answer afterwards (the harness gives Apache the
 * ServerLimit the stranded children need). docs/operations.md tells
 * users. */
static void test_server_reload_under_load(void)
{
	const char *server = getenv("DRAGOMAN_TEST_SERVER");
	int fcgid = server != NULL && strcmp(server, "apache-fcgid") == 0;
	struct load l = { .recovery_ms = -1, .mu = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, load_thread, &l);
	for (int i = 0; i < 3; i++) {
		usleep(700 * 1000);
		CU_ASSERT_EQUAL(stack("reload"), 0);
	}
	sleep(2);
	l.stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	fprintf(stderr, "\n  %s graceful reload x3 under load: %d ok, %d failed (%d unanswered)\n",
	    server, l.ok, l.failed, l.unanswered);
	if (l.failed > 0)
		fprintf(stderr, "  the first failure: %ld %s\n", l.bad_status, l.bad_body);
	CU_ASSERT_EQUAL(l.failed - (fcgid ? l.unanswered : 0), 0);
	CU_ASSERT(l.ok > 0);
	CU_ASSERT_EQUAL(wait_for_service(), 0);
}

/* The configuration file as it was before config_break(). */
static char saved_config[16384];
static size_t saved_config_len;

/* Appends a line no worker accepts to the configuration file, keeping the
 * original for config_restore(). Returns 0, or -1. */
static int config_break(void)
{
	const char *cfg = getenv("DRAGOMAN_CONFIG");
	FILE *f = fopen(cfg, "r");

	if (f == NULL)
		return -1;
	saved_config_len = fread(saved_config, 1, sizeof(saved_config), f);
	fclose(f);
	if (saved_config_len == sizeof(saved_config) || (f = fopen(cfg, "a")) == NULL)
		return -1;
	fputs("no_such_key = 1\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Writes back the configuration file saved by config_break(). Returns 0,
 * or -1. */
static int config_restore(void)
{
	FILE *f = fopen(getenv("DRAGOMAN_CONFIG"), "w");

	if (f == NULL)
		return -1;
	fwrite(saved_config, 1, saved_config_len, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Starts the stack's dragoman.fcgi as lighttpd and mod_fcgid do: its own
 * listening socket at path on fd 0. Writes the socket; returns the
 * worker's pid, or -1. */
static pid_t spawn_worker(const char *path, int *lfd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char bin[512];
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/bin/dragoman.fcgi", getenv("DRAGOMAN_STATE"));
	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	unlink(path);
	if ((*lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(*lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(*lfd, 8) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(*lfd, 0);
		close(*lfd);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Connects to the unix socket at path. Returns the fd, or -1 with errno
 * set. */
static int connect_unix(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path) || (fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Waits up to wait_ms for the worker pid to exit, and kills it when it
 * has not. Returns 1 when it exited by itself with status 0, else 0. */
static int worker_exits_within(pid_t pid, int wait_ms)
{
	int status = 0;
	pid_t done = 0;

	for (int i = 0; i < wait_ms / 100 && (done = waitpid(pid, &status, WNOHANG)) == 0; i++)
		usleep(100 * 1000);
	if (done == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	return done == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Sends GET /v1/health on a new connection to path. Returns 1 when it was
 * answered 200, 0 when the connection was reset or the answer was
 * another, -1 when the connection was refused (errno ECONNREFUSED). */
static int health_over(const char *path)
{
	char out[4096];
	int fd = connect_unix(path), ok;

	if (fd < 0)
		return errno == ECONNREFUSED ? -1 : 0;
	ok = fcgi_send_get(fd, "GET", "/v1/health") == 0 &&
	    fcgi_read_answer(fd, out, sizeof(out), 10000) == 1 &&
	    strncmp(out, "Status: 200 ", 12) == 0;
	close(fd);
	return ok;
}

/* A worker told to stop answers the connections that reach its own
 * socket until it refuses them, and resets none: lighttpd and mod_fcgid
 * give each worker its own socket, and mod_fcgid's process manager stops
 * workers on a graceful restart while Apache's children still hand them
 * requests (CI saw one 500 in 3,000 requests over three restarts). A
 * connection refused is retried on another worker by the web server; one
 * reset is the client's error. Connections are made one after another
 * from the SIGTERM on, until one is refused. */
static void test_stop_serves_waiting(void)
{
	char path[300];
	int lfd = -1, answered = 0, reset = 0, refused = 0, rc;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/run/stop-test.sock", getenv("DRAGOMAN_STATE"));
	pid = spawn_worker(path, &lfd);
	if (lfd >= 0)
		close(lfd);
	CU_ASSERT_FATAL(pid > 0);
	/* a first request: the worker is up, then idle in its wait */
	CU_ASSERT_EQUAL(health_over(path), 1);
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(kill(pid, SIGTERM), 0);
	double t0 = clock_now_ms();
	while (clock_now_ms() - t0 < 10000 && (rc = health_over(path)) >= 0) {
		if (rc == 1)
			answered++;
		else
			reset++;
	}
	refused = clock_now_ms() - t0 < 10000;
	fprintf(stderr, "\n  connections after SIGTERM: %d answered, %d reset, then %s\n", answered,
	    reset, refused ? "refused" : "still accepted after 10 s");
	CU_ASSERT_EQUAL(reset, 0);
	CU_ASSERT_EQUAL(refused, 1);
	CU_ASSERT(worker_exits_within(pid, 10000));
	unlink(path);
}

/* SIGUSR1, libfcgi's own request for a graceful exit (some process
 * managers send it), is a stop like SIGTERM: the worker exits after its
 * request in flight. libfcgi's handler, which the worker kept before,
 * only set a flag its non-blocking accept then never honoured: the
 * worker stayed, and every connection after it spun in a loop of failed
 * accepts or was dropped. */
static void test_sigusr1_stops(void)
{
	char path[300];
	int lfd = -1;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/run/usr1-test.sock", getenv("DRAGOMAN_STATE"));
	pid = spawn_worker(path, &lfd);
	if (lfd >= 0)
		close(lfd);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(health_over(path), 1);
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(kill(pid, SIGUSR1), 0);
	int exited = worker_exits_within(pid, 5000);
	fprintf(stderr, "\n  SIGUSR1: the worker %s\n",
	    exited ? "exited" : "did not exit by itself in 5 s");
	CU_ASSERT(exited);
	unlink(path);
}

/* SIGHUP with a broken configuration file keeps the running workers. */
static void test_reload_refused(void)
{
	pid_t master = listener_pid();
	char before[512], after[512];
	struct http_response r;

	CU_ASSERT_FATAL(master > 0);
	worker_pids(master, before, sizeof(before));
	CU_ASSERT_EQUAL_FATAL(config_break(), 0);
	CU_ASSERT_EQUAL(kill(master, SIGHUP), 0);
	usleep(500 * 1000);
	worker_pids(master, after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(before, after);
	CU_ASSERT_EQUAL(get("/v1/workspace", admin_key, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(config_restore(), 0);
}

/* --- outages (last: they leave the stack degraded) --------------------- */

/* No worker alive: under --listen the master stopped (its socket goes
 * with it); under lighttpd and mod_fcgid, which start workers themselves,
 * the configuration broken so that each one they start exits at once, and
 * the running ones killed. Every answer is problem+json: 502 from nginx,
 * 503 from mod_proxy_fcgi and lighttpd (500 while it still finds a
 * socket refusing), 500 from mod_fcgid (the script's output ended before
 * its headers). Then the service comes back. */
static void test_no_backend(void)
{
	int listen = listener_pid() > 0, gateway = 0, answers = 0;
	double t0 = clock_now_ms();

	if (listen) {
		CU_ASSERT_EQUAL_FATAL(stack("listener-stop"), 0);
	} else {
		CU_ASSERT_EQUAL_FATAL(config_break(), 0);
		kill_workers();
	}
	while (clock_now_ms() - t0 < 5000 && answers < 20 && gateway == 0) {
		struct http_response r;
		long st = http_request("GET", "/v1/health", NULL, NULL, 0, &r);
		answers++;
		CU_ASSERT(st >= 500);
		expect_problem_doc(__LINE__, st, &r);
		gateway += st == 502 || st == 503;
		http_free(&r);
		usleep(100 * 1000);
	}
	fprintf(stderr, "\n  no worker: %d answers, %s a 502 or 503\n", answers,
	    gateway ? "then" : "never");
	if (strcmp(getenv("DRAGOMAN_TEST_SERVER"), "apache-fcgid") != 0)
		CU_ASSERT(gateway > 0);
	if (listen) {
		CU_ASSERT_EQUAL(stack("listener-start"), 0);
	} else {
		CU_ASSERT_EQUAL(config_restore(), 0);
	}
	CU_ASSERT_EQUAL(wait_for_service(), 0);
}

/* Workers that do not answer (stopped with SIGSTOP) past the web server's
 * backend timeout, 2 s here (stack reconfigure renders it into the
 * templates): 504 problem+json; mod_fcgid answers 500 (its read timed
 * out before the script's headers). Then the usual timeout again. */
static void test_backend_timeout(void)
{
	long want = strcmp(getenv("DRAGOMAN_TEST_SERVER"), "apache-fcgid") == 0 ? 500 : 504, st;
	struct http_response r;
	double t0, ms;

	setenv("DRAGOMAN_BACKEND_TIMEOUT", "2", 1);
	CU_ASSERT_EQUAL_FATAL(stack("reconfigure"), 0);
	/* the servers' old generation finishes (Apache's graceful restart) */
	sleep(1);
	CU_ASSERT_EQUAL_FATAL(wait_for_service(), 0);
	CU_ASSERT(signal_workers(SIGSTOP) > 0);
	t0 = clock_now_ms();
	st = http_request("GET", "/v1/health", NULL, NULL, 0, &r);
	ms = clock_now_ms() - t0;
	signal_workers(SIGCONT);
	fprintf(stderr, "\n  stopped workers: %ld after %.0f ms\n", st, ms);
	CU_ASSERT_EQUAL(st, want);
	expect_problem_doc(__LINE__, st, &r);
	CU_ASSERT(ms >= 1500 && ms < 8000);
	http_free(&r);
	unsetenv("DRAGOMAN_BACKEND_TIMEOUT");
	CU_ASSERT_EQUAL(stack("reconfigure"), 0);
	sleep(1);
	CU_ASSERT_EQUAL(wait_for_service(), 0);
}

static void test_memcached_down(void)
{
	struct http_response r;
	struct json_object *checks, *mc, *st;

	CU_ASSERT_EQUAL_FATAL(stack("mc-stop"), 0);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/health", NULL, NULL, 0, &r), 503);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT(json_object_object_get_ex(r.json, "checks", &checks) &&
	    json_object_object_get_ex(checks, "memcached", &mc) &&
	    json_object_object_get_ex(mc, "status", &st) &&
	    strcmp(json_object_get_string(st), "down") == 0);
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Retry-After"));
	http_free(&r);
	/* keys are still checked, against PostgreSQL */
	CU_ASSERT_EQUAL(get("/v1/workspace", admin_key, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/workspace",
	                    "dgm_00000000_000000000000000000000000000000000000000000000000", &r),
	    401);
	http_free(&r);
	/* translation goes on without its hot cache: the provider, then
	 * PostgreSQL's copy */
	char auth[160], body[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_key);
	int len = snprintf(body, sizeof(body),
	    "{\"text\":\"The blue car %ld is fast.\","
	    "\"source\":\"en\",\"target\":\"es\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, body, (size_t)len, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "MISS");
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, body, (size_t)len, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "HIT");
	http_free(&r);
}

/* Asks GET /v1/workspace every 100 ms until it is 200, 5 s at most (the
 * workers reconnect by themselves). Returns the last status. */
static long workspace_answers(void)
{
	struct http_response r;
	long st = 0;

	for (int i = 0; i < 50 && st != 200; i++) {
		st = get("/v1/workspace", admin_key, &r);
		http_free(&r);
		if (st != 200)
			usleep(100 * 1000);
	}
	return st;
}

static void test_postgres_down_and_back(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(stack("pg-stop"), 0);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/health", NULL, NULL, 0, &r), 503);
	http_free(&r);
	/* once the workers' memos (1 s) are spent, nothing can check the key */
	usleep(1100 * 1000);
	CU_ASSERT_EQUAL(get("/v1/workspace", admin_key, &r), 503);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Retry-After"));
	http_free(&r);
	/* idle workers whose counts cannot be written try again later, not
	 * at once and forever (all of them busy on two cores) */
	long cpu = workers_cpu_ms();
	sleep(2);
	cpu = workers_cpu_ms() - cpu;
	fprintf(stderr, "\n  idle workers with PostgreSQL down: %ld ms of CPU in 2 s\n", cpu);
	CU_ASSERT(cpu < 400);
	CU_ASSERT_EQUAL_FATAL(stack("pg-start"), 0);
	/* every worker reconnects by itself within a few seconds */
	CU_ASSERT_EQUAL(workspace_answers(), 200);
	/* one reconnect backoff later, every worker is back */
	sleep(1);
	for (int i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL(get("/v1/workspace", admin_key, &r), 200);
		http_free(&r);
	}
}

#define BUDGET_MAX 32

/* Opens connections named budget-test into c[*n..] until PostgreSQL
 * refuses one. Returns 1 when it refused, 0 when BUDGET_MAX were open. */
static int take_slots(PGconn *c[BUDGET_MAX], int *n)
{
	while (*n < BUDGET_MAX) {
		PGconn *pg = pg_connect();
		if (PQstatus(pg) != CONNECTION_OK) {
			PQfinish(pg);
			return 1;
		}
		PQclear(PQexec(pg, "SET application_name = 'budget-test'"));
		c[(*n)++] = pg;
	}
	return 0;
}

/* Every connection PostgreSQL allows is taken (max_connections 12 for
 * this test) and the workers' own are ended: a request then gets a 503
 * problem+json at once, not a hang, and the service comes back when
 * connections are free again. */
static void test_connection_budget(void)
{
	PGconn *c[BUDGET_MAX];
	struct http_response r;
	struct timespec t0, t1;
	int n = 0, full = 0;
	long ms;

	CU_ASSERT_EQUAL_FATAL(stack("pg-stop"), 0);
	setenv("DRAGOMAN_PG_MAX_CONNECTIONS", "12", 1);
	CU_ASSERT_EQUAL_FATAL(stack("pg-start"), 0);
	unsetenv("DRAGOMAN_PG_MAX_CONNECTIONS");
	/* workers reconnect by themselves (their idle metrics flushes, too):
	 * end theirs and take the slots until none is left to them */
	for (int round = 0; round < 20; round++) {
		full = take_slots(c, &n);
		if (n == 0)
			break;
		PGresult *res = PQexec(c[0],
		    "SELECT count(pg_terminate_backend(pid)) FROM "
		    "pg_stat_activity WHERE backend_type = 'client backend' AND "
		    "application_name <> 'budget-test'");
		int ended =
		    PQresultStatus(res) == PGRES_TUPLES_OK ? atoi(PQgetvalue(res, 0, 0)) : -1;
		PQclear(res);
		if (ended == 0 && full)
			break;
		usleep(100 * 1000);
	}
	fprintf(stderr, "\n  %d connections taken, PostgreSQL refusing more: %s\n", n,
	    full ? "yes" : "no");
	CU_ASSERT_FATAL(full);
	/* past the workers' memos (1 s) */
	usleep(1100 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL(get("/v1/workspace", admin_key, &r), 503);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Retry-After"));
	http_free(&r);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	fprintf(stderr, "  a request with every connection taken: 503 in %ld ms\n", ms);
	CU_ASSERT(ms < 2000);
	CU_ASSERT(log_lines("too many clients") >= 1);
	for (int i = 0; i < n; i++)
		PQfinish(c[i]);
	/* back to the usual limit; the workers reconnect by themselves */
	CU_ASSERT_EQUAL_FATAL(stack("pg-stop"), 0);
	CU_ASSERT_EQUAL_FATAL(stack("pg-start"), 0);
	CU_ASSERT_EQUAL(workspace_answers(), 200);
	/* one reconnect backoff later, every worker is back (the next test
	 * needs each of them connected) */
	sleep(1);
	for (int i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL(get("/v1/workspace", admin_key, &r), 200);
		http_free(&r);
	}
}

/* --listen: SIGTERM lets the request in flight finish (last: it stops the
 * service). The request is held in flight by a row lock. */
static void *patch_status_thread(void *arg)
{
	struct http_response r;
	char auth[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	static const char body[] = "{\"name\":\"Stopped\"}";

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_key);
	*(long *)arg = http_request("PATCH", "/v1/workspace", h, body, sizeof(body) - 1, &r);
	http_free(&r);
	return NULL;
}

static void test_sigterm_finishes_in_flight(void)
{
	pid_t master = listener_pid();
	long status = 0;
	pthread_t t;
	PGconn *pg;

	CU_ASSERT_FATAL(master > 0);
	pg = lock_workspace_row();
	CU_ASSERT_PTR_NOT_NULL_FATAL(pg);
	pthread_create(&t, NULL, patch_status_thread, &status);
	usleep(500 * 1000);
	CU_ASSERT_EQUAL(kill(master, SIGTERM), 0);
	usleep(1000 * 1000);
	/* still there: waiting for its worker */
	CU_ASSERT_EQUAL(kill(master, 0), 0);
	unlock_workspace_row(pg);
	pthread_join(t, NULL);
	if (status != 200)
		fprintf(stderr, "\n  in-flight PATCH answered %ld\n", status);
	CU_ASSERT_EQUAL(status, 200);
	for (int i = 0; i < 50 && kill(master, 0) == 0; i++)
		usleep(100 * 1000);
	CU_ASSERT_NOT_EQUAL(kill(master, 0), 0);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "GET /v1/health", test_health },
		{ "401 for missing, malformed, unknown, truncated, re-cased keys",
		    test_unauthenticated },
		{ "GET /v1/workspace", test_workspace },
		{ "404 and 405 with Allow", test_routing_errors },
		{ "'..', '//' and %2F cannot cross a route", test_path_tricks },
		{ "bad bodies: 411/400/413/415, nothing changes", test_bad_bodies },
		{ "a body over the web server's limit: 413 problem+json", test_server_body_limit },
		{ "requests the web server cannot take: problem+json", test_server_malformed },
		{ "PATCH /v1/workspace", test_patch_ok },
		{ "member key cannot rename", test_member_forbidden },
		{ "one JSON log line per request in the server's log", test_log_line },
		{ "revoked key stops at once", test_revoke_immediate },
		{ "revocation behind the cache holds within the TTL", test_revoke_bound },
		{ "more clients than workers queue without stalling",
		    test_excess_concurrency_queues },
		{ "SIGKILL of workers under load", test_kill_workers_under_load },
		{ "--listen: SIGHUP under load loses no request", test_reload_under_load },
		{ "the web server's graceful reload loses no request",
		    test_server_reload_under_load },
		{ "--listen: SIGHUP with a broken config keeps the workers", test_reload_refused },
		{ "a worker told to stop serves the request waiting on its socket",
		    test_stop_serves_waiting },
		{ "SIGUSR1 stops a worker", test_sigusr1_stops },
		{ "no worker alive: 502/503 problem+json, then back", test_no_backend },
		{ "a worker past the server's timeout: 504 problem+json", test_backend_timeout },
		{ "memcached down", test_memcached_down },
		{ "PostgreSQL down and back", test_postgres_down_and_back },
		{ "no connection left: 503 at once, then back", test_connection_budget },
		{ "--listen: SIGTERM finishes the request in flight",
		    test_sigterm_finishes_in_flight },
		{ NULL, NULL },
	};
	char wsid2[64], out_key[128];

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Integration", admin_key, sizeof(admin_key), workspace_id,
	        sizeof(workspace_id)) < 0) {
		fprintf(stderr, "test_http: cannot create a workspace with dragoman-admin\n");
		return 99;
	}
	char member_kid[64];
	if (create_key("member", member_key, sizeof(member_key), member_kid, sizeof(member_kid)) <
	    0)
		return 99;
	/* a second workspace, so that nothing passes by being the only one */
	if (make_workspace("Other", out_key, sizeof(out_key), wsid2, sizeof(wsid2)) < 0 ||
	    member_key[0] == '\0')
		return 99;
	fprintf(stderr, "server: %s at %s\n", getenv("DRAGOMAN_TEST_SERVER"),
	    getenv("DRAGOMAN_TEST_URL"));
	/* the --listen tests only where there is a master to signal */
	struct cu_test run[sizeof(tests) / sizeof(tests[0])];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		if (tests[i].name == NULL || strncmp(tests[i].name, "--listen", 8) != 0 ||
		    listener_pid() > 0)
			run[n++] = tests[i];
	int rc =
	    cu_run(getenv("DRAGOMAN_TEST_SERVER") ? getenv("DRAGOMAN_TEST_SERVER") : "http", run);
	curl_global_cleanup();
	return rc;
}
