/* Operations through a real web server: GET /metrics counts every
 * worker's requests exactly (each worker counts alone and flushes to
 * PostgreSQL), is served only to metrics_allow or with metrics_token,
 * and carries provider calls, cache lookups, credits charged, problems
 * and breaker gauges; liveness and readiness differ when memcached is
 * down; a request id is logged and reaches the provider. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

#define TOKEN "metrics-test-token" /* metrics_token of tests/integration/run */

static char ws[64], key[128];

/* Returns GET /metrics as a new string (caller frees), or NULL. */
static char *scrape(void)
{
	struct http_response r;
	char *text = NULL;

	if (http_request("GET", "/metrics", NULL, NULL, 0, &r) == 200)
		text = strdup(r.body);
	http_free(&r);
	return text;
}

/* Returns the value of the sample series ("name{labels}") in text, 0 when
 * it is absent. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return 0;
}

/* Scrapes until series has grown by want over before (up to 5 s: each
 * worker flushes within metrics_flush_ms). Returns the growth seen last. */
static double grown(const char *series, double before, double want)
{
	double got = 0;

	for (int i = 0; i < 50; i++) {
		char *t = scrape();
		got = t != NULL ? sample(t, series) - before : -1;
		free(t);
		if (got >= want)
			break;
		usleep(100000);
	}
	return got;
}

/* Returns series's value now. */
static double now_of(const char *series)
{
	char *t = scrape();
	double v = t != NULL ? sample(t, series) : -1;

	free(t);
	return v;
}

static void *live_requests(void *arg)
{
	struct http_response r;

	for (int i = 0; i < 25; i++) {
		if (http_request("GET", "/v1/health/live", NULL, NULL, 0, &r) != 200)
			(*(int *)arg)++;
		http_free(&r);
	}
	return NULL;
}

/* 100 requests from 4 threads, spread over the workers, are counted
 * exactly once each, in the counter and in the histogram. */
static void test_counts_are_exact_across_workers(void)
{
	const char *series = "dragoman_http_requests_total{route=\"health.live\",status=\"200\"}";
	const char *count = "dragoman_http_request_duration_seconds_count{route=\"health.live\"}";
	const char *inf = "dragoman_http_request_duration_seconds_bucket{route=\"health.live\","
	                  "le=\"+Inf\"}";
	double before = now_of(series), before_count = now_of(count), prev = -1;
	pthread_t t[4];
	int failed[4] = { 0 };
	char *text;

	CU_ASSERT_FATAL(before >= 0);
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, live_requests, &failed[i]);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(failed[i], 0);
	}
	CU_ASSERT_EQUAL(grown(series, before, 100), 100);
	/* no worker counted twice: still 100 after every worker flushed again */
	sleep(2);
	CU_ASSERT_EQUAL(now_of(series) - before, 100);
	text = scrape();
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(sample(text, count) - before_count, 100);
	CU_ASSERT_EQUAL(sample(text, inf), sample(text, count));
	/* the buckets are cumulative */
	for (const char *p = strstr(text,
	         "dragoman_http_request_duration_seconds_bucket{route=\""
	         "health.live\"");
	     p != NULL &&
	     strncmp(p,
	         "dragoman_http_request_duration_seconds_"
	         "bucket{route=\"health.live\"",
	         64) == 0;
	     p = strchr(p, '\n') + 1) {
		double v = strtod(strchr(p, ' ') + 1, NULL);
		CU_ASSERT(v >= prev);
		prev = v;
	}
	CU_ASSERT(prev == sample(text, count));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "# TYPE dragoman_http_requests_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(text, "# TYPE dragoman_http_request_duration_seconds histogram\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "dragoman_breaker_state{provider=\"apertium\"} 0\n"));
	free(text);
}

/* GET /metrics from 127.0.0.2 (not in metrics_allow) with the
 * Authorization header auth (NULL: none). Returns the status, 0 when
 * there was no answer. */
static int scrape_from_elsewhere(const char *auth)
{
	const char *url = getenv("DRAGOMAN_TEST_URL"), *colon = url ? strrchr(url, ':') : NULL;
	struct sockaddr_in src, dst;
	struct timeval tv = { 5, 0 };
	char req[512], resp[512];
	int fd, status = 0;
	ssize_t n;

	if (colon == NULL || (fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000002);
	dst = src;
	dst.sin_port = htons((unsigned short)atoi(colon + 1));
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req),
	    "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s"
	    "Connection: close\r\n\r\n",
	    auth ? "Authorization: " : "", auth ? auth : "", auth ? "\r\n" : "");
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0 &&
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == 0 &&
	    write(fd, req, strlen(req)) == (ssize_t)strlen(req) &&
	    (n = read(fd, resp, sizeof(resp) - 1)) > 12) {
		resp[n] = '\0';
		sscanf(resp, "HTTP/1.%*d %d", &status);
	}
	close(fd);
	return status;
}

static void test_access(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL(http_request("GET", "/metrics", NULL, NULL, 0, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Content-Type"));
	CU_ASSERT_EQUAL(strncmp(http_header(&r, "Content-Type"), "text/plain; version=0.0.4", 25),
	    0);
	http_free(&r);
	CU_ASSERT_EQUAL(scrape_from_elsewhere(NULL), 403);
	CU_ASSERT_EQUAL(scrape_from_elsewhere("Bearer not-the-token"), 403);
	CU_ASSERT_EQUAL(scrape_from_elsewhere("Bearer " TOKEN "x"), 403);
	CU_ASSERT_EQUAL(scrape_from_elsewhere("Bearer " TOKEN), 200);
	/* an API key is no metrics token */
	{
		char auth[160];
		snprintf(auth, sizeof(auth), "Bearer %s", key);
		CU_ASSERT_EQUAL(scrape_from_elsewhere(auth), 403);
	}
}

/* A translation never seen before: one Apertium call, one cache miss, its
 * charge; a bad key: one unauthorized problem. */
static void test_translation_metrics(void)
{
	const char *calls = "dragoman_provider_calls_total{provider=\"apertium\",outcome=\"ok\"}";
	const char *dur = "dragoman_provider_call_duration_seconds_count{provider=\"apertium\"}";
	const char *miss = "dragoman_cache_lookups_total{tier=\"none\",result=\"miss\"}";
	const char *hit = "dragoman_cache_lookups_total{tier=\"memcached\",result=\"hit\"}";
	const char *charged = "dragoman_credits_charged_micros_total";
	const char *unauth = "dragoman_problems_total{type=\"unauthorized\"}";
	char body[200];
	struct http_response r;
	double c0 = now_of(calls), d0 = now_of(dur), m0 = now_of(miss), h0 = now_of(hit);
	double ch0 = now_of(charged), u0 = now_of(unauth);
	long long bal0 = pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", ws), cost;

	snprintf(body, sizeof(body),
	    "{\"text\":\"The blue house %ld is very big.\",\"source\":\"en\","
	    "\"target\":\"es\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", key, body, &r), 200);
	http_free(&r);
	/* the same again: a hit */
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", key, body, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/workspace", "dgm_live_not_a_key", NULL, &r), 401);
	http_free(&r);
	cost = bal0 - pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", ws);
	CU_ASSERT(cost > 0);
	CU_ASSERT_EQUAL(grown(calls, c0, 1), 1);
	CU_ASSERT_EQUAL(grown(dur, d0, 1), 1);
	CU_ASSERT_EQUAL(grown(miss, m0, 1), 1);
	CU_ASSERT_EQUAL(grown(hit, h0, 1), 1);
	CU_ASSERT_EQUAL(grown(charged, ch0, (double)cost), (double)cost);
	CU_ASSERT_EQUAL(grown(unauth, u0, 1), 1);
}

/* A batch of a cached text and a new one while Apertium is down: the
 * cached one is a hit, found in Apertium's pass; the new one misses in the
 * cache of each provider asked until one translates it (LibreTranslate,
 * the next in the harness's order, unless it fails too): one miss per
 * pass. Each later pass counted the first pass's hit as a miss too. */
static void test_cache_lookups_across_providers(void)
{
	const char *miss = "dragoman_cache_lookups_total{tier=\"none\",result=\"miss\"}";
	const char *hit = "dragoman_cache_lookups_total{tier=\"memcached\",result=\"hit\"}";
	char body[300], cached[80], fresh[80];
	struct http_response r;

	/* no breaker left open by an earlier suite's provider faults: both
	 * passes happen */
	CU_ASSERT_EQUAL_FATAL(stack("mc-flush"), 0);
	snprintf(cached, sizeof(cached), "The red car %ld is fast.", (long)getpid());
	snprintf(fresh, sizeof(fresh), "The small cat %ld is asleep.", (long)getpid());
	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}",
	    cached);
	CU_ASSERT_EQUAL_FATAL(request_as("POST", "/v1/translate", key, body, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(stack("apy-stop"), 0);
	/* every worker has flushed what it counted so far (metrics_flush_ms,
	 * 1 s): the first request's miss is not counted as the batch's */
	sleep(2);
	double m0 = now_of(miss), h0 = now_of(hit);
	snprintf(body, sizeof(body),
	    "{\"texts\":[\"%s\",\"%s\"],\"source\":\"en\",\"target\":\"es\"}", cached, fresh);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", key, body, &r), 200);
	/* the harness's order: apertium, libretranslate, deepl, google, openai */
	static const char *const order[] = { "apertium", "libretranslate", "deepl", "google",
		"openai" };
	struct json_object *ts, *t1, *pr;
	char by[32] = "";
	if (json_object_object_get_ex(r.json, "translations", &ts) &&
	    (t1 = json_object_array_get_idx(ts, 1)) != NULL &&
	    json_object_object_get_ex(t1, "provider", &pr))
		snprintf(by, sizeof(by), "%s", json_object_get_string(pr));
	int passes = 0;
	for (int i = 0; i < 5 && passes == 0; i++)
		if (strcmp(by, order[i]) == 0)
			passes = i + 1;
	http_free(&r);
	CU_ASSERT_EQUAL(stack("apy-start"), 0);
	CU_ASSERT_FATAL(passes >= 2);
	double hits = grown(hit, h0, 1), misses = grown(miss, m0, passes);
	if (hits != 1 || misses != passes)
		fprintf(stderr, "\n  cache lookups: %.0f hits, %.0f misses, translated by %s\n",
		    hits, misses, by);
	CU_ASSERT_EQUAL(hits, 1);
	CU_ASSERT_EQUAL(misses, passes);
}

/* memcached down: not ready (503), still alive (200), and the errors are
 * counted; back up: ready again. */
static void test_live_and_ready(void)
{
	const char *errors = "dragoman_memcached_errors_total{op=\"ping\"}";
	struct http_response r;
	double e0 = now_of(errors);

	CU_ASSERT_EQUAL(http_request("GET", "/v1/health/ready", NULL, NULL, 0, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"breaker\""));
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(stack("mc-stop"), 0);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/health/ready", NULL, NULL, 0, &r), 503);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/health", NULL, NULL, 0, &r), 503);
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/health/live", NULL, NULL, 0, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "status"), "alive");
	http_free(&r);
	CU_ASSERT_EQUAL(stack("mc-start"), 0);
	CU_ASSERT(grown(errors, e0, 1) >= 1);
	CU_ASSERT_EQUAL(wait_for_service(), 0);
}

/* A request id given by the client is in the worker's log line and in
 * the header of the provider call. */
static void test_request_id_end_to_end(void)
{
	char auth[160], rid[64], idh[96], body[200], seen[128] = "";
	const char *h[] = { auth, idh, "Content-Type: application/json", NULL };
	struct http_response r;
	int len;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	snprintf(rid, sizeof(rid), "trace-%ld-%ld", (long)getpid(), (long)time(NULL));
	snprintf(idh, sizeof(idh), "X-Request-Id: %s", rid);
	len = snprintf(body, sizeof(body),
	    "{\"text\":\"Hello %s\",\"source\":\"en\",\"target\":\"de\","
	    "\"provider\":\"deepl\"}",
	    rid);
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, body, (size_t)len, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Request-Id"), rid);
	http_free(&r);
	CU_ASSERT_EQUAL(fixture_state("DRAGOMAN_FIXTURE_DEEPL", "last_request_id", seen,
	                    sizeof(seen)),
	    0);
	CU_ASSERT_STRING_EQUAL(seen, rid);
	CU_ASSERT(log_lines(rid) >= 1);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "counts are exact across workers", test_counts_are_exact_across_workers },
		{ "metrics_allow or metrics_token", test_access },
		{ "provider calls, cache lookups, credits, problems", test_translation_metrics },
		{ "cache lookups across provider passes", test_cache_lookups_across_providers },
		{ "liveness and readiness", test_live_and_ready },
		{ "a request id from the client to the provider", test_request_id_end_to_end },
		{ NULL, NULL },
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Metrics", key, sizeof(key), ws, sizeof(ws)) < 0) {
		fprintf(stderr, "test_metrics: cannot create a workspace\n");
		return 99;
	}
	rc = cu_run("metrics", tests);
	curl_global_cleanup();
	return rc;
}
