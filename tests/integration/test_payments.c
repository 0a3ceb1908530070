/* Payments through a real web server against the Stripe stand-in, which
 * follows Stripe's PaymentIntent lifecycle (tests/integration/
 * stripe_fixture.c): a recharge credits exactly what Stripe charged and
 * never makes a second PaymentIntent for one payment; a succeeded
 * PaymentIntent is never thrown away; refunds are cumulative and disputes
 * hold and give back; auto-recharge fires whenever the balance is under
 * its threshold, one at a time. After each test, every workspace's
 * balance equals its ledger and nothing is negative. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

/* Recharges amount (text) under idem. Returns the status; release r. */
static long recharge(const char *k, const char *idem, const char *amount, struct http_response *r)
{
	char body[96];

	snprintf(body, sizeof(body), "{\"amount\":\"%s\"}", amount);
	return post_idem(k, "/v1/billing/recharge", idem, body, r);
}

/* Returns the balance in micros of workspace id, or -1. */
static long long balance(const char *id)
{
	return pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", id);
}

/* Returns the counter member of the Stripe stand-in, or -1. */
static long stripe_count(const char *member)
{
	char v[64];

	return fixture_state("DRAGOMAN_FIXTURE_STRIPE", member, v, sizeof(v)) == 0 ? atol(v) : -1;
}

/* POSTs the form to the stand-in's path (a control route). Returns the
 * status; r holds the answer (release it). */
static long stripe_post(const char *path, const char *form, struct http_response *r)
{
	const char *base = getenv("DRAGOMAN_FIXTURE_STRIPE");
	char url[512];

	snprintf(url, sizeof(url), "%s%s", base != NULL ? base : "", path);
	return http_post_url(url, form, r);
}

/* Tells the stand-in something; returns its status. */
static long stripe_do(const char *path, const char *form)
{
	struct http_response r;
	long st = stripe_post(path, form, &r);

	http_free(&r);
	return st;
}

/* Moves the stand-in's clock (Stripe's idempotency keys expire after 24
 * hours of it) on by seconds. */
static void stripe_advance(long seconds)
{
	char form[32];

	snprintf(form, sizeof(form), "advance=%ld", seconds);
	CU_ASSERT_EQUAL(stripe_do("/fixture/clock", form), 200);
}

/* Returns the Stripe-Signature header for payload at time t under secret. */
static void stripe_sign(const char *payload, const char *secret, long long t, char *out,
    size_t outsz)
{
	unsigned char mac[32];
	unsigned int len = 0;
	char *signed_payload = NULL, hex[65];

	if (asprintf(&signed_payload, "%lld.%s", t, payload) < 0)
		return;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)signed_payload,
	    strlen(signed_payload), mac, &len);
	free(signed_payload);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", mac[i]);
	snprintf(out, outsz, "t=%lld,v1=%s", t, hex);
}

/* Delivers the event JSON as Stripe does, signed now. Returns the status;
 * r holds the answer (NULL: dropped). */
static long deliver(const char *event, struct http_response *r)
{
	char sig[256], h[300];
	const char *hs[] = { "Content-Type: application/json", h, NULL };
	struct http_response own;
	long st;

	stripe_sign(event, "whsec_fixture", (long long)time(NULL), sig, sizeof(sig));
	snprintf(h, sizeof(h), "Stripe-Signature: %s", sig);
	st = http_request("POST", "/v1/billing/webhooks/stripe", hs, event, strlen(event),
	    r != NULL ? r : &own);
	if (r == NULL)
		http_free(&own);
	return st;
}

/* The stand-in's events about object (a PaymentIntent, charge or dispute
 * id) of type (NULL: any), oldest first, as a JSON array the caller puts. */
static struct json_object *events_about(const char *object, const char *type)
{
	const char *base = getenv("DRAGOMAN_FIXTURE_STRIPE");
	char url[512];
	struct http_response r;
	struct json_object *all, *out = json_object_new_array();

	snprintf(url, sizeof(url), "%s/fixture/events", base != NULL ? base : "");
	if (http_get_url(url, &r) == 200 && json_object_object_get_ex(r.json, "data", &all))
		for (size_t i = 0; i < json_object_array_length(all); i++) {
			struct json_object *e = json_object_array_get_idx(all, i), *d, *o, *v;
			const char *t = json_object_get_string(json_object_object_get(e, "type"));
			if (!json_object_object_get_ex(e, "data", &d) ||
			    !json_object_object_get_ex(d, "object", &o))
				continue;
			int about = 0;
			const char *fields[] = { "id", "payment_intent", "charge" };
			for (int f = 0; f < 3; f++)
				about |= json_object_object_get_ex(o, fields[f], &v) && v != NULL &&
				    strcmp(json_object_get_string(v), object) == 0;
			if (about && (type == NULL || strcmp(t, type) == 0))
				json_object_array_add(out, json_object_get(e));
		}
	http_free(&r);
	return out;
}

/* Delivers the newest event of type about object. Returns the status. */
static long deliver_newest(const char *object, const char *type)
{
	struct json_object *list = events_about(object, type);
	size_t n = json_object_array_length(list);
	long st = n == 0
	    ? -1
	    : deliver(json_object_to_json_string_ext(json_object_array_get_idx(list, n - 1),
	                  JSON_C_TO_STRING_PLAIN),
	          NULL);

	json_object_put(list);
	return st;
}

/* Writes the PaymentIntent id linked to payment id into out ("": none). */
static void intent_of_payment(const char *payment_id, char *out, size_t outsz)
{
	char *v;

	out[0] = '\0';
	v = pg_value("SELECT stripe_payment_intent FROM payments WHERE id = $1::uuid", payment_id);
	if (v != NULL)
		snprintf(out, outsz, "%s", v);
	free(v);
}

/* Copies the newest stand-in event whose PaymentIntent names payment_id
 * in its metadata into event, and the PaymentIntent's id into pi (NULL:
 * not wanted). Returns 0, or -1 when there is none. */
static int event_of_payment(const char *payment_id, char *event, size_t eventsz, char *pi,
    size_t pisz)
{
	const char *base = getenv("DRAGOMAN_FIXTURE_STRIPE");
	char url[256];
	struct http_response r;
	struct json_object *all, *e = NULL, *md, *v;

	snprintf(url, sizeof(url), "%s/fixture/events", base != NULL ? base : "");
	if (http_get_url(url, &r) == 200 && json_object_object_get_ex(r.json, "data", &all))
		for (size_t i = 0; i < json_object_array_length(all); i++) {
			struct json_object *x = json_object_array_get_idx(all, i);
			struct json_object *o =
			    json_object_object_get(json_object_object_get(x, "data"), "object");
			if (json_object_object_get_ex(o, "metadata", &md) &&
			    json_object_object_get_ex(md, "payment_id", &v) &&
			    strcmp(json_object_get_string(v), payment_id) == 0) {
				e = x;
				if (pi != NULL)
					snprintf(pi, pisz, "%s",
					    json_object_get_string(
					        json_object_object_get(o, "id")));
			}
		}
	if (e != NULL)
		snprintf(event, eventsz, "%s",
		    json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
	http_free(&r);
	return e != NULL ? 0 : -1;
}

/* Returns the state of payment id. */
static void payment_state(const char *id, char *out, size_t outsz)
{
	char *v = pg_value("SELECT state FROM payments WHERE id = $1::uuid", id);

	snprintf(out, outsz, "%s", v != NULL ? v : "");
	free(v);
}

/* The books of every workspace hold: balance == ledger sum, the newest
 * row's balance_after == balance, nothing negative, holds covered. */
static void books_balance(void)
{
	CU_ASSERT_EQUAL(
	    pg_num(
	        "SELECT count(*) FROM workspaces w WHERE balance_micros <> "
	        "(SELECT coalesce(sum(amount_micros), 0) FROM ledger l WHERE l.workspace_id = w.id)",
	        NULL),
	    0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM workspaces WHERE balance_micros < 0 OR "
	                       "reserved_micros > balance_micros OR owed_micros < 0",
	                    NULL),
	    0);
	CU_ASSERT_EQUAL(
	    pg_num("SELECT count(*) FROM (SELECT reference FROM ledger WHERE type = "
	           "'credit' AND reference LIKE 'pi\\_%' GROUP BY reference HAVING count(*) > 1) d",
	        NULL),
	    0);
}

/* Returns the newest payment id of workspace id of kind (manual, auto). */
static void newest_payment(const char *id, const char *kind, char *out, size_t outsz)
{
	char sql[200], *v;

	snprintf(sql, sizeof(sql),
	    "SELECT id FROM payments WHERE workspace_id = $1::uuid AND kind = "
	    "'%s' ORDER BY created_at DESC LIMIT 1",
	    kind);
	v = pg_value(sql, id);
	snprintf(out, outsz, "%s", v != NULL ? v : "");
	free(v);
}

/* Runs the payment resolver (what dragoman-admin maintain does) with the
 * open payments made older than it waits for. */
static void resolve_payments(const char *ws_id)
{
	char *out;
	PGconn *pg = pg_connect();
	const char *p[] = { ws_id };
	PGresult *res = PQexecParams(pg,
	    "UPDATE payments SET updated_at = updated_at - "
	    "interval '10 minutes' WHERE workspace_id = $1::uuid",
	    1, NULL, p, NULL, NULL, 0);

	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(pg);
	out = admin("payments resolve");
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
}

/* Makes the payments of workspace ws_id look hours older (Stripe's clock
 * is moved by stripe_advance()). */
static void age_payments(const char *ws_id, int hours)
{
	char sql[400];
	PGconn *pg = pg_connect();
	const char *p[] = { ws_id };
	PGresult *res;

	snprintf(sql, sizeof(sql),
	    "UPDATE payments SET created_at = created_at - interval '%d hours',"
	    " updated_at = updated_at - interval '%d hours', stripe_attempted_at ="
	    " stripe_attempted_at - interval '%d hours', expires_at = expires_at - interval"
	    " '%d hours' WHERE workspace_id = $1::uuid",
	    hours, hours, hours, hours);
	res = PQexecParams(pg, sql, 1, NULL, p, NULL, NULL, 0);
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(pg);
}

/* Issue 14, defect 1: a retry under the same Idempotency-Key with another
 * amount, after the first attempt never reached Stripe, is 422 and
 * charges nothing; the retry with the first amount charges exactly the
 * payment's amount; a payment that never reached Stripe expires, visibly,
 * and is never charged. */
static void test_recharge_charges_the_payments_amount(void)
{
	char k[128], id[64], pid[64], state[32], pi[64];
	struct http_response r;
	long intents;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Exact", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	intents = stripe_count("payment_intents");
	CU_ASSERT_EQUAL(stripe_do("/fixture/drop", "count=1"), 200);
	CU_ASSERT_EQUAL(recharge(k, "exact-1", "10.00", &r), 503);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents);
	CU_ASSERT_EQUAL(recharge(k, "exact-1", "20.00", &r), 422);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents);
	CU_ASSERT_EQUAL(balance(id), 3000000);
	CU_ASSERT_EQUAL_FATAL(recharge(k, "exact-1", "10.00", &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "state"), "succeeded");
	snprintf(pi, sizeof(pi), "%s",
	    http_json_str(&r, "payment_intent") ? http_json_str(&r, "payment_intent") : "");
	http_free(&r);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents + 1);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	{ /* what Stripe charged is what was credited */
		struct json_object *ev = events_about(pi, "payment_intent.succeeded");
		struct json_object *o = json_object_array_length(ev) == 1
		    ? json_object_object_get(json_object_object_get(json_object_array_get_idx(ev,
		                                                        0),
		                                 "data"),
		          "object")
		    : NULL;
		CU_ASSERT_EQUAL(o != NULL
		        ? json_object_get_int64(json_object_object_get(o, "amount_received"))
		        : -1,
		    1000);
		json_object_put(ev);
	}
	/* never reached Stripe, never retried: it expires, visibly */
	CU_ASSERT_EQUAL(stripe_do("/fixture/drop", "count=1"), 200);
	CU_ASSERT_EQUAL(recharge(k, "exact-2", "5.00", &r), 503);
	http_free(&r);
	newest_payment(id, "manual", pid, sizeof(pid));
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/payments", k, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, pid));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"expires_at\""));
	http_free(&r);
	stripe_advance(25 * 3600);
	age_payments(id, 25);
	resolve_payments(id);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "expired");
	{
		char path[128];
		snprintf(path, sizeof(path), "/v1/billing/payments/%s", pid);
		CU_ASSERT_EQUAL_FATAL(get(path, k, &r), 200);
		CU_ASSERT_STRING_EQUAL(http_json_str(&r, "state"), "expired");
		CU_ASSERT_PTR_NOT_NULL(http_json_str(&r, "expires_at"));
		http_free(&r);
	}
	CU_ASSERT_EQUAL(recharge(k, "exact-2", "5.00", &r), 409);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents + 1);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	books_balance();
}

/* Turns auto-recharge on for key k. Returns the status. */
static long set_auto(const char *k, const char *threshold, const char *amount, int max)
{
	char body[200];

	snprintf(body, sizeof(body),
	    "{\"enabled\":true,\"threshold\":\"%s\",\"amount\":\"%s\","
	    "\"max_per_day\":%d}",
	    threshold, amount, max);
	return set_auto_recharge(k, body);
}

/* Takes balance micros (a whole workspace's spending) with an operator's
 * adjustment; returns the status. */
static long spend(const char *id, const char *amount)
{
	char args[200], *out;

	snprintf(args, sizeof(args), "billing adjust %s --reason spent -- -%s", id, amount);
	out = admin(args);
	free(out);
	return out != NULL ? 0 : -1;
}

/* Makes workspace name paying with pm, its auto-recharge (5.00, 10.00)
 * turned on below the threshold, and waits until its auto payment is in
 * state (a constant); writes its key, id and the payment's id. Returns
 * how many PaymentIntents the stand-in had made before. */
static long auto_started(const char *name, const char *pm, const char *state, char k[128],
    char id[64], char pid[64])
{
	char sql[200];
	long intents;

	CU_ASSERT_EQUAL_FATAL(make_workspace(name, k, 128, id, 64), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, pm), 200);
	intents = stripe_count("payment_intents");
	CU_ASSERT_EQUAL_FATAL(set_auto(k, "5.00", "10.00", 3), 200);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM payments WHERE workspace_id = $1 AND "
	    "kind = 'auto' AND state = '%s'",
	    state);
	CU_ASSERT_EQUAL(pg_wait(sql, id, 1), 1);
	newest_payment(id, "auto", pid, 64);
	return intents;
}

/* Issue 14, defect 2: once a PaymentIntent is known it is only retrieved,
 * never created again, however long a bank debit stays processing and
 * however long after Stripe forgot the idempotency key. */
static void test_never_a_second_intent(void)
{
	char k[128], id[64], pid[64], pi[64], state[32];
	long intents, retrieves;

	/* below the threshold: an auto payment, left processing by the bank */
	intents = auto_started("SlowDebit", "pm_card_processing", "processing", k, id, pid);
	intent_of_payment(pid, pi, sizeof(pi));
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents + 1);
	/* days go by: each resolver run only retrieves it */
	for (int day = 0; day < 3; day++) {
		retrieves = stripe_count("retrieves");
		stripe_advance(25 * 3600);
		age_payments(id, 25);
		resolve_payments(id);
		CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents + 1);
		CU_ASSERT(stripe_count("retrieves") > retrieves);
	}
	CU_ASSERT_EQUAL(balance(id), 3000000);
	/* the debit settles: the resolver credits it once, the webhook too */
	{
		char path[96];
		snprintf(path, sizeof(path), "/fixture/intents/%s", pi);
		CU_ASSERT_EQUAL(stripe_do(path, "status=succeeded"), 200);
	}
	resolve_payments(id);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	CU_ASSERT_EQUAL(deliver_newest(pi, "payment_intent.succeeded"), 200);
	CU_ASSERT_EQUAL(deliver_newest(pi, "payment_intent.processing"), 200);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "succeeded");
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents + 1);
	books_balance();
}

/* Issue 14, defects 2 and 3: a create call that timed out after Stripe
 * charged: the auto payment is unknown (not failed) until Stripe says;
 * within a day the same Stripe key finds the charge, after a day the
 * metadata does; either way it is credited once and never charged again. */
static void test_timed_out_create(void)
{
	char k[128], id[64], pid[64], state[32];
	long intents;

	/* found again by its Stripe idempotency key within 24 h */
	intents = auto_started("TimedOut", "pm_card_timeout", "unknown", k, id, pid);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents + 1);
	CU_ASSERT_EQUAL(balance(id), 3000000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM payments WHERE workspace_id = $1 AND state = "
	                       "'failed'",
	                    id),
	    0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"),
	    200); /* ignored: the key wins */
	resolve_payments(id);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "succeeded");
	CU_ASSERT_EQUAL(balance(id), 13000000);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents + 1);
	/* found by its metadata after Stripe forgot the key */
	intents = auto_started("TimedOutLong", "pm_card_timeout", "unknown", k, id, pid);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	stripe_advance(25 * 3600);
	age_payments(id, 25);
	resolve_payments(id);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "succeeded");
	CU_ASSERT_EQUAL(balance(id), 13000000);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), intents + 1);
	books_balance();
}

/* Issue 14, defect 3: a payment_intent.succeeded whose PaymentIntent no
 * payment row knows yet is matched by its metadata and credited; one
 * that matches nothing is kept for an operator, counted, and can be
 * credited by hand once. */
static void test_succeeded_never_thrown_away(void)
{
	char k[128], id[64], pid[64], pi[64], event[1024], state[32];
	struct http_response r;
	char *out;

	CU_ASSERT_EQUAL_FATAL(make_workspace("LateAnswer", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_timeout"), 200);
	CU_ASSERT_EQUAL(recharge(k, "late-1", "10.00", &r), 503);
	http_free(&r);
	newest_payment(id, "manual", pid, sizeof(pid));
	intent_of_payment(pid, pi, sizeof(pi));
	CU_ASSERT_STRING_EQUAL(pi, "");
	/* the stand-in's event names the payment in its metadata */
	CU_ASSERT_EQUAL_FATAL(event_of_payment(pid, event, sizeof(event), NULL, 0), 0);
	CU_ASSERT_EQUAL(deliver(event, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "succeeded");
	CU_ASSERT_EQUAL(deliver(event, NULL), 200);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	/* the client's retry sees it credited, and nothing is charged again */
	CU_ASSERT_EQUAL(recharge(k, "late-1", "10.00", &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "state"), "succeeded");
	http_free(&r);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	/* matches nothing: kept, listed, counted, credited by hand once */
	snprintf(event, sizeof(event),
	    "{\"id\":\"evt_orphan_%ld\",\"object\":\"event\",\"type\":"
	    "\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"pi_orphan%ld\",\"object\":"
	    "\"payment_intent\",\"amount\":700,\"amount_received\":700,\"currency\":\"eur\","
	    "\"status\":\"succeeded\",\"metadata\":{}}}}",
	    (long)getpid(), (long)getpid());
	CU_ASSERT_EQUAL(deliver(event, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"matched\":false"));
	http_free(&r);
	/* and a refund of 2.00 of it, kept too until it is assigned */
	snprintf(event, sizeof(event),
	    "{\"id\":\"evt_orphan_refund_%ld\",\"object\":\"event\","
	    "\"type\":\"charge.refunded\",\"data\":{\"object\":{\"id\":\"ch_orphan%ld\",\"object\":"
	    "\"charge\",\"amount\":700,\"amount_refunded\":200,\"currency\":\"eur\","
	    "\"payment_intent\":\"pi_orphan%ld\"}}}",
	    (long)getpid(), (long)getpid(), (long)getpid());
	CU_ASSERT_EQUAL(deliver(event, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"matched\":false"));
	http_free(&r);
	out = admin("payments unmatched");
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	{
		char want[64];
		snprintf(want, sizeof(want), "pi_orphan%ld", (long)getpid());
		CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
		free(out);
		char args[200];
		snprintf(args, sizeof(args), "payments assign evt_orphan_%ld %s", (long)getpid(),
		    id);
		out = admin(args);
		CU_ASSERT_PTR_NOT_NULL(out);
		free(out);
		CU_ASSERT_EQUAL(balance(id), 13000000 + 7000000 - 2000000);
		out = admin(args); /* a second time changes nothing */
		free(out);
		CU_ASSERT_EQUAL(balance(id), 18000000);
		out = admin("payments unmatched");
		CU_ASSERT_PTR_NULL(out != NULL ? strstr(out, want) : NULL);
		free(out);
	}
	/* counted by the worker that kept it, added to the table within
	 * metrics_flush_ms */
	{
		int seen = 0;
		for (int i = 0; i < 50 && !seen; i++) {
			if (i > 0)
				usleep(100 * 1000);
			seen = get("/metrics", "metrics-test-token", &r) == 200 &&
			    strstr(r.body, "dragoman_stripe_unmatched_events_total{") != NULL;
			http_free(&r);
		}
		CU_ASSERT(seen);
	}
	books_balance();
}

/* Issue 14, defect 4: charge.refunded carries the total refunded so far:
 * the difference is taken back, once, whatever the order; a refund before
 * the success is applied when the success comes; disputes take back and
 * give back; what was spent already is owed, never a negative balance. */
static void test_refunds_and_disputes(void)
{
	char k[128], id[64], pi[64], path[128], form[128];
	struct http_response r;
	struct json_object *ev;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Refunded", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL_FATAL(recharge(k, "refund-1", "20.00", &r), 200);
	snprintf(pi, sizeof(pi), "%s", http_json_str(&r, "payment_intent"));
	http_free(&r);
	CU_ASSERT_EQUAL(balance(id), 23000000);
	snprintf(form, sizeof(form), "payment_intent=%s&amount=300", pi);
	CU_ASSERT_EQUAL(stripe_do("/fixture/refund", form), 200);
	snprintf(form, sizeof(form), "payment_intent=%s&amount=200", pi);
	CU_ASSERT_EQUAL(stripe_do("/fixture/refund", form), 200);
	ev = events_about(pi, "charge.refunded");
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(ev), 2);
	/* the second (5.00 in all) first, then the first (3.00), then again */
	for (int i = 1; i >= 0; i--)
		CU_ASSERT_EQUAL(deliver(json_object_to_json_string_ext(json_object_array_get_idx(ev,
		                                                           (size_t)i),
		                            JSON_C_TO_STRING_PLAIN),
		                    NULL),
		    200);
	CU_ASSERT_EQUAL(deliver(json_object_to_json_string_ext(json_object_array_get_idx(ev, 1),
	                            JSON_C_TO_STRING_PLAIN),
	                    NULL),
	    200);
	json_object_put(ev);
	CU_ASSERT_EQUAL(balance(id), 18000000);
	CU_ASSERT_EQUAL(pg_num("SELECT -sum(amount_micros) FROM ledger WHERE workspace_id = $1 AND "
	                       "type = 'refund'",
	                    id),
	    5000000);
	/* a partial refund that arrives before the success */
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_processing"), 200);
	CU_ASSERT_EQUAL_FATAL(recharge(k, "refund-2", "10.00", &r), 202);
	snprintf(pi, sizeof(pi), "%s", http_json_str(&r, "payment_intent"));
	http_free(&r);
	snprintf(path, sizeof(path), "/fixture/intents/%s", pi);
	CU_ASSERT_EQUAL(stripe_do(path, "status=succeeded"), 200);
	snprintf(form, sizeof(form), "payment_intent=%s&amount=400", pi);
	CU_ASSERT_EQUAL(stripe_do("/fixture/refund", form), 200);
	CU_ASSERT_EQUAL(deliver_newest(pi, "charge.refunded"), 200);
	CU_ASSERT_EQUAL(balance(id), 18000000);
	CU_ASSERT_EQUAL(deliver_newest(pi, "payment_intent.succeeded"), 200);
	CU_ASSERT_EQUAL(balance(id), 18000000 + 10000000 - 4000000);
	CU_ASSERT_EQUAL(deliver_newest(pi, "charge.refunded"), 200);
	CU_ASSERT_EQUAL(balance(id), 24000000);
	/* a dispute of 20.00 when only 4.00 is left: 4.00 taken, 16.00 owed */
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL_FATAL(recharge(k, "dispute-1", "20.00", &r), 200);
	snprintf(pi, sizeof(pi), "%s", http_json_str(&r, "payment_intent"));
	http_free(&r);
	CU_ASSERT_EQUAL(spend(id, "40.00"), 0);
	CU_ASSERT_EQUAL(balance(id), 4000000);
	snprintf(form, sizeof(form), "payment_intent=%s&amount=2000", pi);
	CU_ASSERT_EQUAL_FATAL(stripe_post("/fixture/dispute", form, &r), 200);
	char dp[64];
	snprintf(dp, sizeof(dp), "%s", http_json_str(&r, "id"));
	http_free(&r);
	CU_ASSERT_EQUAL(deliver_newest(dp, "charge.dispute.created"), 200);
	CU_ASSERT_EQUAL(deliver_newest(dp, "charge.dispute.created"), 200);
	CU_ASSERT_EQUAL(balance(id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT owed_micros FROM workspaces WHERE id = $1", id), 16000000);
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/balance", k, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "owed"), "16.000000");
	http_free(&r);
	/* won: what was taken comes back and nothing is owed */
	snprintf(path, sizeof(path), "/fixture/disputes/%s", dp);
	CU_ASSERT_EQUAL(stripe_do(path, "status=won"), 200);
	CU_ASSERT_EQUAL(deliver_newest(dp, "charge.dispute.closed"), 200);
	CU_ASSERT_EQUAL(deliver_newest(dp, "charge.dispute.closed"), 200);
	CU_ASSERT_EQUAL(balance(id), 4000000);
	CU_ASSERT_EQUAL(pg_num("SELECT owed_micros FROM workspaces WHERE id = $1", id), 0);
	/* lost: taken and owed; the next payment pays what is owed first */
	snprintf(form, sizeof(form), "payment_intent=%s&amount=1000", pi);
	CU_ASSERT_EQUAL_FATAL(stripe_post("/fixture/dispute", form, &r), 200);
	snprintf(dp, sizeof(dp), "%s", http_json_str(&r, "id"));
	http_free(&r);
	CU_ASSERT_EQUAL(deliver_newest(dp, "charge.dispute.created"), 200);
	snprintf(path, sizeof(path), "/fixture/disputes/%s", dp);
	CU_ASSERT_EQUAL(stripe_do(path, "status=lost"), 200);
	CU_ASSERT_EQUAL(deliver_newest(dp, "charge.dispute.closed"), 200);
	CU_ASSERT_EQUAL(balance(id), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT owed_micros FROM workspaces WHERE id = $1", id), 6000000);
	CU_ASSERT_EQUAL_FATAL(recharge(k, "after-dispute", "10.00", &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(balance(id), 4000000);
	CU_ASSERT_EQUAL(pg_num("SELECT owed_micros FROM workspaces WHERE id = $1", id), 0);
	books_balance();
}

/* Makes workspace id's failed auto-recharge due again now. */
static void retry_due_now(const char *id)
{
	char *v = pg_value("UPDATE auto_recharge SET next_attempt_at = now() - interval '1 second'"
	                   " WHERE workspace_id = $1::uuid RETURNING 1",
	    id);

	CU_ASSERT_PTR_NOT_NULL(v);
	free(v);
}

struct charger {
	const char *key;
	int index;
	long status;
};

/* One metered charge of 0.10 under its own key. */
static void *charge_run(void *arg)
{
	struct charger *x = arg;
	struct http_response r;
	char idem[64];

	snprintf(idem, sizeof(idem), "auto-%ld-%d", (long)getpid(), x->index);
	x->status = post_idem(x->key, "/v1/billing/usage", idem,
	    "{\"quantity\":10,\"unit\":"
	    "\"requests\",\"model\":\"dragoman/call\"}",
	    &r);
	http_free(&r);
	return NULL;
}

/* Issue 14, defect 5: auto-recharge fires whenever the balance is under
 * its threshold: when it is turned on below it, and when a failed
 * attempt's retry is due even if every request since was refused with
 * 402; and at most one auto payment is open per workspace, also under
 * concurrent charges. */
static void test_auto_recharge_whenever_below(void)
{
	char k[128], id[64];
	struct charger x[20];
	pthread_t t[20];
	struct http_response r;

	/* turned on below the threshold: recharged at once */
	CU_ASSERT_EQUAL_FATAL(make_workspace("AutoBelow", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL_FATAL(set_auto(k, "5.00", "10.00", 3), 200);
	CU_ASSERT_EQUAL(pg_wait("SELECT balance_micros FROM workspaces WHERE id = $1", id,
	                    13000000),
	    13000000);
	/* a declined attempt; then every request is refused; once the retry
	 * is due, a refused request brings it about */
	CU_ASSERT_EQUAL_FATAL(make_workspace("AutoRefused", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_chargeDeclined"), 200);
	CU_ASSERT_EQUAL_FATAL(set_auto(k, "2.00", "10.00", 5), 200);
	CU_ASSERT_EQUAL(spend(id, "3.00"), 0);
	x[0] = (struct charger){ k, 0, 0 };
	charge_run(&x[0]);
	CU_ASSERT_EQUAL(x[0].status, 402);
	CU_ASSERT_EQUAL(pg_wait("SELECT count(*) FROM payments WHERE workspace_id = $1 AND state = "
	                        "'failed'",
	                    id, 1),
	    1);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	x[0] = (struct charger){ k, 1, 0 };
	charge_run(&x[0]); /* not due yet: refused, nothing tried */
	CU_ASSERT_EQUAL(x[0].status, 402);
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM payments WHERE workspace_id = $1", id), 1);
	CU_ASSERT(pg_num("SELECT count(*) FROM auto_recharge WHERE workspace_id = $1 AND "
	                 "next_attempt_at > now()",
	              id) == 1);
	retry_due_now(id);
	x[0] = (struct charger){ k, 2, 0 };
	charge_run(&x[0]);
	CU_ASSERT_EQUAL(x[0].status, 402);
	CU_ASSERT_EQUAL(pg_wait("SELECT balance_micros FROM workspaces WHERE id = $1", id,
	                    10000000),
	    10000000);
	/* concurrent charges after a failed attempt: one open auto payment */
	CU_ASSERT_EQUAL_FATAL(make_workspace("AutoRace", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_chargeDeclined"), 200);
	CU_ASSERT_EQUAL_FATAL(set_auto(k, "5.00", "10.00", 50), 200);
	CU_ASSERT_EQUAL(pg_wait("SELECT count(*) FROM payments WHERE workspace_id = $1 AND state = "
	                        "'failed'",
	                    id, 1),
	    1);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_processing"), 200);
	retry_due_now(id);
	for (int i = 0; i < 20; i++) {
		x[i] = (struct charger){ k, 100 + i, 0 };
		pthread_create(&t[i], NULL, charge_run, &x[i]);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(x[i].status, 200);
	}
	usleep(500 * 1000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM payments WHERE workspace_id = $1 AND kind = "
	                       "'auto' AND state NOT IN ('failed')",
	                    id),
	    1);
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/balance", k, &r), 200);
	http_free(&r);
	books_balance();
}

/* The stand-in's other states: requires_action is pending until Stripe
 * says; a later payment_failed or canceled fails it; a decline is 402. */
static void test_lifecycle_states(void)
{
	char k[128], id[64], pi[64], pid[64], state[32], path[128];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Lifecycle", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_requiresAction"), 200);
	CU_ASSERT_EQUAL_FATAL(recharge(k, "action-1", "10.00", &r), 202);
	snprintf(pi, sizeof(pi), "%s", http_json_str(&r, "payment_intent"));
	snprintf(pid, sizeof(pid), "%s", http_json_str(&r, "payment_id"));
	http_free(&r);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "processing");
	snprintf(path, sizeof(path), "/fixture/intents/%s", pi);
	CU_ASSERT_EQUAL(stripe_do(path, "status=payment_failed"), 200);
	CU_ASSERT_EQUAL(deliver_newest(pi, "payment_intent.payment_failed"), 200);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "failed");
	/* a failed PaymentIntent that succeeds later is still credited */
	CU_ASSERT_EQUAL(stripe_do(path, "status=succeeded"), 200);
	CU_ASSERT_EQUAL(deliver_newest(pi, "payment_intent.succeeded"), 200);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	CU_ASSERT_EQUAL_FATAL(recharge(k, "action-2", "5.00", &r), 202);
	snprintf(pi, sizeof(pi), "%s", http_json_str(&r, "payment_intent"));
	snprintf(pid, sizeof(pid), "%s", http_json_str(&r, "payment_id"));
	http_free(&r);
	snprintf(path, sizeof(path), "/fixture/intents/%s", pi);
	CU_ASSERT_EQUAL(stripe_do(path, "status=canceled"), 200);
	CU_ASSERT_EQUAL(deliver_newest(pi, "payment_intent.canceled"), 200);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "canceled");
	CU_ASSERT_EQUAL(balance(id), 13000000);
	books_balance();
}

/* Review of issue 14: a refund that arrives before the payment knows its
 * PaymentIntent (the create call's answer was lost) is not set aside: the
 * PaymentIntent is fetched, matched by its metadata and the refund taken
 * back once the payment is credited. */
static void test_refund_before_the_intent_is_known(void)
{
	char k[128], id[64], pid[64], pi[64], event[2048], form[128];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(make_workspace("RefundFirst", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_timeout"), 200);
	CU_ASSERT_EQUAL(recharge(k, "refund-first", "10.00", &r), 503);
	http_free(&r);
	newest_payment(id, "manual", pid, sizeof(pid));
	CU_ASSERT_EQUAL_FATAL(event_of_payment(pid, event, sizeof(event), pi, sizeof(pi)), 0);
	snprintf(form, sizeof(form), "payment_intent=%s&amount=400", pi);
	CU_ASSERT_EQUAL(stripe_do("/fixture/refund", form), 200);
	CU_ASSERT_EQUAL(deliver_newest(pi, "charge.refunded"), 200);
	CU_ASSERT_EQUAL(deliver(event, NULL), 200);
	CU_ASSERT_EQUAL(balance(id), 3000000 + 10000000 - 4000000);
	CU_ASSERT_EQUAL(deliver_newest(pi, "charge.refunded"), 200);
	CU_ASSERT_EQUAL(balance(id), 9000000);
	books_balance();
}

/* Review of issue 14: Stripe refusing the request itself (a payment
 * method it does not know: invalid_request_error) charged nothing: the
 * recharge fails at once (402 with Stripe's reason), not 503 for a day. */
static void test_refused_request_fails_at_once(void)
{
	char k[128], id[64], pid[64], state[32];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(make_workspace("NoSuchCard", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_missing"), 200);
	CU_ASSERT_EQUAL(recharge(k, "missing-1", "10.00", &r), 402);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "No such PaymentMethod"));
	http_free(&r);
	newest_payment(id, "manual", pid, sizeof(pid));
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "failed");
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL(recharge(k, "missing-2", "10.00", &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(balance(id), 13000000);
	books_balance();
}

/* Review of issue 14: a balance above the threshold but below what a
 * request needs: the refused request brings the recharge about. */
static void test_refusal_above_threshold_recharges(void)
{
	char k[128], id[64];
	struct charger x;
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(make_workspace("ShortOfCost", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL_FATAL(set_auto(k, "1.00", "10.00", 3), 200);
	CU_ASSERT_EQUAL(spend(id, "1.80"), 0);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/usage", "short-1",
	                    "{\"quantity\":150,\"unit\":"
	                    "\"requests\",\"model\":\"dragoman/call\"}",
	                    &r),
	    402);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_wait("SELECT balance_micros FROM workspaces WHERE id = $1", id,
	                    11200000),
	    11200000);
	x = (struct charger){ k, 900, 0 };
	charge_run(&x);
	CU_ASSERT_EQUAL(x.status, 200);
	books_balance();
}

/* Review of issue 14: the payment an event names must be the dispute's
 * own: a closed event that names another workspace's PaymentIntent for a
 * dispute gives nothing to that workspace. */
static void test_dispute_stays_with_its_payment(void)
{
	char ka[128], a[64], kb[128], b[64], pia[64], pib[64], dp[64], form[128], event[1024];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(make_workspace("DisputedA", ka, sizeof(ka), a, sizeof(a)), 0);
	CU_ASSERT_EQUAL_FATAL(make_workspace("DisputedB", kb, sizeof(kb), b, sizeof(b)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(ka, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(kb, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL_FATAL(recharge(ka, "dispute-a", "10.00", &r), 200);
	snprintf(pia, sizeof(pia), "%s", http_json_str(&r, "payment_intent"));
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(recharge(kb, "dispute-b", "10.00", &r), 200);
	snprintf(pib, sizeof(pib), "%s", http_json_str(&r, "payment_intent"));
	http_free(&r);
	snprintf(form, sizeof(form), "payment_intent=%s&amount=500", pia);
	CU_ASSERT_EQUAL_FATAL(stripe_post("/fixture/dispute", form, &r), 200);
	snprintf(dp, sizeof(dp), "%s", http_json_str(&r, "id"));
	http_free(&r);
	CU_ASSERT_EQUAL(deliver_newest(dp, "charge.dispute.created"), 200);
	CU_ASSERT_EQUAL(balance(a), 8000000);
	snprintf(event, sizeof(event),
	    "{\"id\":\"evt_crossed_%s\",\"object\":\"event\",\"type\":"
	    "\"charge.dispute.closed\",\"data\":{\"object\":{\"id\":\"%s\",\"object\":\"dispute\","
	    "\"amount\":500,\"currency\":\"eur\",\"payment_intent\":\"%s\",\"status\":\"won\"}}}",
	    dp, dp, pib);
	CU_ASSERT_EQUAL(deliver(event, NULL), 200);
	CU_ASSERT_EQUAL(balance(b), 13000000);
	CU_ASSERT_EQUAL(balance(a), 8000000);
	books_balance();
}

/* Review of issue 14: in the last hour before its expiry a payment whose
 * create call got no answer is not sent again (Stripe's search must have
 * caught up before a miss can expire it); after expiry it is found. */
static void test_no_create_in_the_last_hour(void)
{
	char k[128], id[64], pid[64], state[32];
	struct http_response r;
	long posts;

	CU_ASSERT_EQUAL_FATAL(make_workspace("LastHour", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_timeout"), 200);
	CU_ASSERT_EQUAL(recharge(k, "last-hour", "10.00", &r), 503);
	http_free(&r);
	newest_payment(id, "manual", pid, sizeof(pid));
	age_payments(id, 22);
	stripe_advance(22 * 3600 + 1800);
	{ /* 22.5 hours in */
		char *v = pg_value("UPDATE payments SET expires_at = now() + interval '30 minutes'"
		                   " WHERE id = $1::uuid RETURNING 1",
		    pid);
		free(v);
	}
	posts = stripe_count("posts");
	CU_ASSERT_EQUAL(recharge(k, "last-hour", "10.00", &r), 503);
	http_free(&r);
	CU_ASSERT_EQUAL(stripe_count("posts"), posts);
	age_payments(id, 1);
	resolve_payments(id);
	payment_state(pid, state, sizeof(state));
	CU_ASSERT_STRING_EQUAL(state, "succeeded");
	CU_ASSERT_EQUAL(balance(id), 13000000);
	books_balance();
}

/* --- recharges, webhooks and auto-recharge, as they were first built ---- */

/* The same, made by the official stripe npm package. Returns 0 or -1. */
static int stripe_sign_npm(const char *payload, const char *secret, long long t, char *out,
    size_t outsz)
{
	const char *dir = getenv("DRAGOMAN_NPM_DIR");
	char file[] = "/tmp/dragoman-payload-XXXXXX", cmd[1024];
	FILE *f, *p;
	int fd = mkstemp(file), ok = 0;

	if (fd < 0 || dir == NULL)
		return -1;
	f = fdopen(fd, "w");
	fputs(payload, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "node '%s/stripe-sign.cjs' '%s' '%s' %lld", dir, file, secret,
	    t);
	if ((p = popen(cmd, "r")) != NULL) {
		ok = fgets(out, (int)outsz, p) != NULL;
		ok = pclose(p) == 0 && ok;
	}
	unlink(file);
	return ok ? 0 : -1;
}

/* POSTs a webhook with the header sig (NULL: none). Returns the status. */
static long webhook(const char *payload, const char *sig)
{
	char h[512];
	const char *hs[] = { "Content-Type: application/json", sig ? h : NULL, NULL };
	struct http_response r;
	long st;

	snprintf(h, sizeof(h), "Stripe-Signature: %s", sig ? sig : "");
	st = http_request("POST", "/v1/billing/webhooks/stripe", hs, payload, strlen(payload), &r);
	http_free(&r);
	return st;
}

/* Recharges through Stripe: credited once, retries replay, declines say
 * so and change nothing. */
static void test_recharge(void)
{
	char k[128], id[64], idem[64];
	struct http_response r, r2;
	long calls;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Payer", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/recharge", "r0", "{\"amount\":\"10.00\"}", &r),
	    409);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	calls = stripe_count("payment_intents");
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/recharge", NULL, "{\"amount\":\"10.00\"}", &r),
	    400);
	http_free(&r);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/recharge", "r1", "{\"amount\":\"0.50\"}", &r),
	    400);
	http_free(&r);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/recharge", "r2", "{\"amount\":\"10.001\"}", &r),
	    400);
	http_free(&r);
	snprintf(idem, sizeof(idem), "recharge-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(post_idem(k, "/v1/billing/recharge", idem, "{\"amount\":\"10.00\"}",
	                          &r),
	    200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "state"), "succeeded");
	CU_ASSERT_EQUAL(balance_of(k), 13000000);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), calls + 1);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/recharge", idem, "{\"amount\":\"10.00\"}", &r2),
	    200);
	CU_ASSERT_STRING_EQUAL(r2.body, r.body);
	CU_ASSERT_EQUAL(balance_of(k), 13000000);
	CU_ASSERT_EQUAL(stripe_count("payment_intents"), calls + 1);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = "
	                       "'credit'",
	                    id),
	    1);
	http_free(&r);
	http_free(&r2);
	/* declined */
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_chargeDeclined"), 200);
	CU_ASSERT_EQUAL(post_idem(k, "/v1/billing/recharge", "declined-1", "{\"amount\":\"5.00\"}",
	                    &r),
	    402);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "type"), "urn:dragoman:problem:payment-declined");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "declined"));
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 13000000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM payments WHERE workspace_id = $1 AND state = "
	                       "'failed'",
	                    id),
	    1);
}

/* A recharge Stripe leaves processing is credited by its webhook, once,
 * however often and in whatever order the events come. */
static void test_webhooks(void)
{
	char k[128], id[64], pi[64], payload[1024], sig[512], npm_sig[512];
	struct http_response r;
	long long now = (long long)time(NULL), events;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Webhooked", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_processing"), 200);
	CU_ASSERT_EQUAL_FATAL(post_idem(k, "/v1/billing/recharge", "slow-1",
	                          "{\"amount\":\"20.00\"}", &r),
	    202);
	snprintf(pi, sizeof(pi), "%s", http_json_str(&r, "payment_intent"));
	http_free(&r);
	CU_ASSERT_EQUAL(balance_of(k), 3000000);
	snprintf(payload, sizeof(payload),
	    "{\"id\":\"evt_ok_%s\",\"object\":\"event\",\"type\":"
	    "\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"%s\",\"object\":"
	    "\"payment_intent\",\"status\":\"succeeded\"}}}",
	    pi, pi);
	events = pg_num("SELECT count(*) FROM stripe_events", NULL);
	/* refused before anything is written */
	stripe_sign(payload, "whsec_wrong", now, sig, sizeof(sig));
	CU_ASSERT_EQUAL(webhook(payload, sig), 400);
	stripe_sign(payload, "whsec_fixture", now - 400, sig, sizeof(sig));
	CU_ASSERT_EQUAL(webhook(payload, sig), 400);
	stripe_sign(payload, "whsec_fixture", now + 400, sig, sizeof(sig));
	CU_ASSERT_EQUAL(webhook(payload, sig), 400);
	CU_ASSERT_EQUAL(webhook(payload, NULL), 400);
	CU_ASSERT_EQUAL(webhook(payload, "t=abc,v1=zz"), 400);
	stripe_sign(payload, "whsec_fixture", now, sig, sizeof(sig));
	{
		char flipped[1024];
		snprintf(flipped, sizeof(flipped), "%s", payload);
		flipped[strlen(flipped) - 3] ^= 1;
		CU_ASSERT_EQUAL(webhook(flipped, sig), 400);
	}
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM stripe_events", NULL), events);
	CU_ASSERT_EQUAL(balance_of(k), 3000000);
	/* the official package's signature, with a wrong v1 before the right one */
	CU_ASSERT_EQUAL_FATAL(stripe_sign_npm(payload, "whsec_fixture", now, npm_sig,
	                          sizeof(npm_sig)),
	    0);
	CU_ASSERT_STRING_EQUAL(npm_sig, sig);
	{
		char several[600];
		snprintf(several, sizeof(several), "t=%lld,v1=%064d,%s", now, 0,
		    strchr(npm_sig, ',') + 1);
		CU_ASSERT_EQUAL(webhook(payload, several), 200);
	}
	CU_ASSERT_EQUAL(balance_of(k), 23000000);
	/* the same event again, and another event for the same payment */
	CU_ASSERT_EQUAL(webhook(payload, sig), 200);
	snprintf(payload, sizeof(payload),
	    "{\"id\":\"evt_again_%s\",\"object\":\"event\",\"type\":"
	    "\"payment_intent.succeeded\",\"data\":{\"object\":{\"id\":\"%s\"}}}",
	    pi, pi);
	stripe_sign(payload, "whsec_fixture", now, sig, sizeof(sig));
	CU_ASSERT_EQUAL(webhook(payload, sig), 200);
	CU_ASSERT_EQUAL(balance_of(k), 23000000);
	/* a refund of 3.00 takes it back once */
	snprintf(payload, sizeof(payload),
	    "{\"id\":\"evt_refund_%s\",\"object\":\"event\",\"type\":"
	    "\"charge.refunded\",\"data\":{\"object\":{\"id\":\"ch_%s\",\"object\":\"charge\","
	    "\"payment_intent\":\"%s\",\"amount_refunded\":300}}}",
	    pi, pi, pi);
	stripe_sign(payload, "whsec_fixture", now, sig, sizeof(sig));
	CU_ASSERT_EQUAL(webhook(payload, sig), 200);
	CU_ASSERT_EQUAL(webhook(payload, sig), 200);
	CU_ASSERT_EQUAL(balance_of(k), 20000000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = "
	                       "'refund'",
	                    id),
	    1);
	/* out of order: refunded before it succeeded is never credited */
	CU_ASSERT_EQUAL_FATAL(post_idem(k, "/v1/billing/recharge", "slow-2",
	                          "{\"amount\":\"7.00\"}", &r),
	    202);
	snprintf(pi, sizeof(pi), "%s", http_json_str(&r, "payment_intent"));
	http_free(&r);
	snprintf(payload, sizeof(payload),
	    "{\"id\":\"evt_r2_%s\",\"type\":\"charge.refunded\","
	    "\"data\":{\"object\":{\"id\":\"ch_%s\",\"payment_intent\":\"%s\",\"amount_refunded\":700}}}",
	    pi, pi, pi);
	stripe_sign(payload, "whsec_fixture", now, sig, sizeof(sig));
	CU_ASSERT_EQUAL(webhook(payload, sig), 200);
	snprintf(payload, sizeof(payload),
	    "{\"id\":\"evt_s2_%s\",\"type\":\"payment_intent.succeeded\","
	    "\"data\":{\"object\":{\"id\":\"%s\"}}}",
	    pi, pi);
	stripe_sign(payload, "whsec_fixture", now, sig, sizeof(sig));
	CU_ASSERT_EQUAL(webhook(payload, sig), 200);
	CU_ASSERT_EQUAL(balance_of(k), 20000000);
	CU_ASSERT_EQUAL(
	    pg_num(
	        "SELECT count(*) FROM workspaces w WHERE balance_micros <> "
	        "(SELECT coalesce(sum(amount_micros), 0) FROM ledger l WHERE l.workspace_id = w.id)",
	        NULL),
	    0);
}

/* 20 workers' charges cross the threshold at once: exactly one recharge,
 * made after the responses, credited once; a declined one is shown in the
 * balance with the next attempt. */
static void test_auto_recharge(void)
{
	char k[128], id[64], args[160];
	struct charger x[20];
	pthread_t t[20];
	struct http_response r;
	struct json_object *ar, *v;

	CU_ASSERT_EQUAL_FATAL(make_workspace("Auto", k, sizeof(k), id, sizeof(id)), 0);
	snprintf(args, sizeof(args), "billing cap %s 100", id);
	free(admin(args));
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL(set_auto_recharge(k,
	                    "{\"enabled\":true,\"threshold\":\"2.50\",\"amount\":\"0.10\"}"),
	    400);
	CU_ASSERT_EQUAL_FATAL(set_auto_recharge(k,
	                          "{\"enabled\":true,\"threshold\":\"2.50\",\"amount\":"
	                          "\"10.00\",\"max_per_day\":3}"),
	    200);
	for (int i = 0; i < 20; i++) {
		x[i] = (struct charger){ k, i, 0 };
		pthread_create(&t[i], NULL, charge_run, &x[i]);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(x[i].status, 200);
	}
	/* 3.00 - 20 x 0.10 + 10.00, once the one recharge has run */
	CU_ASSERT_EQUAL(pg_wait("SELECT balance_micros FROM workspaces WHERE id = $1", id,
	                    11000000),
	    11000000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM payments WHERE workspace_id = $1 AND kind = "
	                       "'auto'",
	                    id),
	    1);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1 AND type = "
	                       "'credit'",
	                    id),
	    1);
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/balance", k, &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "auto_recharge", &ar) && ar != NULL &&
	    json_object_object_get_ex(ar, "last_state", &v) &&
	    strcmp(json_object_get_string(v), "succeeded") == 0);
	http_free(&r);
	/* declined: recorded, shown, retried later rather than at once */
	CU_ASSERT_EQUAL_FATAL(make_workspace("AutoDeclined", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_chargeDeclined"), 200);
	CU_ASSERT_EQUAL_FATAL(set_auto_recharge(k,
	                          "{\"enabled\":true,\"threshold\":\"2.95\",\"amount\":"
	                          "\"5.00\"}"),
	    200);
	x[0] = (struct charger){ k, 100, 0 };
	charge_run(&x[0]);
	CU_ASSERT_EQUAL(x[0].status, 200);
	CU_ASSERT_EQUAL(pg_wait("SELECT count(*) FROM payments WHERE workspace_id = $1 AND state = "
	                        "'failed'",
	                    id, 1),
	    1);
	CU_ASSERT_EQUAL_FATAL(get("/v1/billing/balance", k, &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "auto_recharge", &ar) && ar != NULL &&
	    json_object_object_get_ex(ar, "last_error", &v) && v != NULL &&
	    strstr(json_object_get_string(v), "declined") != NULL &&
	    json_object_object_get_ex(ar, "next_attempt_at", &v) && v != NULL);
	http_free(&r);
	x[1] = (struct charger){ k, 101, 0 };
	charge_run(&x[1]);
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM payments WHERE workspace_id = $1", id), 1);
	CU_ASSERT_EQUAL(pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", id), 2800000);
	/* the day's limit: a second crossing the same day makes no payment */
	CU_ASSERT_EQUAL_FATAL(make_workspace("AutoLimited", k, sizeof(k), id, sizeof(id)), 0);
	CU_ASSERT_EQUAL_FATAL(set_payment_method(k, "pm_card_visa"), 200);
	CU_ASSERT_EQUAL_FATAL(set_auto_recharge(k,
	                          "{\"enabled\":true,\"threshold\":\"2.95\",\"amount\":"
	                          "\"1.00\",\"max_per_day\":1}"),
	    200);
	x[2] = (struct charger){ k, 200, 0 };
	charge_run(&x[2]); /* 2.90: crossed, +1.00 */
	CU_ASSERT_EQUAL(pg_wait("SELECT balance_micros FROM workspaces WHERE id = $1", id, 3900000),
	    3900000);
	for (int i = 0; i < 10; i++) { /* back to 2.90: crossed again */
		x[3] = (struct charger){ k, 201 + i, 0 };
		charge_run(&x[3]);
		CU_ASSERT_EQUAL(x[3].status, 200);
	}
	usleep(300 * 1000);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM payments WHERE workspace_id = $1 AND kind = "
	                       "'auto'",
	                    id),
	    1);
	CU_ASSERT_EQUAL(pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", id), 2900000);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "defect 1: a recharge credits exactly what Stripe charged",
		    test_recharge_charges_the_payments_amount },
		{ "defect 2: never a second PaymentIntent for one payment",
		    test_never_a_second_intent },
		{ "defects 2, 3: a create call that timed out after Stripe charged",
		    test_timed_out_create },
		{ "defect 3: a succeeded PaymentIntent is never thrown away",
		    test_succeeded_never_thrown_away },
		{ "defect 4: cumulative refunds, disputes, what is owed",
		    test_refunds_and_disputes },
		{ "defect 5: auto-recharge whenever below the threshold, one at a time",
		    test_auto_recharge_whenever_below },
		{ "requires_action, payment_failed, canceled", test_lifecycle_states },
		{ "review: a refund before the PaymentIntent is known",
		    test_refund_before_the_intent_is_known },
		{ "review: a request Stripe refuses fails at once",
		    test_refused_request_fails_at_once },
		{ "review: refused above the threshold, still recharged",
		    test_refusal_above_threshold_recharges },
		{ "review: a dispute stays with its payment", test_dispute_stays_with_its_payment },
		{ "review: no create call in the last hour before expiry",
		    test_no_create_in_the_last_hour },
		{ "recharge through Stripe: once, replayed, declined", test_recharge },
		{ "Stripe webhooks: signatures, duplicates, order, refunds", test_webhooks },
		{ "auto-recharge: one per crossing, after the response", test_auto_recharge },
		{ NULL, NULL }
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cu_run("payments", tests);
}
