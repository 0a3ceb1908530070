#include "autoconfig.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "stand.h"

/* The stack's webhook secret (tests/harness/stack). */
#define WEBHOOK_SECRET "whsec_fixture"

/* How many of the stand-in's events were fetched so far. */
static int fetched;

/* Writes the stand-in's URL for path into url. */
static void stand_url(const char *path, char *url, size_t urlsz)
{
	const char *base = getenv("DRAGOMAN_FIXTURE_STRIPE");

	snprintf(url, urlsz, "%s%s", base != NULL ? base : "", path);
}

/* Copies the string member name of o (NULL: o) into out ("" when absent). */
static void str_of(struct json_object *o, const char *name, char *out, size_t outsz)
{
	struct json_object *v = o;

	out[0] = '\0';
	if (name != NULL && !json_object_object_get_ex(o, name, &v))
		return;
	if (v != NULL && json_object_is_type(v, json_type_string))
		snprintf(out, outsz, "%s", json_object_get_string(v));
}

/* Returns the integer member name of o, or -1. */
static long long int_of(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) && v != NULL ? json_object_get_int64(v) : -1;
}

/* Reads event e into ev. */
static void event_read(struct json_object *e, struct stand_event *ev)
{
	struct json_object *data = NULL, *obj = NULL, *md = NULL;

	memset(ev, 0, sizeof(*ev));
	ev->json = strdup(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN));
	str_of(e, "id", ev->id, sizeof(ev->id));
	str_of(e, "type", ev->type, sizeof(ev->type));
	if (!json_object_object_get_ex(e, "data", &data) ||
	    !json_object_object_get_ex(data, "object", &obj))
		return;
	str_of(obj, "status", ev->status, sizeof(ev->status));
	str_of(obj, "customer", ev->customer, sizeof(ev->customer));
	if (strncmp(ev->type, "payment_intent.", 15) == 0) {
		str_of(obj, "id", ev->pi, sizeof(ev->pi));
		if (json_object_object_get_ex(obj, "metadata", &md))
			str_of(md, "payment_id", ev->payment_id, sizeof(ev->payment_id));
		ev->cents = int_of(obj, "amount");
	} else {
		str_of(obj, "payment_intent", ev->pi, sizeof(ev->pi));
		if (strncmp(ev->type, "charge.dispute.", 15) == 0) {
			str_of(obj, "id", ev->dispute, sizeof(ev->dispute));
			ev->cents = int_of(obj, "amount");
		} else
			ev->cents = int_of(obj, "amount_refunded");
	}
}

int stand_events_new(struct stand_event **out, int *n)
{
	char url[512], path[64];
	struct http_response r;
	struct json_object *all;
	int rc = -1;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/fixture/events?from=%d", fetched);
	stand_url(path, url, sizeof(url));
	if (http_get_url(url, &r) == 200 && json_object_object_get_ex(r.json, "data", &all) &&
	    json_object_is_type(all, json_type_array)) {
		size_t len = json_object_array_length(all);
		*out = calloc(len + 1, sizeof(**out));
		if (*out != NULL) {
			for (size_t i = 0; i < len; i++)
				event_read(json_object_array_get_idx(all, i), &(*out)[i]);
			*n = (int)len;
			fetched += (int)len;
			rc = 0;
		}
	}
	http_free(&r);
	return rc;
}

void stand_events_free(struct stand_event *ev, int n)
{
	for (int i = 0; ev != NULL && i < n; i++)
		free(ev[i].json);
	free(ev);
}

long stand_post(const char *path, const char *form, struct http_response *r)
{
	char url[512];

	stand_url(path, url, sizeof(url));
	return http_post_url(url, form, r);
}

long long stand_net(const char *prefix)
{
	char url[512], path[160];
	struct http_response r;
	struct json_object *v;
	long long net = LLONG_MIN;

	snprintf(path, sizeof(path), "/fixture/calls?customer=%s", prefix);
	stand_url(path, url, sizeof(url));
	if (http_get_url(url, &r) == 200 && json_object_object_get_ex(r.json, "net", &v))
		net = json_object_get_int64(v);
	http_free(&r);
	return net;
}

/* Writes the Stripe-Signature header value for payload at time t. */
static void sign(const char *payload, long long t, char *out, size_t outsz)
{
	unsigned char mac[32];
	unsigned int len = 0;
	char *signed_payload = NULL, hex[65];

	out[0] = '\0';
	if (asprintf(&signed_payload, "%lld.%s", t, payload) < 0)
		return;
	HMAC(EVP_sha256(), WEBHOOK_SECRET, (int)strlen(WEBHOOK_SECRET),
	    (unsigned char *)signed_payload, strlen(signed_payload), mac, &len);
	free(signed_payload);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", mac[i]);
	snprintf(out, outsz, "t=%lld,v1=%s", t, hex);
}

long stand_deliver(const char *json, struct http_response *r)
{
	char sig[256], h[300];
	const char *hs[] = { "Content-Type: application/json", h, NULL };

	sign(json, (long long)time(NULL), sig, sizeof(sig));
	snprintf(h, sizeof(h), "Stripe-Signature: %s", sig);
	return http_request("POST", "/v1/billing/webhooks/stripe", hs, json, strlen(json), r);
}
