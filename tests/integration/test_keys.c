/* API keys managed through the API, through a real web server: creation
 * with a name, a role and scopes (the secret shown once), the list
 * (never a secret), revocation across workers, scopes enforced on the
 * routes, and no key ever gaining more than the key that made it. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "accounts/apikey.h"
#include "accounts/auth.h"
#include "core/config.h"
#include "fixture.h"
#include "http.h"
#include "proc/worker.h"
#include "store/db.h"
#include "translate/provider.h"

static char ws[64], admin_key[128], other_ws[64], other_key[128];

/* POSTs body to /v1/keys as k; on 201 copies the new secret and id. */
static long create(const char *k, const char *body, char *secret, size_t ssz, char *id, size_t idsz,
    struct http_response *r)
{
	long st = request_as("POST", "/v1/keys", k, body, r);

	if (st == 201 && secret != NULL) {
		snprintf(secret, ssz, "%s", http_json_str(r, "key") ? http_json_str(r, "key") : "");
		snprintf(id, idsz, "%s", http_json_str(r, "id") ? http_json_str(r, "id") : "");
	}
	return st;
}

static long long key_count(const char *workspace)
{
	return pg_num("SELECT count(*) FROM api_keys WHERE workspace_id = $1", workspace);
}

static void test_create_and_list(void)
{
	char secret[128], id[64];
	struct http_response r;
	struct json_object *keys;
	int seen = 0;

	CU_ASSERT_EQUAL_FATAL(create(admin_key,
	                          "{\"name\":\"CI translator\",\"scopes\":"
	                          "[\"translate\"]}",
	                          secret, sizeof(secret), id, sizeof(id), &r),
	    201);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "name"), "CI translator");
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "role"), "member");
	CU_ASSERT(http_json_strings_are(&r, "scopes", "translate"));
	CU_ASSERT_EQUAL(strncmp(http_json_str(&r, "prefix"), secret, 12), 0);
	CU_ASSERT_EQUAL(strlen(secret), 61);
	http_free(&r);
	/* the secret is stored only as its SHA-256 */
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM api_keys WHERE key_hash = "
	                       "sha256(convert_to($1, 'UTF8'))",
	                    secret),
	    1);
	CU_ASSERT_EQUAL(get("/v1/keys", admin_key, &r), 200);
	CU_ASSERT_PTR_NULL(strstr(r.body, secret));
	CU_ASSERT_PTR_NULL(strstr(r.body, "\"key\""));
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "keys", &keys));
	CU_ASSERT_EQUAL(json_object_array_length(keys), key_count(ws));
	for (size_t i = 0; i < json_object_array_length(keys); i++) {
		struct json_object *k = json_object_array_get_idx(keys, i), *v;
		if (json_object_object_get_ex(k, "id", &v) &&
		    strcmp(json_object_get_string(v), id) == 0)
			seen = json_object_object_get_ex(k, "name", &v) &&
			    strcmp(json_object_get_string(v), "CI translator") == 0;
	}
	CU_ASSERT(seen);
	http_free(&r);
	/* another workspace sees only its own */
	CU_ASSERT_EQUAL(get("/v1/keys", other_key, &r), 200);
	CU_ASSERT_PTR_NULL(strstr(r.body, id));
	http_free(&r);
}

static void test_scopes_are_enforced(void)
{
	char secret[128], id[64];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"scopes\":[\"translate\",\"reports\"]}", secret,
	                          sizeof(secret), id, sizeof(id), &r),
	    201);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/languages", secret, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/reports/usage?period=day", secret, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/billing/balance", secret, &r), 403);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_PTR_NOT_NULL(strstr(http_json_str(&r, "detail"), "billing:read"));
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/billing/usage", secret,
	                    "{\"quantity\":1,\"unit\":"
	                    "\"requests\",\"model\":\"dragoman/call\"}",
	                    &r),
	    403);
	http_free(&r);
	/* a key without scopes may do all its role allows */
	CU_ASSERT_EQUAL(get("/v1/billing/balance", admin_key, &r), 200);
	http_free(&r);
}

static void test_no_key_gains_more(void)
{
	char member[128], narrow[128], id[64], secret[128];
	struct http_response r;
	long long before;

	CU_ASSERT_EQUAL_FATAL(make_key(ws, "member", member, sizeof(member)), 0);
	before = key_count(ws);
	CU_ASSERT_EQUAL(create(member, "{}", NULL, 0, NULL, 0, &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/keys", member, &r), 403);
	http_free(&r);
	/* bad or foreign fields change nothing */
	CU_ASSERT_EQUAL(create(admin_key, "{\"role\":\"platform\"}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"role\":\"owner\"}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"scopes\":[\"everything\"]}", NULL, 0, NULL, 0, &r),
	    400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"scopes\":[]}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key,
	                    "{\"workspace_id\":\"00000000-0000-4000-8000-000000000000\"}", NULL, 0,
	                    NULL, 0, &r),
	    400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"rate_exempt\":true}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(key_count(ws), before);
	/* an admin key limited to translate makes keys no wider */
	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"role\":\"admin\",\"scopes\":[\"translate\"]}",
	                          narrow, sizeof(narrow), id, sizeof(id), &r),
	    201);
	http_free(&r);
	CU_ASSERT_EQUAL(create(narrow, "{\"scopes\":[\"billing:read\"]}", NULL, 0, NULL, 0, &r),
	    403);
	http_free(&r);
	CU_ASSERT_EQUAL(create(narrow, "{}", secret, sizeof(secret), id, sizeof(id), &r), 201);
	CU_ASSERT(http_json_strings_are(&r, "scopes", "translate"));
	CU_ASSERT_EQUAL(strcmp(http_json_str(&r, "role"), "member"), 0);
	http_free(&r);
	/* a member key made by an admin one cannot make an admin */
	CU_ASSERT_EQUAL(create(member, "{\"role\":\"admin\"}", NULL, 0, NULL, 0, &r), 403);
	http_free(&r);
}

/* Issue 14, defect 9: a key made by a key inherits its maker's monthly
 * character quota and rate limits (a smaller quota may be asked for, a
 * larger one is 403), unless the maker has none. */
static void test_keys_inherit_quota_and_limits(void)
{
	char capped[128], capped_id[64], secret[128], id[64], args[160], *out;
	struct http_response r;
	struct json_object *q;

	CU_ASSERT_EQUAL_FATAL(create(admin_key,
	                          "{\"role\":\"admin\",\"monthly_character_quota\":40}", capped,
	                          sizeof(capped), capped_id, sizeof(capped_id), &r),
	    201);
	http_free(&r);
	snprintf(args, sizeof(args), "key limits %s --per-minute 50 --per-day 900", capped_id);
	out = admin(args);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	free(out);
	CU_ASSERT_EQUAL_FATAL(create(capped, "{}", secret, sizeof(secret), id, sizeof(id), &r),
	    201);
	CU_ASSERT(json_object_object_get_ex(r.json, "monthly_character_quota", &q) &&
	    json_object_get_int64(q) == 40);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT monthly_character_quota FROM api_keys WHERE id = $1", id),
	    40);
	CU_ASSERT_EQUAL(pg_num("SELECT rate_per_minute FROM api_keys WHERE id = $1", id), 50);
	CU_ASSERT_EQUAL(pg_num("SELECT rate_per_day FROM api_keys WHERE id = $1", id), 900);
	CU_ASSERT_EQUAL(pg_num("SELECT rate_per_hour FROM api_keys WHERE id = $1", id), -1);
	/* the limit is the child's own: 50 a minute */
	CU_ASSERT_EQUAL(get("/v1/workspace", secret, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "RateLimit-Policy"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(http_header(&r, "RateLimit-Policy") ? http_header(&r, "RateLimit-Policy") : "",
	        "q=50"));
	http_free(&r);
	/* no more than the maker's quota; less is fine */
	CU_ASSERT_EQUAL(create(capped, "{\"monthly_character_quota\":41}", NULL, 0, NULL, 0, &r),
	    403);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(create(capped, "{\"monthly_character_quota\":10}", secret, sizeof(secret),
	                    id, sizeof(id), &r),
	    201);
	CU_ASSERT(json_object_object_get_ex(r.json, "monthly_character_quota", &q) &&
	    json_object_get_int64(q) == 10);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT rate_per_minute FROM api_keys WHERE id = $1", id), 50);
	/* an exempt maker is unrestricted: its keys get the plan's limits */
	snprintf(args, sizeof(args), "key limits %s --exempt on", capped_id);
	out = admin(args);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	free(out);
	CU_ASSERT_EQUAL(create(capped, "{}", secret, sizeof(secret), id, sizeof(id), &r), 201);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT coalesce(rate_per_minute, -1) FROM api_keys WHERE id = $1",
	                    id),
	    -1);
	CU_ASSERT_EQUAL(pg_num("SELECT rate_exempt::int FROM api_keys WHERE id = $1", id), 0);
	/* and an unrestricted maker's keys are as asked */
	CU_ASSERT_EQUAL(create(admin_key, "{}", secret, sizeof(secret), id, sizeof(id), &r), 201);
	CU_ASSERT(json_object_object_get_ex(r.json, "monthly_character_quota", &q) && q == NULL);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT coalesce(rate_per_minute, -1) FROM api_keys WHERE id = $1",
	                    id),
	    -1);
}

static void test_revoke(void)
{
	char secret[128], id[64], foreign[128], foreign_id[64], path[128];
	struct http_response r;
	long st = 0;

	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"name\":\"short-lived\"}", secret,
	                          sizeof(secret), id, sizeof(id), &r),
	    201);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/workspace", secret, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(create(other_key, "{}", foreign, sizeof(foreign), foreign_id,
	                          sizeof(foreign_id), &r),
	    201);
	http_free(&r);
	/* another workspace's key is not found, and keeps working */
	snprintf(path, sizeof(path), "/v1/keys/%s", foreign_id);
	CU_ASSERT_EQUAL(request_as("DELETE", path, admin_key, NULL, &r), 404);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/workspace", foreign, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("DELETE", "/v1/keys/not-a-uuid", admin_key, NULL, &r), 404);
	http_free(&r);
	snprintf(path, sizeof(path), "/v1/keys/%s", id);
	CU_ASSERT_EQUAL(request_as("DELETE", path, admin_key, NULL, &r), 204);
	CU_ASSERT_EQUAL(r.body_len, 0);
	http_free(&r);
	/* every worker stops it once its memo (1 s) is spent */
	for (int i = 0; i < 30 && st != 401; i++) {
		usleep(100 * 1000);
		st = get("/v1/workspace", secret, &r);
		http_free(&r);
	}
	CU_ASSERT_EQUAL(st, 401);
	usleep(1100 * 1000);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(get("/v1/workspace", secret, &r), 401);
		http_free(&r);
	}
	CU_ASSERT_EQUAL(request_as("DELETE", path, admin_key, NULL, &r), 404);
	http_free(&r);
	CU_ASSERT_EQUAL(
	    pg_num("SELECT count(*) FROM api_keys WHERE id = $1 AND revoked_at IS NOT NULL", id),
	    1);
}

/* Issue 14, defect 11: a key lookup that read the key from PostgreSQL
 * before DELETE /v1/keys/{id} could store it in memcached after the
 * revocation had dropped it, and the revoked key worked on for the
 * cache's lifetime. The interleaving is forced: this process looks the
 * key up as a worker does (auth_api_key()), the key is revoked (through
 * the API, then through dragoman-admin key revoke), and only then is the
 * lookup's result stored through the workers' own code
 * (auth_key_remember()). The key stays refused everywhere. */
static void test_revoked_key_not_written_back(void)
{
	char secret[128], id[64], path[128], hash[APIKEY_HASH_HEX_LEN + 1], err[256], *out;
	struct identity who;
	struct http_response r;
	struct config *cfg = provider_config_load(getenv("DRAGOMAN_CONFIG"), err, sizeof(err));
	struct worker w;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	/* a stale entry would outlive this test by far */
	cfg->key_cache_ttl = 60;
	CU_ASSERT_EQUAL_FATAL(worker_open(&w, cfg, err, sizeof(err)), 0);
	for (int how = 0; how < 2; how++) {
		CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"name\":\"in flight\"}", secret,
		                          sizeof(secret), id, sizeof(id), &r),
		    201);
		http_free(&r);
		/* the lookup reads the key while it is active... */
		CU_ASSERT_EQUAL_FATAL(auth_api_key(&w, secret, &who, err, sizeof(err)),
		    PROBLEM_NONE);
		/* ...the key is revoked... */
		if (how == 0) {
			snprintf(path, sizeof(path), "/v1/keys/%s", id);
			CU_ASSERT_EQUAL(request_as("DELETE", path, admin_key, NULL, &r), 204);
			http_free(&r);
		} else {
			snprintf(path, sizeof(path), "key revoke %s", id);
			out = admin(path);
			CU_ASSERT_PTR_NOT_NULL(out);
			free(out);
		}
		/* ...and only then does the lookup store what it read */
		apikey_hash_hex(secret, APIKEY_LEN, hash);
		auth_key_remember(&w, hash, &who, 1);
		for (int i = 0; i < 8; i++) {
			CU_ASSERT_EQUAL(get("/v1/workspace", secret, &r), 401);
			http_free(&r);
		}
		/* and a lookup in this process, past its own memo, sees it revoked */
		usleep(1100 * 1000);
		CU_ASSERT_EQUAL(auth_api_key(&w, secret, &who, err, sizeof(err)),
		    PROBLEM_UNAUTHORIZED);
	}
	worker_close(&w);
	config_free(cfg);
}

/* Translates text (en -> es, Apertium) as k. Returns the status. */
static long translate_as(const char *k, const char *text, struct http_response *r)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}", text);
	return request_as("POST", "/v1/translate", k, body, r);
}

static void test_monthly_character_quota(void)
{
	char secret[128], id[64], text[64], auth[160], body[200];
	const char *dh[] = { auth, "Content-Type: application/json", NULL };
	struct http_response r;
	long long balance;
	int len;

	CU_ASSERT_EQUAL_FATAL(create(admin_key,
	                          "{\"name\":\"capped\",\"monthly_character_quota\":40}", secret,
	                          sizeof(secret), id, sizeof(id), &r),
	    201);
	CU_ASSERT_EQUAL(json_object_get_int64(
	                    json_object_object_get(r.json, "monthly_character_quota")),
	    40);
	http_free(&r);
	for (int i = 0; i < 2; i++) {
		/* 19 characters each, never seen before */
		snprintf(text, sizeof(text), "The house %03ld%d red.", (long)getpid() % 1000, i);
		CU_ASSERT_EQUAL(strlen(text), 19);
		CU_ASSERT_EQUAL(translate_as(secret, text, &r), 200);
		http_free(&r);
	}
	long long used = pg_num("SELECT characters FROM key_month_usage WHERE key_id = $1", id);
	CU_ASSERT_EQUAL(used, 38);
	balance = pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", ws);
	snprintf(text, sizeof(text), "The tree %ld is very tall.", (long)getpid());
	CU_ASSERT_EQUAL(translate_as(secret, text, &r), 429);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "type"),
	    "urn:dragoman:problem:key-quota-exceeded");
	CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "reset"));
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Retry-After"));
	CU_ASSERT(atol(http_header(&r, "Retry-After")) > 0);
	http_free(&r);
	/* refused before any upstream call: nothing charged, nothing left reserved */
	CU_ASSERT_EQUAL(pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", ws), balance);
	CU_ASSERT_EQUAL(pg_num("SELECT characters FROM key_month_usage WHERE key_id = $1", id),
	    used);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved FROM key_month_usage WHERE key_id = $1", id), 0);
	/* DeepL's clients see DeepL's quota status */
	snprintf(auth, sizeof(auth), "Authorization: DeepL-Auth-Key %s", secret);
	len = snprintf(body, sizeof(body),
	    "{\"text\":[\"%s\"],\"target_lang\":\"ES\","
	    "\"source_lang\":\"EN\"}",
	    text);
	CU_ASSERT_EQUAL(http_request("POST", "/v2/translate", dh, body, (size_t)len, &r), 456);
	http_free(&r);
	/* the list shows it */
	CU_ASSERT_EQUAL(get("/v1/keys", admin_key, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"characters_this_month\""));
	http_free(&r);
}

struct quota_racer {
	const char *key;
	int index;
	long status;
};

/* One translation of a 10-character text of its own. */
static void *quota_race(void *arg)
{
	struct quota_racer *q = arg;
	struct http_response r;
	char text[32];

	snprintf(text, sizeof(text), "Tree %05d", (int)((getpid() * 31 + q->index) % 100000));
	q->status = translate_as(q->key, text, &r);
	http_free(&r);
	return NULL;
}

static void test_quota_under_concurrency(void)
{
	struct quota_racer q[20];
	pthread_t t[20];
	char secret[128], id[64];
	struct http_response r;
	int ok = 0, refused = 0;

	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"monthly_character_quota\":100}", secret,
	                          sizeof(secret), id, sizeof(id), &r),
	    201);
	http_free(&r);
	for (int i = 0; i < 20; i++) {
		q[i] = (struct quota_racer){ secret, i, 0 };
		pthread_create(&t[i], NULL, quota_race, &q[i]);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		ok += q[i].status == 200;
		refused += q[i].status == 429;
		if (q[i].status != 200 && q[i].status != 429)
			fprintf(stderr, "\n  racer %d: status %ld\n", i, q[i].status);
	}
	fprintf(stderr,
	    "\n  20 racers of 10 characters against a quota of 100: %d served, %d "
	    "refused\n",
	    ok, refused);
	CU_ASSERT_EQUAL(ok, 10);
	CU_ASSERT_EQUAL(refused, 10);
	CU_ASSERT_EQUAL(pg_num("SELECT characters FROM key_month_usage WHERE key_id = $1", id),
	    100);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved FROM key_month_usage WHERE key_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE quota_key = $1", id), 0);
}

/* Runs sql (no parameters) on a connection of its own. Returns 0, or -1. */
static int pg_run(const char *sql)
{
	PGconn *pg = pg_connect();
	PGresult *res = PQexec(pg, sql);
	int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;

	if (rc < 0)
		fprintf(stderr, "\n  %s\n", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(pg);
	return rc;
}

/* Leaves what a worker killed in the middle of a translation leaves: a
 * hold of 1000 micros reserving 25 characters of key_id's quota this
 * month, expiring after expires (an interval) and owned by request_id
 * under Idempotency-Key idem (NULL: none). Returns 0, or -1. */
static int dead_hold(const char *key_id, const char *expires, const char *request_id,
    const char *idem)
{
	char sql[1400];

	snprintf(sql, sizeof(sql),
	    "BEGIN;"
	    "INSERT INTO credit_holds (workspace_id, amount_micros, request_id, expires_at,"
	    " idempotency_key, quota_key, quota_month, quota_characters) VALUES ('%s', 1000,"
	    " '%s', now() + interval '%s', %s%s%s, '%s',"
	    " date_trunc('month', now() AT TIME ZONE 'UTC')::date, 25);"
	    "INSERT INTO key_month_usage (key_id, month, reserved) VALUES ('%s',"
	    " date_trunc('month', now() AT TIME ZONE 'UTC')::date, 25) ON CONFLICT (key_id, month)"
	    " DO UPDATE SET reserved = key_month_usage.reserved + 25;"
	    "UPDATE workspaces SET reserved_micros = reserved_micros + 1000 WHERE id = '%s';"
	    "COMMIT;",
	    ws, request_id, expires, idem ? "'" : "", idem ? idem : "NULL", idem ? "'" : "", key_id,
	    key_id, ws);
	return pg_run(sql);
}

/* A hold that expired gives its characters back: a key with a quota of
 * 30, 25 of them held by a request that died, still translates 19. */
static void test_expired_hold_gives_quota_back(void)
{
	char secret[128], id[64], text[64];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"monthly_character_quota\":30}", secret,
	                          sizeof(secret), id, sizeof(id), &r),
	    201);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(dead_hold(id, "-1 second", "died-expired", NULL), 0);
	snprintf(text, sizeof(text), "A dog %05ld is red.", (long)getpid() % 100000);
	CU_ASSERT_EQUAL(strlen(text), 19);
	CU_ASSERT_EQUAL(translate_as(secret, text, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT characters FROM key_month_usage WHERE key_id = $1", id), 19);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved FROM key_month_usage WHERE key_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE quota_key = $1", id), 0);
	/* and the dead request's credit */
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", ws), 0);
}

/* A retry that takes over a dead request's Idempotency-Key gives back the
 * characters the dead attempt held, though its hold has not expired. */
static void test_takeover_gives_quota_back(void)
{
	char secret[128], id[64], text[64], body[160], idem[64], hash[65], sql[700];
	char auth[160], idem_header[96];
	const char *h[] = { auth, idem_header, "Content-Type: application/json", NULL };
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	struct http_response r;
	int len;

	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"monthly_character_quota\":30}", secret,
	                          sizeof(secret), id, sizeof(id), &r),
	    201);
	http_free(&r);
	snprintf(text, sizeof(text), "The cat %05ld is red", (long)getpid() % 100000);
	len = snprintf(body, sizeof(body), "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\"}",
	    text);
	snprintf(idem, sizeof(idem), "quota-takeover-%ld", (long)getpid());
	/* the request's identity: SHA-256 of method, path and body */
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, "POST", 5);
	EVP_DigestUpdate(ctx, "/v1/translate", 14);
	EVP_DigestUpdate(ctx, body, (size_t)len);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 32; i++)
		sprintf(hash + 2 * i, "%02x", md[i]);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO idempotency_keys (workspace_id, key, request_hash, state, lease_until, owner)"
	    " VALUES ('%s', '%s', decode('%s', 'hex'), 'in_flight', now() - interval '1 second',"
	    " 'died-in-flight')",
	    ws, idem, hash);
	CU_ASSERT_EQUAL_FATAL(pg_run(sql), 0);
	CU_ASSERT_EQUAL_FATAL(dead_hold(id, "1 hour", "died-in-flight", idem), 0);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", secret);
	snprintf(idem_header, sizeof(idem_header), "Idempotency-Key: %s", idem);
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, body, (size_t)len, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT characters FROM key_month_usage WHERE key_id = $1", id),
	    (long long)strlen(text));
	CU_ASSERT_EQUAL(pg_num("SELECT reserved FROM key_month_usage WHERE key_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE quota_key = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", ws), 0);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "create a named, scoped key; list without secrets", test_create_and_list },
		{ "scopes limit what a key may call", test_scopes_are_enforced },
		{ "no key makes a key with more than it holds", test_no_key_gains_more },
		{ "a key's keys inherit its quota and rate limits",
		    test_keys_inherit_quota_and_limits },
		{ "revocation: at once, everywhere, own keys only", test_revoke },
		{ "a lookup in flight does not bring a revoked key back",
		    test_revoked_key_not_written_back },
		{ "a key's monthly character quota: 429 (DeepL: 456), nothing charged",
		    test_monthly_character_quota },
		{ "the quota holds under concurrency", test_quota_under_concurrency },
		{ "an expired hold gives its characters back", test_expired_hold_gives_quota_back },
		{ "a takeover gives the dead attempt's characters back",
		    test_takeover_gives_quota_back },
		{ NULL, NULL }
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Keys", admin_key, sizeof(admin_key), ws, sizeof(ws)) < 0 ||
	    make_workspace("Other keys", other_key, sizeof(other_key), other_ws, sizeof(other_ws)) <
	        0) {
		fprintf(stderr, "test_keys: cannot create a workspace\n");
		return 99;
	}
	rc = cu_run("keys", tests);
	curl_global_cleanup();
	return rc;
}
