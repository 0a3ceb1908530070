/* A stand-in for Stripe's API (which cannot be reached from here),
 * speaking its wire format for what dragoman uses:
 *   POST /v1/payment_intents, Authorization: Bearer sk_test_fixture,
 *     form: amount, currency, customer, payment_method, confirm=true,
 *     off_session=true; Idempotency-Key replays the first answer
 *     -> 200 {"id":"pi_...","object":"payment_intent","status":"succeeded",...}
 *     payment_method pm_card_chargeDeclined -> 402 {"error":{"type":
 *       "card_error","code":"card_declined",...,"payment_intent":{...}}}
 *     payment_method pm_card_processing -> 200 with status "processing"
 *   GET /fixture/calls (not Stripe's) -> {"payment_intents": n}, how many
 *     were created (replays not counted)
 *   stripe_fixture PORT SECONDS */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listen.h"

#define KEYS_MAX 4096

static struct { char key[128]; int status; char body[1024]; } seen[KEYS_MAX];
static int nseen;
static long created;

/* Copies the decoded value of form field name of body into out. Returns
 * out, or "" when absent. */
static const char *form_field(const char *body, const char *name, char *out, size_t outsz)
{
	size_t n = strlen(name), o = 0;
	const char *p = body;

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			for (p += n + 1; *p != '\0' && *p != '&' && o + 1 < outsz; p++) {
				if (*p == '%' && p[1] && p[2]) {
					char hex[3] = { p[1], p[2], 0 };
					out[o++] = (char)strtol(hex, NULL, 16);
					p += 2;
				} else
					out[o++] = *p == '+' ? ' ' : *p;
			}
			out[o] = '\0';
			return out;
		}
		p = strchr(p, '&');
		if (p != NULL)
			p++;
	}
	return out;
}

/* Creates a PaymentIntent from the form body into status and body. */
static void create(const char *form, int *status, char *body, size_t bodysz)
{
	char amount[32], currency[16], customer[128], pm[128];

	form_field(form, "amount", amount, sizeof(amount));
	form_field(form, "currency", currency, sizeof(currency));
	form_field(form, "customer", customer, sizeof(customer));
	form_field(form, "payment_method", pm, sizeof(pm));
	created++;
	if (amount[0] == '\0' || currency[0] == '\0' || pm[0] == '\0') {
		*status = 400;
		snprintf(body, bodysz, "{\"error\":{\"type\":\"invalid_request_error\",\"message\":"
		    "\"Missing required param: amount.\"}}");
	} else if (strcmp(pm, "pm_card_chargeDeclined") == 0) {
		*status = 402;
		snprintf(body, bodysz, "{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\","
		    "\"decline_code\":\"generic_decline\",\"message\":\"Your card was declined.\","
		    "\"payment_intent\":{\"id\":\"pi_fx%ld\",\"object\":\"payment_intent\","
		    "\"status\":\"requires_payment_method\"}}}", created);
	} else {
		*status = 200;
		snprintf(body, bodysz, "{\"id\":\"pi_fx%ld\",\"object\":\"payment_intent\",\"amount\":%s,"
		    "\"currency\":\"%s\",\"customer\":\"%s\",\"status\":\"%s\"}", created, amount,
		    currency, customer, strcmp(pm, "pm_card_processing") == 0 ? "processing" : "succeeded");
	}
}

/* Answers one request on fd and closes it. */
static void serve(int fd)
{
	struct fixture_request rq;
	char auth[256], key[128], body[1024];
	int status;

	if (fixture_read_request(fd, &rq) < 0)
		goto out;
	if (strcmp(rq.method, "GET") == 0 && strcmp(rq.target, "/fixture/calls") == 0) {
		snprintf(body, sizeof(body), "{\"payment_intents\":%ld}", created);
		fixture_respond(fd, 200, body);
		goto out;
	}
	if (fixture_header(&rq, "Authorization", auth, sizeof(auth)) == NULL ||
	    strcmp(auth, "Bearer sk_test_fixture") != 0) {
		fixture_respond(fd, 401, "{\"error\":{\"type\":\"invalid_request_error\",\"message\":"
		    "\"Invalid API Key provided\"}}");
		goto out;
	}
	if (strcmp(rq.method, "POST") != 0 || strcmp(rq.target, "/v1/payment_intents") != 0) {
		fixture_respond(fd, 404, "{\"error\":{\"type\":\"invalid_request_error\",\"message\":"
		    "\"Unrecognized request URL\"}}");
		goto out;
	}
	if (fixture_header(&rq, "Idempotency-Key", key, sizeof(key)) != NULL)
		for (int i = 0; i < nseen; i++)
			if (strcmp(seen[i].key, key) == 0) {
				fixture_respond(fd, seen[i].status, seen[i].body);
				goto out;
			}
	create(rq.body, &status, body, sizeof(body));
	if (fixture_header(&rq, "Idempotency-Key", key, sizeof(key)) != NULL && nseen < KEYS_MAX) {
		snprintf(seen[nseen].key, sizeof(seen[nseen].key), "%s", key);
		seen[nseen].status = status;
		snprintf(seen[nseen].body, sizeof(seen[nseen].body), "%s", body);
		nseen++;
	}
	fixture_respond(fd, status, body);
out:
	close(fd);
}

int main(int argc, char **argv)
{
	return fixture_main("stripe_fixture", argc, argv, serve);
}
