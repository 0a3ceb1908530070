/* Billing through a real web server: the freemium grant, charges for
 * translations at the configured prices, 402 before any upstream call,
 * concurrent charges that never overdraw, and a ledger the database keeps
 * immutable and equal to the balance. The DeepL stand-in is the paid
 * provider here (20.00 per million characters by default). */
#include "autoconfig.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

#define DEEPL_PRICE 20 /* EUR per million characters, the default */

static char key[128], ws[64];

/* POSTs body to path with key k, Idempotency-Key idem and X-Request-Id
 * rid (each NULL: none). Returns the status. */
static long post_with(const char *k, const char *path, const char *idem, const char *rid,
    const char *body, struct http_response *r)
{
	char auth[160], ih[300], rh[100];
	const char *h[5] = { auth, "Content-Type: application/json", NULL, NULL, NULL };
	int n = 2;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", k);
	snprintf(ih, sizeof(ih), "Idempotency-Key: %s", idem ? idem : "");
	snprintf(rh, sizeof(rh), "X-Request-Id: %s", rid ? rid : "");
	if (idem != NULL)
		h[n++] = ih;
	if (rid != NULL)
		h[n++] = rh;
	return http_request("POST", path, h, body, strlen(body), r);
}

/* POSTs the JSON body to path with key k. Returns the status. */
static long post_as(const char *k, const char *path, const char *body, struct http_response *r)
{
	return post_idem(k, path, NULL, body, r);
}

/* Returns the number member name of r's JSON, or -1. */
static long long jnum(const struct http_response *r, const char *name)
{
	const char *v = http_json_str(r, name);

	return v != NULL ? atoll(v) : -1;
}

/* Returns the counter member of the stand-in whose URL is in env, or -1. */
static long fixture_calls(const char *env, const char *member)
{
	char v[64];

	return fixture_state(env, member, v, sizeof(v)) == 0 ? atol(v) : -1;
}

/* Returns how many translate calls the DeepL stand-in has had, or -1. */
static long deepl_calls(void)
{
	return fixture_calls("DRAGOMAN_FIXTURE_DEEPL", "translate_calls");
}

/* Runs `dragoman-admin billing ARGS`. Returns 0 when it succeeded. */
static int billing(const char *args)
{
	char cmd[512], *out;

	snprintf(cmd, sizeof(cmd), "billing %s", args);
	out = admin(cmd);
	free(out);
	return out != NULL ? 0 : -1;
}

/* Makes a workspace; writes its key and id. Returns 0 or -1. */
static int fresh_workspace(const char *name, char *k, size_t ksz, char *id, size_t idsz)
{
	return make_workspace(name, k, ksz, id, idsz);
}

static void test_grant(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/balance", key, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "balance"), "3.000000");
	CU_ASSERT_EQUAL(jnum(&r, "balance_micros"), 3000000);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "currency"), "EUR");
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "plan"), "freemium");
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "month_to_date"), "0.000000");
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = "
	                       "'grant' AND amount_micros = 3000000",
	                    ws),
	    1);
}

/* A translation costs its billed characters at the provider's price
 * (rounded up to a micro); the same text again is a cache hit and free. */
static void test_charge_and_cached_free(void)
{
	struct http_response r;
	char body[256], rid[64], text[128];
	long long before = balance_of(key), chars, want;

	snprintf(text, sizeof(text), "Billing text number %ld is here.", (long)getpid());
	chars = (long long)strlen(text);
	want = (chars * DEEPL_PRICE * 1000000 + 999999) / 1000000;
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"de\","
	    "\"provider\":\"deepl\"}",
	    text);
	CU_ASSERT_EQUAL_FATAL(post_as(key, "/v1/translate", body, &r), 200);
	snprintf(rid, sizeof(rid), "%s", http_json_str(&r, "request_id"));
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(key), before - want);
	CU_ASSERT_EQUAL(pg_num("SELECT -amount_micros FROM ledger WHERE reference = $1 AND type = "
	                       "'debit'",
	                    rid),
	    want);
	CU_ASSERT_EQUAL(pg_num("SELECT cost_micros FROM usage_events WHERE request_id = $1", rid),
	    want);
	/* the hold was settled: nothing stays reserved */
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", ws), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", ws), 0);
	CU_ASSERT_EQUAL_FATAL(post_as(key, "/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "HIT");
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(key), before - want);
	/* newest first in the transactions list */
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/transactions?limit=1", key, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"type\":\"debit\""));
	CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "next_cursor"));
	http_free(&r);
}

/* A request that cannot be paid is a 402 before the provider is called;
 * DeepL's compatibility route says 456. */
static void test_insufficient_credits(void)
{
	char k[128], id[64], args[256], body[512];
	struct http_response r;
	long calls;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Poor", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(args, sizeof(args), "adjust %s --reason test -- -2.999990", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	CU_ASSERT_EQUAL(balance_of(k), 10);
	calls = deepl_calls();
	CU_ASSERT(calls >= 0);
	snprintf(body, sizeof(body),
	    "{\"text\":\"A text that costs more than ten micros %ld.\","
	    "\"source\":\"en\",\"target\":\"de\",\"provider\":\"deepl\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL_FATAL(post_as(k, "/v1/translate", body, &r), 402);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "type"),
	    "urn:dragoman:problem:insufficient-credits");
	http_free(&r);
	CU_ASSERT_EQUAL(deepl_calls(), calls); /* nothing was asked upstream */
	CU_ASSERT_EQUAL(balance_of(k), 10);
	{
		char auth[160];
		const char *h[] = { auth, "Content-Type: application/x-www-form-urlencoded", NULL };
		const char *form =
		    "text=Another+text+that+is+too+dear&target_lang=DE&source_lang=EN";
		snprintf(auth, sizeof(auth), "Authorization: DeepL-Auth-Key %s", k);
		CU_ASSERT_EQUAL(http_request("POST", "/v2/translate", h, form, strlen(form), &r),
		    456);
		CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "message"));
		http_free(&r);
	}
	/* a text another workspace had translated is cached: free, so served */
	snprintf(body, sizeof(body),
	    "{\"text\":\"Billing text number %ld is here.\",\"source\":"
	    "\"en\",\"target\":\"de\",\"provider\":\"deepl\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL(post_as(k, "/v1/translate", body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "HIT");
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 10);
}

/* The monthly cap refuses with its own problem type. */
static void test_monthly_cap(void)
{
	char k[128], id[64], args[256], body[256];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Capped", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(args, sizeof(args), "cap %s 0.000100", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	snprintf(body, sizeof(body),
	    "{\"text\":\"This one is more than a hundred micros %ld, "
	    "surely.\",\"source\":\"en\",\"target\":\"de\",\"provider\":\"deepl\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL_FATAL(post_as(k, "/v1/translate", body, &r), 402);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "type"),
	    "urn:dragoman:problem:monthly-cap-exceeded");
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/billing/balance", k, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "monthly_cap"), "0.000100");
	http_free(&r);
	snprintf(args, sizeof(args), "cap %s plan", id);
	CU_ASSERT_EQUAL(billing(args), 0);
	CU_ASSERT_EQUAL(post_as(k, "/v1/translate", body, &r), 200);
	http_free(&r);
}

struct racer {
	const char *key;
	int index;
	long status;
};

/* Translates one text of its own (a miss) with the racer's key. */
static void *race(void *arg)
{
	struct racer *x = arg;
	struct http_response r;
	char body[256];

	/* 50 characters each, so 1000 micros at 20.00 per million */
	snprintf(body, sizeof(body),
	    "{\"text\":\"Racing text %06d of process %08ld, go go go!!\","
	    "\"source\":\"en\",\"target\":\"de\",\"provider\":\"deepl\"}",
	    x->index, (long)getpid());
	x->status = post_as(x->key, "/v1/translate", body, &r);
	http_free(&r);
	return NULL;
}

/* 40 concurrent requests of 1000 micros each against 10500 micros: exactly
 * 10 are paid, the others get 402, and the books balance. */
static void test_concurrent_charges_never_overdraw(void)
{
	char k[128], id[64], args[256];
	struct racer x[40];
	pthread_t t[40];
	int ok = 0, refused = 0;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Race", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(args, sizeof(args), "adjust %s --reason race -- -2.989500", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	CU_ASSERT_EQUAL_FATAL(balance_of(k), 10500);
	for (int i = 0; i < 40; i++) {
		x[i].key = k;
		x[i].index = i;
		pthread_create(&t[i], NULL, race, &x[i]);
	}
	for (int i = 0; i < 40; i++) {
		pthread_join(t[i], NULL);
		ok += x[i].status == 200;
		refused += x[i].status == 402;
	}
	fprintf(stderr, "\n  40 racers: %d paid, %d refused\n", ok, refused);
	CU_ASSERT_EQUAL(ok, 10);
	CU_ASSERT_EQUAL(refused, 30);
	CU_ASSERT_EQUAL(balance_of(k), 500);
	CU_ASSERT_EQUAL(pg_num("SELECT sum(amount_micros) FROM ledger WHERE workspace_id = $1", id),
	    500);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = "
	                       "'debit'",
	                    id),
	    10);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
}

/* Runs sql on its own connection; returns 1 when PostgreSQL refused it. */
static int refused(const char *sql)
{
	PGconn *pg = pg_connect();
	PGresult *res = PQexec(pg, sql);
	int bad = PQresultStatus(res) != PGRES_COMMAND_OK;

	PQclear(res);
	PQfinish(pg);
	return bad;
}

/* The database keeps the books: no ledger row changes or disappears, no
 * balance moves without its ledger row, and every balance is its ledger. */
static void test_ledger_is_enforced(void)
{
	char sql[256];

	CU_ASSERT(refused("UPDATE ledger SET amount_micros = 1"));
	CU_ASSERT(refused("DELETE FROM ledger"));
	CU_ASSERT(refused("TRUNCATE ledger"));
	snprintf(sql, sizeof(sql),
	    "UPDATE workspaces SET balance_micros = balance_micros + 1 "
	    "WHERE id = '%s'",
	    ws);
	CU_ASSERT(refused(sql));
	snprintf(sql, sizeof(sql), "UPDATE workspaces SET balance_micros = -1 WHERE id = '%s'", ws);
	CU_ASSERT(refused(sql));
	CU_ASSERT_EQUAL(
	    pg_num(
	        "SELECT count(*) FROM workspaces w WHERE balance_micros <> "
	        "(SELECT coalesce(sum(amount_micros), 0) FROM ledger l WHERE l.workspace_id = w.id)",
	        NULL),
	    0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM workspaces WHERE balance_micros < 0", NULL),
	    0);
}

static void test_pricing_route(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/pricing", key, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body,
	    "\"model\":\"deepl\",\"unit\":\"characters\","
	    "\"per_million\":\"20.000000\",\"per_million_micros\":20000000"));
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/billing/transactions?type=bogus", key, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/billing/transactions?from=yesterday", key, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/billing/transactions?from=2026-13-40", key, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/billing/transactions?type=grant&from=2020-01-01", key, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"type\":\"grant\""));
	CU_ASSERT_PTR_NULL(strstr(r.body, "\"type\":\"debit\""));
	http_free(&r);
}

/* POSTs body to /v1/billing/usage with key k and Idempotency-Key idem
 * (NULL: none). Returns the status. */
static long charge(const char *k, const char *idem, const char *body, struct http_response *r)
{
	return post_idem(k, "/v1/billing/usage", idem, body, r);
}

struct usage_case {
	int line;
	const char *idem;
	const char *body;
	long want;
};

static const struct usage_case usage_cases[] = {
	{ __LINE__, NULL, "{\"quantity\":10,\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\"}",
	    400 },
	{ __LINE__, "", "{\"quantity\":10,\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\"}", 400 },
	{ __LINE__, "k-unit", "{\"quantity\":10,\"unit\":\"bytes\",\"model\":\"openai/gpt-4o\"}",
	    400 },
	{ __LINE__, "k-model", "{\"quantity\":10,\"unit\":\"tokens\",\"model\":\"openai/gpt-9\"}",
	    400 },
	{ __LINE__, "k-slash", "{\"quantity\":10,\"unit\":\"characters\",\"model\":\"apertium\"}",
	    400 },
	{ __LINE__, "k-neg", "{\"quantity\":-5,\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\"}",
	    400 },
	{ __LINE__, "k-zero", "{\"quantity\":0,\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\"}",
	    400 },
	{ __LINE__, "k-huge",
	    "{\"quantity\":1000000000000,\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\"}", 400 },
	{ __LINE__, "k-float", "{\"quantity\":1.5,\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\"}",
	    400 },
	{ __LINE__, "k-str", "{\"quantity\":\"5\",\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\"}",
	    400 },
	{ __LINE__, "k-extra",
	    "{\"quantity\":5,\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\","
	    "\"price\":0}",
	    400 },
};

/* Bad metering requests are 400s that charge nothing. */
static void test_usage_bad_requests(void)
{
	long long before = balance_of(key);

	for (size_t i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++) {
		struct http_response r;
		long st = charge(key, usage_cases[i].idem, usage_cases[i].body, &r);
		if (st != usage_cases[i].want)
			fprintf(stderr, "\n  line %d: %ld %s\n", usage_cases[i].line, st, r.body);
		CU_ASSERT_EQUAL(st, usage_cases[i].want);
		CU_ASSERT(http_is_problem(&r));
		http_free(&r);
	}
	CU_ASSERT_EQUAL(balance_of(key), before);
}

/* A charge at the table's price; the same key and body replays the first
 * response byte for byte and charges once; another body under that key is
 * a 422. */
static void test_usage_idempotent(void)
{
	struct http_response r1, r2, r3;
	const char *body = "{\"quantity\":1234,\"unit\":\"tokens\",\"model\":\"openai/gpt-4o\","
	                   "\"description\":\"chat turn\"}";
	char idem[64];
	long long before = balance_of(key);

	snprintf(idem, sizeof(idem), "once-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(charge(key, idem, body, &r1), 200);
	/* 1234 tokens at 10.00 per million: 12340 micros */
	CU_ASSERT_STRING_EQUAL(http_json_str(&r1, "charged"), "0.012340");
	CU_ASSERT_EQUAL(balance_of(key), before - 12340);
	CU_ASSERT_EQUAL_FATAL(charge(key, idem, body, &r2), 200);
	CU_ASSERT_STRING_EQUAL(r2.body, r1.body);
	CU_ASSERT_STRING_EQUAL(http_header(&r2, "Idempotent-Replayed"), "true");
	CU_ASSERT_EQUAL(balance_of(key), before - 12340);
	CU_ASSERT_EQUAL(charge(key, idem,
	                    "{\"quantity\":1,\"unit\":\"tokens\",\"model\":"
	                    "\"openai/gpt-4o\"}",
	                    &r3),
	    422);
	CU_ASSERT(http_is_problem(&r3));
	http_free(&r3);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE idempotency_key = $1", idem), 1);
	CU_ASSERT_EQUAL(pg_num("SELECT -amount_micros FROM ledger WHERE idempotency_key = $1",
	                    idem),
	    12340);
	CU_ASSERT_PTR_NOT_NULL(pg_value("SELECT 1 FROM ledger WHERE idempotency_key = $1 AND "
	                                "description LIKE 'openai/gpt-4o: 1234 tokens - chat turn'",
	    idem));
	http_free(&r1);
	http_free(&r2);
}

struct inflight {
	const char *idem;
	const char *path;
	const char *body;
	long status;
	int replayed; /* the answer carried Idempotent-Replayed */
};

static void *inflight_post(void *arg)
{
	struct inflight *x = arg;
	struct http_response r;

	x->status = post_idem(key, x->path, x->idem, x->body, &r);
	x->replayed = http_header(&r, "Idempotent-Replayed") != NULL;
	http_free(&r);
	return NULL;
}

/* Locks the test workspace's row on pg (in a transaction the caller ends)
 * the way a charge would: a reservation or a debit waits behind it. */
static void lock_workspace_row(PGconn *pg)
{
	char sql[256];
	PGresult *res;

	PQclear(PQexec(pg, "BEGIN"));
	/* blocks the reservation (an UPDATE) but not a claim (whose foreign
	 * key check only shares the row) */
	snprintf(sql, sizeof(sql), "SELECT 1 FROM workspaces WHERE id = '%s' FOR NO KEY UPDATE",
	    ws);
	res = PQexec(pg, sql);
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
}

/* While the first translation with a key is still running (its key
 * claimed, its credit not yet reserved), a second one with the same key
 * is told 409, and the first completes normally. */
static void test_usage_in_flight(void)
{
	char idem[64], body[160];
	struct inflight x = { idem, "/v1/translate", body, 0, 0 };
	struct http_response r;
	pthread_t t;
	PGconn *pg = pg_connect();

	snprintf(idem, sizeof(idem), "slow-%ld", (long)getpid());
	snprintf(body, sizeof(body),
	    "{\"text\":\"A slow request %ld.\",\"source\":\"en\","
	    "\"target\":\"es\"}",
	    (long)getpid());
	lock_workspace_row(pg);
	pthread_create(&t, NULL, inflight_post, &x);
	usleep(500 * 1000); /* the first one now waits on the row lock */
	CU_ASSERT_EQUAL(post_idem(key, "/v1/translate", idem, body, &r), 409);
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Retry-After"));
	http_free(&r);
	PQclear(PQexec(pg, "ROLLBACK"));
	PQfinish(pg);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(x.status, 200);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE idempotency_key = $1", idem), 1);
}

/* A metered charge claims its key in the statement that charges: a
 * repeat while the first waits on the workspace's row waits for the first
 * to commit, and gets its answer; one charge. */
static void test_usage_repeat_waits_for_the_first(void)
{
	static const char body[] = "{\"quantity\":1,\"unit\":\"requests\",\"model\":"
	                           "\"dragoman/call\"}";
	char idem[64];
	struct inflight first = { idem, "/v1/billing/usage", body, 0, 0 };
	struct inflight repeat = { idem, "/v1/billing/usage", body, 0, 0 };
	pthread_t t1, t2;
	PGconn *pg = pg_connect();

	snprintf(idem, sizeof(idem), "waits-%ld", (long)getpid());
	lock_workspace_row(pg);
	pthread_create(&t1, NULL, inflight_post, &first);
	usleep(500 * 1000); /* the first one now waits on the row lock */
	pthread_create(&t2, NULL, inflight_post, &repeat);
	usleep(500 * 1000); /* and the repeat on the first's key */
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE idempotency_key = $1", idem), 0);
	PQclear(PQexec(pg, "ROLLBACK"));
	PQfinish(pg);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CU_ASSERT_EQUAL(first.status, 200);
	CU_ASSERT_EQUAL(repeat.status, 200);
	CU_ASSERT_EQUAL(first.replayed + repeat.replayed, 1);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE idempotency_key = $1", idem), 1);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_events e JOIN ledger l ON"
	                       " l.reference = e.request_id WHERE l.idempotency_key = $1",
	                    idem),
	    1);
}


/* A metered charge with a new key and enough credit is the one statement:
 * it reserves nothing (no credit hold is ever made), and each is one
 * ledger row with its usage event and its stored answer. */
static void test_usage_is_one_statement(void)
{
	char idem[64];
	struct http_response r;

	/* every credit hold made while it runs is noted */
	CU_ASSERT_EQUAL_FATAL(
	    sql_script("CREATE TABLE test_holds_made (workspace_id uuid);"
	               "CREATE FUNCTION test_note_hold() RETURNS trigger LANGUAGE plpgsql AS"
	               " $$ BEGIN INSERT INTO test_holds_made VALUES (NEW.workspace_id);"
	               " RETURN NEW; END $$;"
	               "CREATE TRIGGER test_note_hold AFTER INSERT ON credit_holds"
	               " FOR EACH ROW EXECUTE FUNCTION test_note_hold()"),
	    0);
	for (int i = 0; i < 5; i++) {
		snprintf(idem, sizeof(idem), "one-%ld-%d", (long)getpid(), i);
		CU_ASSERT_EQUAL(
		    charge(key, idem,
		        "{\"quantity\":1,\"unit\":\"requests\",\"model\":\"dragoman/call\"}", &r),
		    200);
		http_free(&r);
		CU_ASSERT_EQUAL(
		    pg_num("SELECT count(*) FROM ledger l JOIN usage_events e ON"
		           " e.request_id = l.reference AND e.cost_micros = -l.amount_micros JOIN"
		           " idempotency_keys k ON k.key = l.idempotency_key AND k.state = 'done'"
		           " AND k.status = 200 WHERE l.idempotency_key = $1",
		        idem),
		    1);
	}
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM test_holds_made WHERE workspace_id = $1", ws),
	    0);
	CU_ASSERT_EQUAL(sql_script("DROP TRIGGER test_note_hold ON credit_holds;"
	                           "DROP FUNCTION test_note_hold(); DROP TABLE test_holds_made"),
	    0);
}

/* A metered request answered with a problem bills no characters: its
 * usage event says 0, whatever quantity it asked for. */
static void test_usage_problem_bills_nothing(void)
{
	char idem[64];
	struct http_response r;

	snprintf(idem, sizeof(idem), "billed-%ld", (long)getpid());
	CU_ASSERT_EQUAL(charge(key, idem,
	                    "{\"quantity\":100,\"unit\":\"characters\",\"model\":\"acme/letters\"}",
	                    &r),
	    200);
	http_free(&r);
	/* the same key for another request: 422 */
	CU_ASSERT_EQUAL(charge(key, idem,
	                    "{\"quantity\":101,\"unit\":\"characters\",\"model\":\"acme/letters\"}",
	                    &r),
	    422);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_events WHERE workspace_id = $1"
	                       " AND endpoint = 'usage' AND status = 422 AND characters = 101",
	                    ws),
	    1);
	CU_ASSERT_EQUAL(pg_num("SELECT coalesce(max(billed_characters), 0) FROM usage_events"
	                       " WHERE workspace_id = $1 AND endpoint = 'usage' AND status >= 400",
	                    ws),
	    0);
}

/* A charge refused in its one statement because a request that died
 * still holds the credit goes the general way, which gives the expired
 * hold back first: it is charged, not refused. */
static void test_usage_expired_hold_does_not_refuse(void)
{
	char k[128], id[64], sql[512];
	struct http_response r;
	PGconn *pg;
	PGresult *res;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Expired hold", k, sizeof(k), id, sizeof(id)), 0);
	pg = pg_connect();
	/* all of its credit held by a request that died an hour ago */
	snprintf(sql, sizeof(sql),
	    "WITH h AS (INSERT INTO credit_holds (workspace_id, amount_micros, request_id,"
	    " expires_at, owner) SELECT id, balance_micros, 'dead', now() - interval '1 hour',"
	    " 'dead-owner' FROM workspaces WHERE id = '%s' RETURNING workspace_id, amount_micros)"
	    " UPDATE workspaces w SET reserved_micros = h.amount_micros FROM h"
	    " WHERE w.id = h.workspace_id",
	    id);
	res = PQexec(pg, sql);
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(pg);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/usage", "after-dead",
	                    "{\"quantity\":1,\"unit\":\"requests\",\"model\":\"dragoman/call\"}",
	                    &r),
	    200);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1"
	                       " AND idempotency_key = 'after-dead'",
	                    id),
	    1);
}

struct meter {
	const char *key;
	int first, count;
	int ok, refused, capped, other; /* 402 for credit; 402 for the cap */
};

/* Sends count charges of 1 request of dragoman/call (10000 micros). */
static void *meter_run(void *arg)
{
	struct meter *m = arg;
	char idem[64];

	for (int i = 0; i < m->count; i++) {
		struct http_response r;
		long st;
		snprintf(idem, sizeof(idem), "race-%ld-%d", (long)getpid(), m->first + i);
		st = charge(m->key, idem,
		    "{\"quantity\":1,\"unit\":\"requests\",\"model\":"
		    "\"dragoman/call\"}",
		    &r);
		if (st == 200)
			m->ok++;
		else if (st == 402 && http_json_str(&r, "type") != NULL &&
		    strstr(http_json_str(&r, "type"), "monthly-cap") != NULL)
			m->capped++;
		else if (st == 402)
			m->refused++;
		else
			m->other++;
		http_free(&r);
	}
	return NULL;
}

/* The whole balance of workspace id: the main one and its credit lanes'. */
static long long total_balance(const char *id)
{
	return pg_num(
	    "SELECT balance_micros + credit_lanes_total(id) FROM workspaces WHERE id = $1", id);
}

/* Gives workspace id n credit lanes. Returns 0 or -1. */
static int set_lanes(const char *id, int n)
{
	char args[128];

	snprintf(args, sizeof(args), "lanes %s %d", id, n);
	return billing(args);
}

/* 2000 charges from 20 clients at once against credit for 1234 of them
 * (the workspace's credit in lanes credit lanes): exactly 1234 are paid,
 * 766 get 402, and balance == grant - charges == the ledger's sum, never
 * negative. */
static void concurrent_charges(int lanes)
{
	char k[128], id[64], args[256];
	struct meter m[20];
	pthread_t t[20];
	int ok = 0, refused = 0, other = 0;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Meter", k, sizeof(k), id, sizeof(id)), 0);
	/* 1234 charges of 10000 micros, and a remainder too small for one more */
	snprintf(args, sizeof(args), "grant %s 9.345000", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	snprintf(args, sizeof(args), "cap %s 100", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	if (lanes > 0)
		CU_ASSERT_EQUAL_FATAL(set_lanes(id, lanes), 0);
	CU_ASSERT_EQUAL_FATAL(balance_of(k), 12345000);
	for (int i = 0; i < 20; i++) {
		m[i] = (struct meter){ k, i * 100, 100, 0, 0, 0, 0 };
		pthread_create(&t[i], NULL, meter_run, &m[i]);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		ok += m[i].ok;
		refused += m[i].refused;
		other += m[i].other + m[i].capped;
	}
	fprintf(stderr, "\n  2000 charges: %d paid, %d refused, %d other\n", ok, refused, other);
	CU_ASSERT_EQUAL(ok, 1234);
	CU_ASSERT_EQUAL(refused, 766);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL(balance_of(k), 12345000 - 1234 * 10000LL);
	CU_ASSERT_EQUAL(total_balance(id), 12345000 - 1234 * 10000LL);
	CU_ASSERT_EQUAL(pg_num("SELECT sum(amount_micros) FROM ledger WHERE workspace_id = $1", id),
	    12345000 - 1234 * 10000LL);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = "
	                       "'debit'",
	                    id),
	    1234);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_events WHERE workspace_id = $1 AND "
	                       "status = 402",
	                    id),
	    766);
	/* the month's spend is exactly the debits, whatever the lanes hold */
	CU_ASSERT_EQUAL(pg_num("SELECT month_spent_micros - credit_lanes_month_total(id)"
	                       " FROM workspaces WHERE id = $1",
	                    id),
	    1234 * 10000LL);
	if (lanes > 0) {
		long long on_lanes = pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1"
		                            " AND type = 'debit' AND lane > 0",
		    id);
		fprintf(stderr, "  %lld of the debits on lanes, %lld transfers\n", on_lanes,
		    pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type ="
		           " 'transfer'",
		        id));
		CU_ASSERT(on_lanes > 0);
		/* transfers move money between chains and add up to nothing */
		CU_ASSERT_EQUAL(pg_num("SELECT coalesce(sum(amount_micros), 0) FROM ledger"
		                       " WHERE workspace_id = $1 AND type = 'transfer'",
		                    id),
		    0);
		/* each chain sums to its balance */
		CU_ASSERT_EQUAL(
		    pg_num("SELECT count(*) FROM credit_lanes c WHERE c.workspace_id = $1"
		           " AND c.balance_micros <> (SELECT coalesce(sum(amount_micros), 0)"
		           " FROM ledger l WHERE l.workspace_id = c.workspace_id"
		           " AND l.lane = c.lane)",
		        id),
		    0);
	}
}

static void test_2000_concurrent_charges(void)
{
	concurrent_charges(0);
}

static void test_2000_concurrent_charges_lanes(void)
{
	concurrent_charges(8);
}

struct retrier {
	const char *key;
	int first, count;
	int paid;
};

/* Charges count keys, retrying each (same key) until a definite answer. */
static void *retry_run(void *arg)
{
	struct retrier *x = arg;
	char idem[64];

	for (int i = 0; i < x->count; i++) {
		long st = 0;
		snprintf(idem, sizeof(idem), "kill-%ld-%d", (long)getpid(), x->first + i);
		for (int attempt = 0; attempt < 200 && st != 200 && st != 402; attempt++) {
			struct http_response r;
			st = charge(x->key, idem,
			    "{\"quantity\":1,\"unit\":\"requests\",\"model\":"
			    "\"dragoman/call\"}",
			    &r);
			http_free(&r);
			if (st != 200 && st != 402)
				usleep(50 * 1000);
		}
		x->paid += st == 200;
	}
	return NULL;
}

/* Workers killed with SIGKILL in the middle of charging: every key that
 * was answered 200 was charged exactly once, none twice, and the books
 * balance. */
static void sigkill_while_charging(int lanes)
{
	char k[128], id[64], args[256];
	struct retrier x[8];
	pthread_t t[8];
	int paid = 0, killed = 0;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Killed", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(args, sizeof(args), "cap %s 100", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	if (lanes > 0)
		CU_ASSERT_EQUAL_FATAL(set_lanes(id, lanes), 0);
	for (int i = 0; i < 8; i++) {
		x[i] = (struct retrier){ k, i * 40, 40, 0 };
		pthread_create(&t[i], NULL, retry_run, &x[i]);
	}
	/* (mod_fcgid respawns slowly: some rounds find no worker to kill) */
	for (int round = 0; round < 12 && killed < 4; round++) {
		usleep(300 * 1000);
		killed += kill_workers();
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		paid += x[i].paid;
	}
	CU_ASSERT_EQUAL(wait_for_service(), 0);
	fprintf(stderr, "\n  killed %d workers while charging; %d of 320 keys paid\n", killed,
	    paid);
	CU_ASSERT(killed >= 4);
	/* 3.00 EUR of grant at 0.01 each; a key asked while a killed request
	 * still held credit may be refused, so up to one fewer per kill */
	CU_ASSERT(paid <= 300 && paid >= 300 - killed);
	/* and no killed request's hold is left once its key was retried */
	if (pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id) != 0) {
		char *left = pg_value(
		    "SELECT string_agg(h.request_id || ' key ' || coalesce("
		    "h.idempotency_key, '-') || ' at ' || h.created_at || ' state ' || coalesce(k.state,"
		    " '(no key)') || ' owner ' || coalesce(k.owner, '-'), '; ') FROM credit_holds h"
		    " LEFT JOIN idempotency_keys k ON k.workspace_id = h.workspace_id AND"
		    " k.key = h.idempotency_key WHERE h.workspace_id = $1",
		    id);
		fprintf(stderr, "  holds left: %s\n", left ? left : "(none listed)");
		free(left);
	}
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = "
	                       "'debit'",
	                    id),
	    paid);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM (SELECT idempotency_key FROM ledger WHERE "
	                       "workspace_id = $1 AND idempotency_key IS NOT NULL GROUP BY 1"
	                       " HAVING count(*) > 1) d",
	                    id),
	    0);
	if (lanes > 0)
		CU_ASSERT(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND lane > 0"
		                 " AND type = 'debit'",
		              id) > 0);
	CU_ASSERT_EQUAL(total_balance(id), 3000000 - paid * 10000LL);
	CU_ASSERT_EQUAL(pg_num("SELECT sum(amount_micros) FROM ledger WHERE workspace_id = $1", id),
	    3000000 - paid * 10000LL);
}

static void test_sigkill_while_charging(void)
{
	sigkill_while_charging(0);
}

static void test_sigkill_while_charging_lanes(void)
{
	sigkill_while_charging(4);
}

/* With credit lanes, the monthly cap holds exactly: 150 charges of 0.01
 * at once under a cap of 1.00 (and 3.00 of credit): 100 paid, 50 refused
 * for the cap, and the month's spend is exactly 1.00. */
static void test_lanes_cap_is_exact(void)
{
	char k[128], id[64], args[256];
	struct meter c[10];
	pthread_t t[10];
	int paid = 0, capped = 0, other = 0;
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Lanes cap", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(args, sizeof(args), "cap %s 1.00", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	CU_ASSERT_EQUAL_FATAL(set_lanes(id, 4), 0);
	for (int i = 0; i < 10; i++) {
		c[i] = (struct meter){ k, i * 15, 15, 0, 0, 0, 0 };
		pthread_create(&t[i], NULL, meter_run, &c[i]);
	}
	for (int i = 0; i < 10; i++) {
		pthread_join(t[i], NULL);
		paid += c[i].ok;
		capped += c[i].capped;
		other += c[i].refused + c[i].other; /* anything but paid or capped */
	}
	fprintf(stderr, "\n  150 charges under a cap of 1.00: %d paid, %d capped, %d other\n", paid,
	    capped, other);
	CU_ASSERT_EQUAL(paid, 100);
	CU_ASSERT_EQUAL(capped, 50);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/balance", k, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "month_to_date"), "1.000000");
	CU_ASSERT_EQUAL(jnum(&r, "balance_micros"), 2000000);
	http_free(&r);
	CU_ASSERT_EQUAL(total_balance(id), 2000000);
}

/* A monthly cap lowered below what the lanes hold stops them: the next
 * charge is refused for the cap, and the month's spend stays the cap. */
static void test_lanes_stop_at_a_lowered_cap(void)
{
	char k[128], id[64], idem[64], args[256];
	struct http_response r;
	long st;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Lanes lowered", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(args, sizeof(args), "cap %s 3.00", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	CU_ASSERT_EQUAL_FATAL(set_lanes(id, 4), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(idem, sizeof(idem), "lowered-%ld-%d", (long)getpid(), i);
		CU_ASSERT_EQUAL(charge(k, idem,
		                    "{\"quantity\":1,\"unit\":\"requests\",\"model\":"
		                    "\"dragoman/call\"}",
		                    &r),
		    200);
		http_free(&r);
	}
	CU_ASSERT(pg_num("SELECT credit_lanes_total($1)", id) > 0);
	/* 0.03 spent: a cap of 0.03 leaves nothing */
	snprintf(args, sizeof(args), "cap %s 0.03", id);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	snprintf(idem, sizeof(idem), "lowered-%ld-over", (long)getpid());
	st = charge(k, idem, "{\"quantity\":1,\"unit\":\"requests\",\"model\":\"dragoman/call\"}",
	    &r);
	CU_ASSERT_EQUAL(st, 402);
	CU_ASSERT(http_json_str(&r, "type") != NULL &&
	    strstr(http_json_str(&r, "type"), "monthly-cap") != NULL);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/balance", k, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "month_to_date"), "0.030000");
	CU_ASSERT_EQUAL(jnum(&r, "balance_micros"), 2970000);
	http_free(&r);
}

/* An operator's correction that takes more than the main balance holds
 * takes it from the lanes too (swept back first), and turning the lanes
 * off brings all of their credit back; the transactions list each row
 * with its chain. */
static void test_lanes_swept_back(void)
{
	char k[128], id[64], idem[64], args[256];
	struct http_response r;
	char *out;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Lanes back", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_lanes(id, 2), 0);
	for (int i = 0; i < 20; i++) {
		snprintf(idem, sizeof(idem), "back-%ld-%d", (long)getpid(), i);
		CU_ASSERT_EQUAL(charge(k, idem,
		                    "{\"quantity\":1,\"unit\":\"requests\",\"model\":"
		                    "\"dragoman/call\"}",
		                    &r),
		    200);
		http_free(&r);
	}
	CU_ASSERT_EQUAL(total_balance(id), 2800000);
	/* the lanes hold some of it, the main balance less than 2.70 */
	CU_ASSERT(pg_num("SELECT credit_lanes_total($1)", id) > 0);
	CU_ASSERT(pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", id) < 2700000);
	snprintf(args, sizeof(args), "billing adjust %s --reason lanes-test -- -2.70", id);
	out = admin(args);
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	CU_ASSERT_EQUAL(total_balance(id), 100000);
	CU_ASSERT_EQUAL(pg_num("SELECT credit_lanes_total($1)", id), 0);
	CU_ASSERT_EQUAL(balance_of(k), 100000);
	/* the transfers, each on its chain */
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/transactions?type=transfer&limit=100", k, &r), 200);
	struct json_object *list = NULL, *first;
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "transactions", &list));
	CU_ASSERT(json_object_array_length(list) >= 4);
	int lanes_seen = 0;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *lane;
		first = json_object_array_get_idx(list, i);
		CU_ASSERT(json_object_object_get_ex(first, "lane", &lane));
		lanes_seen += json_object_get_int(lane) > 0;
	}
	CU_ASSERT(lanes_seen > 0);
	http_free(&r);
	/* lanes off: nothing left on them, rows gone */
	CU_ASSERT_EQUAL(set_lanes(id, 0), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_lanes WHERE workspace_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", id), 100000);
}

static char platform_key[128];

/* Operators credit any workspace; a workspace's own admin key cannot. */
static void test_admin_credits(void)
{
	char k[128], id[64], path[160], idem[64];
	struct http_response r, r2;
	long long before;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Operator", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(make_key(id, "platform", platform_key, sizeof(platform_key)), 0);
	before = balance_of(key);
	snprintf(path, sizeof(path), "/v1/admin/workspaces/%s/credits", ws);
	CU_ASSERT_EQUAL(post_idem(key, path, NULL, "{\"amount\":\"5.00\",\"reason\":\"self\"}", &r),
	    403);
	http_free(&r);
	snprintf(idem, sizeof(idem), "grant-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(post_idem(platform_key, path, idem,
	                          "{\"amount\":\"5.00\",\"reason\":"
	                          "\"goodwill\"}",
	                          &r),
	    200);
	CU_ASSERT_EQUAL(balance_of(key), before + 5000000);
	CU_ASSERT_EQUAL(post_idem(platform_key, path, idem,
	                    "{\"amount\":\"5.00\",\"reason\":"
	                    "\"goodwill\"}",
	                    &r2),
	    200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r2, "ledger_id"), http_json_str(&r, "ledger_id"));
	CU_ASSERT_EQUAL(balance_of(key), before + 5000000);
	http_free(&r);
	http_free(&r2);
	CU_ASSERT_EQUAL(post_idem(platform_key, path, idem,
	                    "{\"amount\":\"6.00\",\"reason\":"
	                    "\"goodwill\"}",
	                    &r),
	    422);
	http_free(&r);
	CU_ASSERT_EQUAL(post_idem(platform_key, path, NULL,
	                    "{\"amount\":\"-1.00\",\"reason\":\"x\"}", &r),
	    400);
	http_free(&r);
	CU_ASSERT_EQUAL(post_idem(platform_key, path, NULL,
	                    "{\"amount\":\"-1.00\",\"type\":"
	                    "\"adjustment\",\"reason\":\"correction\"}",
	                    &r),
	    200);
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(key), before + 4000000);
	/* found by the model check: an adjustment sent again under its key
	 * after the balance fell below its amount replays the first change
	 * (it was a 400), and another body under it is still a 422 */
	{
		char key2[64], wpath[160];
		long long now;
		snprintf(key2, sizeof(key2), "take-%ld", (long)getpid());
		snprintf(wpath, sizeof(wpath), "/v1/admin/workspaces/%s/credits", id);
		CU_ASSERT_EQUAL_FATAL(post_idem(platform_key, wpath, key2,
		                          "{\"amount\":\"-2.00\","
		                          "\"type\":\"adjustment\",\"reason\":\"take\"}",
		                          &r),
		    200);
		CU_ASSERT_EQUAL(post_idem(platform_key, wpath, NULL,
		                    "{\"amount\":\"-0.90\","
		                    "\"type\":\"adjustment\",\"reason\":\"spent\"}",
		                    &r2),
		    200);
		http_free(&r2);
		now = balance_of(k);
		CU_ASSERT_EQUAL(now, 100000);
		CU_ASSERT_EQUAL(post_idem(platform_key, wpath, key2,
		                    "{\"amount\":\"-2.00\","
		                    "\"type\":\"adjustment\",\"reason\":\"take\"}",
		                    &r2),
		    200);
		CU_ASSERT_STRING_EQUAL(http_json_str(&r2, "ledger_id")
		        ? http_json_str(&r2, "ledger_id")
		        : "",
		    http_json_str(&r, "ledger_id"));
		http_free(&r2);
		CU_ASSERT_EQUAL(post_idem(platform_key, wpath, key2,
		                    "{\"amount\":\"-3.00\","
		                    "\"type\":\"adjustment\",\"reason\":\"take\"}",
		                    &r2),
		    422);
		http_free(&r2);
		http_free(&r);
		CU_ASSERT_EQUAL(balance_of(k), now);
	}
	CU_ASSERT_EQUAL(post_idem(platform_key,
	                    "/v1/admin/workspaces/00000000-0000-4000-8000-"
	                    "000000000000/credits",
	                    NULL, "{\"amount\":\"1.00\",\"reason\":\"x\"}", &r),
	    404);
	http_free(&r);
	CU_ASSERT_EQUAL(post_idem(platform_key, "/v1/admin/workspaces/nope/credits", NULL,
	                    "{\"amount\":\"1.00\",\"reason\":\"x\"}", &r),
	    404);
	http_free(&r);
}

struct redeemer {
	char key[128];
	const char *code;
	long status;
};

static void *redeem_run(void *arg)
{
	struct redeemer *x = arg;
	struct http_response r;
	char body[128];

	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", x->code);
	x->status = post_idem(x->key, "/v1/billing/coupons/redeem", NULL, body, &r);
	http_free(&r);
	return NULL;
}

/* Coupons: once per workspace, up to their redemptions, until they expire,
 * and 8 workspaces racing for 3 redemptions get exactly 3. */
static void test_coupons(void)
{
	char code[64], old[64], body[256], id[64];
	struct http_response r;
	struct redeemer x[8];
	pthread_t t[8];
	long long before = balance_of(key);
	int ok = 0, gone = 0;

	snprintf(code, sizeof(code), "WELCOME-%ld", (long)getpid());
	snprintf(body, sizeof(body), "{\"code\":\"%s\",\"amount\":\"1.50\",\"max_redemptions\":4}",
	    code);
	CU_ASSERT_EQUAL(post_idem(key, "/v1/admin/coupons", NULL, body, &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(post_idem(platform_key, "/v1/admin/coupons", NULL, body, &r), 201);
	http_free(&r);
	CU_ASSERT_EQUAL(post_idem(platform_key, "/v1/admin/coupons", NULL, body, &r), 409);
	http_free(&r);
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	CU_ASSERT_EQUAL_FATAL(post_idem(key, "/v1/billing/coupons/redeem", NULL, body, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "credited"), "1.500000");
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(key), before + 1500000);
	CU_ASSERT_EQUAL(post_idem(key, "/v1/billing/coupons/redeem", NULL, body, &r), 409);
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(key), before + 1500000);
	CU_ASSERT_EQUAL(post_idem(key, "/v1/billing/coupons/redeem", NULL, "{\"code\":\"NO-SUCH\"}",
	                    &r),
	    404);
	http_free(&r);
	snprintf(old, sizeof(old), "OLD-%ld", (long)getpid());
	snprintf(body, sizeof(body),
	    "{\"code\":\"%s\",\"amount\":\"1.00\",\"expires_at\":"
	    "\"2020-01-01T00:00:00Z\"}",
	    old);
	CU_ASSERT_EQUAL(post_idem(platform_key, "/v1/admin/coupons", NULL, body, &r), 201);
	http_free(&r);
	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", old);
	CU_ASSERT_EQUAL(post_idem(key, "/v1/billing/coupons/redeem", NULL, body, &r), 400);
	http_free(&r);
	/* three redemptions left, eight workspaces racing for them */
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL_FATAL(fresh_workspace("Coupon", x[i].key, sizeof(x[i].key), id,
		                          sizeof(id)),
		    0);
		x[i].code = code;
	}
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, redeem_run, &x[i]);
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok += x[i].status == 200;
		gone += x[i].status == 400;
	}
	CU_ASSERT_EQUAL(ok, 3);
	CU_ASSERT_EQUAL(gone, 5);
	CU_ASSERT_EQUAL(pg_num("SELECT redemptions FROM coupons WHERE code = $1", code), 4);
	CU_ASSERT_EQUAL(
	    pg_num("SELECT count(*) FROM ledger WHERE type = 'coupon' AND reference = $1", code),
	    4);
}

/* Another workspace's key sees none of this workspace's ledger, whatever
 * cursor it sends; the CLI makes coupons too. */
static void test_isolation_and_cli_coupon(void)
{
	char k[128], id[64], args[160], code[64];
	struct http_response r;
	long long newest = pg_num("SELECT max(id) FROM ledger WHERE workspace_id = $1", ws);

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Other", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(args, sizeof(args), "/v1/billing/transactions?cursor=%lld&limit=200", newest + 1);
	CU_ASSERT_EQUAL_FATAL(get(args, k, &r), 200);
	CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(r.json, "transactions")),
	    0);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/transactions?limit=200", k, &r), 200);
	CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(r.json, "transactions")),
	    1);
	CU_ASSERT_PTR_NULL(strstr(r.body, ws));
	http_free(&r);
	snprintf(code, sizeof(code), "CLI-%ld", (long)getpid());
	snprintf(args, sizeof(args), "coupon %s 0.25 --limit 2", code);
	CU_ASSERT_EQUAL_FATAL(billing(args), 0);
	snprintf(args, sizeof(args), "{\"code\":\"%s\"}", code);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/coupons/redeem", NULL, args, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 3250000);
}

/* Writes the identity of a POST of body to path, as the server keys it
 * (SHA-256 of method, path and body), in hex into hash. */
static void request_hash(const char *path, const char *body, char hash[65])
{
	unsigned char md[32];
	unsigned int len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, "POST", 5);
	EVP_DigestUpdate(ctx, path, strlen(path) + 1);
	EVP_DigestUpdate(ctx, body, strlen(body));
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 32; i++)
		sprintf(hash + 2 * i, "%02x", md[i]);
}

/* A key whose request died holding credit (set up here directly in the
 * database, as a SIGKILL would leave it): the retry takes the key over
 * once the lease has run out and gives the dead attempt's credit back. */
static void test_takeover_releases_hold(void)
{
	char k[128], id[64], sql[1024], hash[65], idem[64];
	const char *body = "{\"quantity\":1,\"unit\":\"requests\",\"model\":\"dragoman/call\"}";
	struct http_response r;
	PGconn *pg;
	PGresult *res;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Dead", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(idem, sizeof(idem), "dead-%ld", (long)getpid());
	request_hash("/v1/billing/usage", body, hash);
	snprintf(sql, sizeof(sql),
	    "BEGIN;"
	    "INSERT INTO idempotency_keys (workspace_id, key, request_hash, state, lease_until, owner)"
	    " VALUES ('%s', '%s', decode('%s', 'hex'), 'in_flight', now() - interval '1 second',"
	    " 'dead-request');"
	    "INSERT INTO credit_holds (workspace_id, amount_micros, request_id, expires_at,"
	    " idempotency_key) VALUES ('%s', 10000, 'dead-request', now() + interval '1 hour', '%s');"
	    "UPDATE workspaces SET reserved_micros = reserved_micros + 10000 WHERE id = '%s';"
	    "COMMIT;",
	    id, idem, hash, id, idem, id);
	pg = pg_connect();
	res = PQexec(pg, sql);
	CU_ASSERT_EQUAL_FATAL(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(pg);
	CU_ASSERT_EQUAL(charge(k, idem, body, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", id), 0);
	CU_ASSERT_EQUAL(balance_of(k), 3000000 - 10000);
}

/* --- issue 14: defects 6, 7, 8 and 10 ---------------------------------- */

/* The configuration file as the stack wrote it (read once). */
static char config_text[16384];

/* Appends extra ("" for none) to the stack's configuration and makes every
 * worker re-read it (SIGHUP between requests). Returns 0 once each has
 * logged the reload, or -1. */
static int reconfigure(const char *extra)
{
	const char *path = getenv("DRAGOMAN_CONFIG");
	int before = log_lines("configuration reloaded"), n;
	FILE *f;

	if (config_text[0] == '\0' && (f = fopen(path, "r")) != NULL) {
		config_text[fread(config_text, 1, sizeof(config_text) - 1, f)] = '\0';
		fclose(f);
	}
	if (config_text[0] == '\0' || (f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "%s%s", config_text, extra);
	fclose(f);
	n = signal_workers(SIGHUP);
	for (int i = 0; i < 100 && log_lines("configuration reloaded") < before + n; i++)
		usleep(50 * 1000);
	return n > 0 && log_lines("configuration reloaded") >= before + n ? 0 : -1;
}

/* Makes a key of the workspace of admin key k with a monthly quota of
 * quota characters; writes its secret and id. Returns 0 or -1. */
static int quota_key(const char *k, long quota, char *secret, size_t ssz, char *id, size_t isz)
{
	struct http_response r;
	char body[64];
	long st;

	snprintf(body, sizeof(body), "{\"monthly_character_quota\":%ld}", quota);
	st = request_as("POST", "/v1/keys", k, body, &r);
	secret[0] = id[0] = '\0';
	if (st == 201 && http_json_str(&r, "key") != NULL && http_json_str(&r, "id") != NULL) {
		snprintf(secret, ssz, "%s", http_json_str(&r, "key"));
		snprintf(id, isz, "%s", http_json_str(&r, "id"));
	}
	http_free(&r);
	return secret[0] && id[0] ? 0 : -1;
}

/* Returns 1 when r's header name is value. */
static int header_is(const struct http_response *r, const char *name, const char *value)
{
	const char *v = http_header(r, name);

	return v != NULL && strcmp(v, value) == 0;
}

/* What text costs at the DeepL stand-in's price, in micros. */
static long long deepl_cost(const char *text)
{
	return ((long long)strlen(text) * DEEPL_PRICE * 1000000 + 999999) / 1000000;
}

/* Issue 14.6: with charge_cached = on a cache hit is charged at its
 * provider's price like a miss: the cost is debited and in the usage
 * event, and the key's monthly character quota counts the characters. */
static void test_charge_cached_on(void)
{
	char k[128], id[64], qk[128], qid[64], text[96], body[256], rid[64] = "";
	struct http_response r;
	long long chars, want;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("ChargeCached", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(quota_key(k, 1000, qk, sizeof(qk), qid, sizeof(qid)), 0);
	snprintf(text, sizeof(text), "Cached and still charged, text %ld.", (long)getpid());
	chars = (long long)strlen(text);
	want = deepl_cost(text);
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"de\","
	    "\"provider\":\"deepl\"}",
	    text);
	CU_ASSERT_EQUAL_FATAL(reconfigure("charge_cached = on\n"), 0);
	CU_ASSERT_EQUAL(post_as(qk, "/v1/translate", body, &r), 200);
	CU_ASSERT(header_is(&r, "X-Cache", "MISS"));
	http_free(&r);
	CU_ASSERT_EQUAL(post_as(qk, "/v1/translate", body, &r), 200);
	CU_ASSERT(header_is(&r, "X-Cache", "HIT"));
	if (http_json_str(&r, "request_id") != NULL)
		snprintf(rid, sizeof(rid), "%s", http_json_str(&r, "request_id"));
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 3000000 - 2 * want);
	CU_ASSERT_EQUAL(pg_num("SELECT cost_micros FROM usage_events WHERE request_id = $1", rid),
	    want);
	CU_ASSERT_EQUAL(pg_num("SELECT billed_characters FROM usage_events WHERE request_id = $1",
	                    rid),
	    chars);
	CU_ASSERT_EQUAL(pg_num("SELECT -amount_micros FROM ledger WHERE reference = $1 AND type = "
	                       "'debit'",
	                    rid),
	    want);
	CU_ASSERT_EQUAL(pg_num("SELECT characters FROM key_month_usage WHERE key_id = $1", qid),
	    2 * chars);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved FROM key_month_usage WHERE key_id = $1", qid), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
	CU_ASSERT_EQUAL(reconfigure(""), 0);
	/* off again: the hit is free */
	CU_ASSERT_EQUAL(post_as(qk, "/v1/translate", body, &r), 200);
	CU_ASSERT(header_is(&r, "X-Cache", "HIT"));
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 3000000 - 2 * want);
}

/* The default prices with Apertium's at zero. */
#define FREE_APERTIUM \
	"prices = apertium:characters=0, libretranslate:characters=5.00, " \
	"deepl:characters=20.00, google:characters=20.00, openai:characters=10.00, " \
	"openai/gpt-4o:tokens=10.00, openai/gpt-4o-mini:tokens=0.60, " \
	"anthropic/claude-sonnet-4:tokens=15.00, dragoman/call:requests=10000.00\n"

/* Issue 14.7: a request that costs nothing, made with a key that has a
 * monthly character quota, is served (it was a 503: its hold of zero
 * broke the holds' CHECK): markup without text, and a text for a
 * provider priced at zero, whose characters the quota still counts, also
 * once the month's spending is over the cap. */
static void test_zero_cost_with_quota_key(void)
{
	char k[128], id[64], qk[128], qid[64], text[96], text2[96], body[256], args[128];
	char rid[64] = "";
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("ZeroCost", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(quota_key(k, 1000, qk, sizeof(qk), qid, sizeof(qid)), 0);
	snprintf(body, sizeof(body),
	    "{\"text\":\"<p><br/></p><i id=\\\"n%ld\\\"></i>\",\"format\":"
	    "\"html\",\"source\":\"en\",\"target\":\"de\",\"provider\":\"deepl\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL(post_as(qk, "/v1/translate", body, &r), 200);
	http_free(&r);
	snprintf(text, sizeof(text), "The free dog %ld is red.", (long)getpid());
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\","
	    "\"provider\":\"apertium\"}",
	    text);
	CU_ASSERT_EQUAL_FATAL(reconfigure(FREE_APERTIUM), 0);
	CU_ASSERT_EQUAL(post_as(qk, "/v1/translate", body, &r), 200);
	if (http_json_str(&r, "request_id") != NULL)
		snprintf(rid, sizeof(rid), "%s", http_json_str(&r, "request_id"));
	http_free(&r);
	/* 0.01 spent this month, and then a cap of 0.005 */
	CU_ASSERT_EQUAL(charge(k, "zero-cost-spend",
	                    "{\"quantity\":1,\"unit\":\"requests\","
	                    "\"model\":\"dragoman/call\"}",
	                    &r),
	    200);
	http_free(&r);
	snprintf(args, sizeof(args), "cap %s 0.005", id);
	CU_ASSERT_EQUAL(billing(args), 0);
	snprintf(text2, sizeof(text2), "The free cat %ld is red.", (long)getpid());
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"es\","
	    "\"provider\":\"apertium\"}",
	    text2);
	CU_ASSERT_EQUAL(post_as(qk, "/v1/translate", body, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(reconfigure(""), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT cost_micros FROM usage_events WHERE request_id = $1", rid),
	    0);
	CU_ASSERT_EQUAL(pg_num("SELECT characters FROM key_month_usage WHERE key_id = $1", qid),
	    (long long)(strlen(text) + strlen(text2)));
	CU_ASSERT_EQUAL(pg_num("SELECT reserved FROM key_month_usage WHERE key_id = $1", qid), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
	CU_ASSERT_EQUAL(balance_of(k), 3000000 - 10000);
}

/* Issue 14.8: a tenant's Idempotency-Key sent again after its stored
 * answer was dropped (kept 25 hours; dropped here by hand, as
 * `dragoman-admin maintain` does) is a 422 that says the key was used,
 * every time, for the same request or another, and nothing is charged
 * again (it was a 503 from the ledger's unique index, for ever). */
static void test_idempotency_key_after_retention(void)
{
	char k[128], id[64], idem[64], idem_tr[64], text[96], body[256], sql[256];
	const char *meter = "{\"quantity\":1,\"unit\":\"requests\",\"model\":\"dragoman/call\"}";
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Retained", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(idem, sizeof(idem), "kept-%ld", (long)getpid());
	snprintf(idem_tr, sizeof(idem_tr), "kept-tr-%ld", (long)getpid());
	snprintf(text, sizeof(text), "Charged under a key, text %ld.", (long)getpid());
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"de\","
	    "\"provider\":\"deepl\"}",
	    text);
	CU_ASSERT_EQUAL_FATAL(charge(k, idem, meter, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(post_idem(k, "/v1/translate", idem_tr, body, &r), 200);
	http_free(&r);
	snprintf(sql, sizeof(sql), "DELETE FROM idempotency_keys WHERE workspace_id = '%s'", id);
	CU_ASSERT_FATAL(!refused(sql));
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(charge(k, idem, meter, &r), 422);
		CU_ASSERT(http_is_problem(&r));
		CU_ASSERT(http_json_str(&r, "type") != NULL &&
		    strcmp(http_json_str(&r, "type"),
		        "urn:dragoman:problem:idempotency-key-reused") == 0);
		CU_ASSERT(http_json_str(&r, "detail") != NULL &&
		    strstr(http_json_str(&r, "detail"), "used before") != NULL);
		http_free(&r);
	}
	CU_ASSERT_EQUAL(charge(k, idem,
	                    "{\"quantity\":2,\"unit\":\"requests\",\"model\":"
	                    "\"dragoman/call\"}",
	                    &r),
	    422);
	http_free(&r);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/translate", idem_tr, body, &r), 422);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 3000000 - 10000 - deepl_cost(text));
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = "
	                       "'debit'",
	                    id),
	    2);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
}

/* Issue 14.8: an operator's Idempotency-Key and a tenant's live apart: the
 * same key on the same workspace is one credit and one charge, in either
 * order (it was a 503 for the tenant, a 422 for the operator). */
static void test_operator_and_tenant_keys_apart(void)
{
	char k[128], id[64], pk[128], path[160], idem[64], idem2[64], ledger_id[32] = "";
	const char *meter = "{\"quantity\":1,\"unit\":\"requests\",\"model\":\"dragoman/call\"}";
	const char *grant = "{\"amount\":\"1.00\",\"reason\":\"goodwill\"}";
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("Namespaces", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(make_key(id, "platform", pk, sizeof(pk)), 0);
	snprintf(path, sizeof(path), "/v1/admin/workspaces/%s/credits", id);
	snprintf(idem, sizeof(idem), "shared-%ld", (long)getpid());
	snprintf(idem2, sizeof(idem2), "shared2-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(post_idem(pk, path, idem, grant, &r), 200);
	if (http_json_str(&r, "ledger_id") != NULL)
		snprintf(ledger_id, sizeof(ledger_id), "%s", http_json_str(&r, "ledger_id"));
	http_free(&r);
	CU_ASSERT_EQUAL(charge(k, idem, meter, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(charge(k, idem2, meter, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(post_idem(pk, path, idem2, grant, &r), 200);
	http_free(&r);
	/* each namespace still replays its own */
	CU_ASSERT_EQUAL(post_idem(pk, path, idem, grant, &r), 200);
	CU_ASSERT(http_json_str(&r, "ledger_id") != NULL &&
	    strcmp(http_json_str(&r, "ledger_id"), ledger_id) == 0);
	http_free(&r);
	CU_ASSERT_EQUAL(charge(k, idem, meter, &r), 200);
	CU_ASSERT(header_is(&r, "Idempotent-Replayed", "true"));
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 3000000 + 2 * 1000000 - 2 * 10000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND "
	                       "idempotency_key IS NOT NULL",
	                    id),
	    4);
}

struct translator {
	const char *key, *rid, *idem, *body;
	long status;
};

/* POSTs the translator's body to /v1/translate. */
static void *translate_run(void *arg)
{
	struct translator *x = arg;
	struct http_response r;

	x->status = post_with(x->key, "/v1/translate", x->idem, x->rid, x->body, &r);
	http_free(&r);
	return NULL;
}

/* Opens a transaction that locks translation_cache against writes (reads
 * go on), so that a translation stops after its upstream call, with its
 * credit held, until lock_release(). Returns the connection or NULL. */
static PGconn *cache_writes_locked(void)
{
	PGconn *pg = pg_connect();
	PGresult *res = PQexec(pg, "BEGIN; LOCK TABLE translation_cache IN EXCLUSIVE MODE");
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	if (!ok) {
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

/* Ends the transaction of pg with sql (COMMIT or ROLLBACK) and closes it. */
static void lock_release(PGconn *pg, const char *sql)
{
	PQclear(PQexec(pg, sql));
	PQfinish(pg);
}

/* How many statements wait for a lock on translation_cache. */
#define CACHE_WAITERS \
	"SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = " \
	"'translation_cache'::regclass"

/* Issue 14.10: the client's X-Request-Id owns no credit hold. A request
 * sent with X-Request-Id R died under Idempotency-Key K (its claim set up
 * here directly, its lease run out); a translation sent with the same R is
 * in flight with its credit held. The retry that takes K over must give
 * back only what K's attempts held: the translation is still charged (it
 * was served for nothing, its hold freed as the dead request's). */
static void test_request_id_owns_no_hold(void)
{
	char k[128], id[64], rid[64], idem[64], hash[65], sql[1024], text[96], body[256];
	const char *meter = "{\"quantity\":1,\"unit\":\"requests\",\"model\":\"dragoman/call\"}";
	struct translator a;
	struct http_response r;
	pthread_t t;
	PGconn *lock;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("SharedRid", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(rid, sizeof(rid), "shared-rid-%ld", (long)getpid());
	snprintf(idem, sizeof(idem), "died-%ld", (long)getpid());
	request_hash("/v1/billing/usage", meter, hash);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO idempotency_keys (workspace_id, key, request_hash,"
	    " state, lease_until, owner) VALUES ('%s', '%s', decode('%s', 'hex'), 'in_flight',"
	    " now() - interval '1 second', '%s')",
	    id, idem, hash, rid);
	CU_ASSERT_FATAL(!refused(sql));
	snprintf(text, sizeof(text), "In flight while another dies, text %ld.", (long)getpid());
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"de\","
	    "\"provider\":\"deepl\"}",
	    text);
	a = (struct translator){ k, rid, NULL, body, 0 };
	CU_ASSERT_PTR_NOT_NULL_FATAL(lock = cache_writes_locked());
	pthread_create(&t, NULL, translate_run, &a);
	CU_ASSERT_EQUAL(pg_wait(CACHE_WAITERS, NULL, 1), 1);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", id), 1);
	CU_ASSERT_EQUAL(post_with(k, "/v1/billing/usage", idem, "the-retry", meter, &r), 200);
	http_free(&r);
	lock_release(lock, "COMMIT");
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(a.status, 200);
	CU_ASSERT_EQUAL(pg_num("SELECT cost_micros FROM usage_events WHERE request_id = $1", rid),
	    deepl_cost(text));
	CU_ASSERT_EQUAL(balance_of(k), 3000000 - deepl_cost(text) - 10000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
}

/* Issue 14.10: the client's X-Request-Id owns no Idempotency-Key. A
 * translation under key K with X-Request-Id R outlives its lease (held
 * after its upstream call); a retry with the same K and R takes K over.
 * When the first attempt then finishes before the retry, it must not
 * complete K with its answer, whose hold the takeover gave back (it did,
 * and K's translation was never charged): the first attempt gets 503, the
 * retry is charged once and answers 200, and K replays that. */
static void test_request_id_owns_no_key(void)
{
	char k[128], id[64], rid[64], idem[64], text[96], body[256], sql[256];
	struct translator a, b;
	struct http_response r;
	pthread_t ta, tb;
	PGconn *lock, *row;
	PGresult *res;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("SharedRidKey", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(rid, sizeof(rid), "same-rid-%ld", (long)getpid());
	snprintf(idem, sizeof(idem), "same-key-%ld", (long)getpid());
	snprintf(text, sizeof(text), "Outlives its lease, text %ld.", (long)getpid());
	snprintf(body, sizeof(body),
	    "{\"text\":\"%s\",\"source\":\"en\",\"target\":\"de\","
	    "\"provider\":\"deepl\"}",
	    text);
	a = (struct translator){ k, rid, idem, body, 0 };
	b = a;
	CU_ASSERT_PTR_NOT_NULL_FATAL(lock = cache_writes_locked());
	pthread_create(&ta, NULL, translate_run, &a);
	CU_ASSERT_EQUAL(pg_wait(CACHE_WAITERS, NULL, 1), 1);
	CU_ASSERT_EQUAL(pg_wait("SELECT count(*) FROM idempotency_keys WHERE workspace_id = $1"
	                        " AND lease_until < now()",
	                    id, 1),
	    1);
	/* the retry must not find the first attempt's translation in memcached */
	CU_ASSERT_EQUAL(stack("mc-flush"), 0);
	pthread_create(&tb, NULL, translate_run, &b);
	CU_ASSERT_EQUAL(pg_wait(CACHE_WAITERS, NULL, 2), 2);
	/* the retry's charge waits for the workspace row; the first attempt,
	 * whose hold is gone, needs it not */
	row = pg_connect();
	snprintf(sql, sizeof(sql),
	    "BEGIN; SELECT 1 FROM workspaces WHERE id = '%s' FOR NO KEY "
	    "UPDATE",
	    id);
	res = PQexec(row, sql);
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	lock_release(lock, "COMMIT");
	pthread_join(ta, NULL);
	lock_release(row, "ROLLBACK");
	pthread_join(tb, NULL);
	CU_ASSERT_EQUAL(a.status, 503);
	CU_ASSERT_EQUAL(b.status, 200);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE idempotency_key = $1", idem), 1);
	CU_ASSERT_EQUAL(balance_of(k), 3000000 - deepl_cost(text));
	CU_ASSERT_EQUAL(post_idem(k, "/v1/translate", idem, body, &r), 200);
	CU_ASSERT(header_is(&r, "Idempotent-Replayed", "true"));
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 3000000 - deepl_cost(text));
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM credit_holds WHERE workspace_id = $1", id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT reserved_micros FROM workspaces WHERE id = $1", id), 0);
}

/* Issue 14.10: an auto-recharge that a charge queues is not named after
 * the client's X-Request-Id: two charges sent with the same one, each
 * taking the balance under the threshold, each queue a recharge (the
 * second was a 503, its payment's key taken by the first). */
static void test_request_id_names_no_payment(void)
{
	char k[128], id[64], rid[64], idem[64];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(fresh_workspace("SharedRidAuto", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL_FATAL(set_auto_recharge(k,
	                          "{\"enabled\":true,\"threshold\":\"2.95\",\"amount\":"
	                          "\"1.00\",\"max_per_day\":3}"),
	    200);
	snprintf(rid, sizeof(rid), "auto-rid-%ld", (long)getpid());
	snprintf(idem, sizeof(idem), "auto-1-%ld", (long)getpid());
	/* 3.00 - 0.10: under 2.95, and 1.00 comes in */
	CU_ASSERT_EQUAL(post_with(k, "/v1/billing/usage", idem, rid,
	                    "{\"quantity\":10,\"unit\":"
	                    "\"requests\",\"model\":\"dragoman/call\"}",
	                    &r),
	    200);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_wait("SELECT balance_micros FROM workspaces WHERE id = $1", id, 3900000),
	    3900000);
	/* 3.90 - 0.96: under again */
	snprintf(idem, sizeof(idem), "auto-2-%ld", (long)getpid());
	CU_ASSERT_EQUAL(post_with(k, "/v1/billing/usage", idem, rid,
	                    "{\"quantity\":96,\"unit\":"
	                    "\"requests\",\"model\":\"dragoman/call\"}",
	                    &r),
	    200);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_wait("SELECT balance_micros FROM workspaces WHERE id = $1", id, 3940000),
	    3940000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM payments WHERE workspace_id = $1 AND kind = "
	                       "'auto' AND state = 'succeeded'",
	                    id),
	    2);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "a new workspace holds the freemium grant", test_grant },
		{ "a translation is charged at its price; cached is free",
		    test_charge_and_cached_free },
		{ "402 (DeepL: 456) before any upstream call", test_insufficient_credits },
		{ "the monthly cap refuses with its own type", test_monthly_cap },
		{ "concurrent charges never overdraw", test_concurrent_charges_never_overdraw },
		{ "the database enforces the ledger", test_ledger_is_enforced },
		{ "pricing and transaction filters", test_pricing_route },
		{ "metering: bad requests charge nothing", test_usage_bad_requests },
		{ "metering: Idempotency-Key replays, 422 on another body", test_usage_idempotent },
		{ "a translation's key: 409 while the first is in flight", test_usage_in_flight },
		{ "metering: one statement, no credit hold", test_usage_is_one_statement },
		{ "metering: a problem bills no characters", test_usage_problem_bills_nothing },
		{ "metering: a repeat waits for the first and gets its answer",
		    test_usage_repeat_waits_for_the_first },
		{ "metering: an expired hold does not refuse a charge",
		    test_usage_expired_hold_does_not_refuse },
		{ "2000 concurrent charges: exact 402s, books balance",
		    test_2000_concurrent_charges },
		{ "credit lanes: 2000 concurrent charges, exact 402s, every chain balances",
		    test_2000_concurrent_charges_lanes },
		{ "credit lanes: the monthly cap is exact", test_lanes_cap_is_exact },
		{ "credit lanes: a lowered cap stops them", test_lanes_stop_at_a_lowered_cap },
		{ "credit lanes: swept back for a correction and when turned off",
		    test_lanes_swept_back },
		{ "a dead request's key is taken over and its hold given back",
		    test_takeover_releases_hold },
		{ "SIGKILL while charging: nothing lost, nothing twice",
		    test_sigkill_while_charging },
		{ "credit lanes: SIGKILL while charging, nothing lost, nothing twice",
		    test_sigkill_while_charging_lanes },
		{ "operators' credits: platform role, idempotent", test_admin_credits },
		{ "coupons: once per workspace, expiry, racing redemptions", test_coupons },
		{ "workspaces are isolated; coupons from the CLI", test_isolation_and_cli_coupon },
		{ "issue 14.6: charge_cached = on charges a hit, counts the quota",
		    test_charge_cached_on },
		{ "issue 14.7: a free request with a quota key is served",
		    test_zero_cost_with_quota_key },
		{ "issue 14.8: a key used before its retention ran out is a 422",
		    test_idempotency_key_after_retention },
		{ "issue 14.8: operators' and tenants' keys live apart",
		    test_operator_and_tenant_keys_apart },
		{ "issue 14.10: X-Request-Id frees no other request's hold",
		    test_request_id_owns_no_hold },
		{ "issue 14.10: X-Request-Id completes no taken-over key",
		    test_request_id_owns_no_key },
		{ "issue 14.10: X-Request-Id names no auto-recharge",
		    test_request_id_names_no_payment },
		{ NULL, NULL },
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Billing", key, sizeof(key), ws, sizeof(ws)) < 0) {
		fprintf(stderr, "test_billing: cannot create a workspace\n");
		return 99;
	}
	rc = cu_run("billing", tests);
	curl_global_cleanup();
	return rc;
}
