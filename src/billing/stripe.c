#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "billing/stripe.h"
#include "core/http_client.h"
#include "core/json.h"
#include "core/random.h"
#include "proc/worker.h"

#define STRIPE_URL "https://api.stripe.com"

/* Grammar of the header: item ("," item)*, item = key "=" value; the keys
 * that count are "t" (decimal seconds) and "v1" (64 hex digits). */
int stripe_signature_valid(const char *header, const char *body, size_t len, const char *secret,
    long long now, long tolerance_s)
{
	char buf[2048], *save = NULL, expect[65], ts[32] = "";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	const char *sigs[16];
	int nsigs = 0, ok = 0;
	long long t;
	char *signed_payload;
	size_t tlen;

	if (header == NULL || secret == NULL || strlen(header) >= sizeof(buf))
		return 0;
	snprintf(buf, sizeof(buf), "%s", header);
	for (char *it = strtok_r(buf, ",", &save); it != NULL; it = strtok_r(NULL, ",", &save)) {
		if (strncmp(it, "t=", 2) == 0 && ts[0] == '\0' && strlen(it + 2) < sizeof(ts))
			snprintf(ts, sizeof(ts), "%s", it + 2);
		else if (strncmp(it, "v1=", 3) == 0 && nsigs < 16 && strlen(it + 3) == 64)
			sigs[nsigs++] = it + 3;
	}
	if (ts[0] == '\0' || nsigs == 0 || strspn(ts, "0123456789") != strlen(ts) ||
	    strlen(ts) > 12)
		return 0;
	t = atoll(ts);
	if (t < now - tolerance_s || t > now + tolerance_s)
		return 0;
	/* what Stripe signs: "<t>.<body>" */
	tlen = strlen(ts);
	signed_payload = malloc(tlen + 1 + len);
	if (signed_payload == NULL)
		return 0;
	memcpy(signed_payload, ts, tlen);
	signed_payload[tlen] = '.';
	memcpy(signed_payload + tlen + 1, body, len);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (unsigned char *)signed_payload,
	        tlen + 1 + len, mac, &maclen) == NULL ||
	    maclen != 32) {
		free(signed_payload);
		return 0;
	}
	free(signed_payload);
	hex_encode(mac, 32, expect);
	for (int i = 0; i < nsigs; i++)
		ok |= CRYPTO_memcmp(expect, sigs[i], 64) == 0;
	return ok;
}

enum stripe_outcome stripe_status_outcome(const char *status)
{
	if (status == NULL)
		return STRIPE_FAILED;
	if (strcmp(status, "succeeded") == 0)
		return STRIPE_SUCCEEDED;
	if (strcmp(status, "processing") == 0 || strcmp(status, "requires_action") == 0 ||
	    strcmp(status, "requires_confirmation") == 0 || strcmp(status, "requires_capture") == 0)
		return STRIPE_PENDING;
	if (strcmp(status, "canceled") == 0)
		return STRIPE_CANCELED;
	if (strcmp(status, "requires_payment_method") == 0)
		return STRIPE_DECLINED;
	return STRIPE_FAILED;
}

void stripe_read_intent(struct json_object *pi_obj, struct stripe_result *out)
{
	struct json_object *v;
	const char *status = json_str(pi_obj, "status", NULL);
	const char *why = json_str(pi_obj, "last_payment_error", "message");

	const char *id = json_str(pi_obj, "id", NULL);
	const char *payment_id = json_str(pi_obj, "metadata", "payment_id");
	const char *customer = json_str(pi_obj, "customer", NULL);

	snprintf(out->pi, sizeof(out->pi), "%s", id != NULL ? id : "");
	snprintf(out->payment_id, sizeof(out->payment_id), "%s",
	    payment_id != NULL ? payment_id : "");
	snprintf(out->customer, sizeof(out->customer), "%s", customer != NULL ? customer : "");
	out->outcome = stripe_status_outcome(status);
	out->amount_cents = -1;
	if ((json_object_object_get_ex(pi_obj, "amount_received", &v) &&
	        json_object_get_int64(v) > 0) ||
	    json_object_object_get_ex(pi_obj, "amount", &v))
		out->amount_cents = json_object_get_int64(v);
	if (out->outcome == STRIPE_DECLINED && why != NULL)
		snprintf(out->message, sizeof(out->message), "%s", why);
	else
		snprintf(out->message, sizeof(out->message), "payment %s",
		    status != NULL ? status : "?");
}

/* Returns 1 when an error answer of status and type says that Stripe
 * refused the request itself, so that nothing can have been charged: a
 * 400/401/403/404 of the request's own making. An idempotency_error
 * (the key was used before: something may have been charged), a 409
 * (the same key in flight), 429 and 5xx are not. */
static int refused(long status, const char *type)
{
	if (type == NULL || (status != 400 && status != 401 && status != 403 && status != 404))
		return 0;
	return strcmp(type, "invalid_request_error") == 0 ||
	    strcmp(type, "authentication_error") == 0 || strcmp(type, "permission_error") == 0;
}

/* Reads Stripe's answer r (a PaymentIntent, or an error) into out. */
static void read_answer(const struct http_reply *r, struct stripe_result *out)
{
	struct json_object *doc = r->body != NULL ? json_tokener_parse(r->body) : NULL, *err, *x;

	if (r->status == 200 && json_str(doc, "id", NULL) != NULL &&
	    json_str(doc, "status", NULL) != NULL) {
		stripe_read_intent(doc, out);
	} else if (doc != NULL && json_object_object_get_ex(doc, "error", &err)) {
		const char *type = json_str(doc, "error", "type");
		const char *code = json_str(doc, "error", "code");
		const char *msg = json_str(doc, "error", "message");
		if (json_object_object_get_ex(err, "payment_intent", &x) &&
		    json_str(x, "id", NULL) != NULL)
			snprintf(out->pi, sizeof(out->pi), "%s", json_str(x, "id", NULL));
		snprintf(out->message, sizeof(out->message), "%s", msg != NULL ? msg : "declined");
		out->outcome = type != NULL && strcmp(type, "card_error") == 0 ? STRIPE_DECLINED
		    : r->status == 404 && code != NULL && strcmp(code, "resource_missing") == 0
		    ? STRIPE_NOT_FOUND
		    : refused(r->status, type) ? STRIPE_REFUSED
		                               : STRIPE_FAILED;
		if (type != NULL && strcmp(type, "authentication_error") == 0)
			snprintf(out->message, sizeof(out->message),
			    "payments are misconfigured on this "
			    "server (Stripe refused its key); nothing was charged");
	} else
		snprintf(out->message, sizeof(out->message),
		    "unexpected answer from Stripe (HTTP %ld)", r->status);
	json_object_put(doc);
}

/* Prepares call for Stripe's path (auth, Idempotency-Key idem or none)
 * into the caller's buffers. */
static void stripe_call(struct worker *w, const char *path, const char *idem,
    const char *request_id, struct http_call *call, char *url, size_t urlsz, char *auth,
    size_t authsz, char *ikey, size_t ikeysz)
{
	snprintf(url, urlsz, "%s%s", w->cfg->stripe_url != NULL ? w->cfg->stripe_url : STRIPE_URL,
	    path);
	snprintf(auth, authsz, "Authorization: Bearer %s", w->cfg->stripe_secret_key);
	snprintf(ikey, ikeysz, "Idempotency-Key: %s", idem != NULL ? idem : "");
	memset(call, 0, sizeof(*call));
	call->url = url;
	call->timeout_ms = w->cfg->provider_timeout_ms;
	call->request_id = request_id;
	call->headers[0] = auth;
	call->headers[1] = idem != NULL ? ikey : NULL;
}

/* Says in out that r is no answer (refused, timed out, cut off). */
static void no_answer(const struct http_reply *r, struct stripe_result *out)
{
	out->outcome = STRIPE_FAILED;
	snprintf(out->message, sizeof(out->message), "Stripe did not answer: %.200s", r->error);
}

/* Starts out as "no answer". Returns 0, or -1 when Stripe is not
 * configured (out says so). */
static int result_start(struct worker *w, struct stripe_result *out)
{
	memset(out, 0, sizeof(*out));
	out->outcome = STRIPE_FAILED;
	out->amount_cents = -1;
	if (w->cfg->stripe_secret_key != NULL)
		return 0;
	snprintf(out->message, sizeof(out->message),
	    "payments are not configured (stripe_secret_key)");
	return -1;
}

enum stripe_outcome stripe_charge(struct worker *w, const char *customer,
    const char *payment_method, long long amount_cents, const char *currency, const char *idem,
    const char *payment_id, const char *request_id, struct stripe_result *out)
{
	char url[600], auth[300], ikey[320], amount[24];
	struct form_field f[] = {
		{ "amount", amount },
		{ "currency", currency },
		{ "customer", customer },
		{ "payment_method", payment_method },
		{ "off_session", "true" },
		{ "confirm", "true" },
		{ "metadata[payment_id]", payment_id },
	};
	struct http_call call;
	struct http_reply r;

	if (result_start(w, out) < 0)
		return out->outcome;
	snprintf(amount, sizeof(amount), "%lld", amount_cents);
	stripe_call(w, "/v1/payment_intents", idem, request_id, &call, url, sizeof(url), auth,
	    sizeof(auth), ikey, sizeof(ikey));
	if (http_client_post_form(w->curl, &call, f, sizeof(f) / sizeof(f[0]), &r) < 0)
		no_answer(&r, out);
	else
		read_answer(&r, out);
	http_reply_free(&r);
	return out->outcome;
}

enum stripe_outcome stripe_retrieve(struct worker *w, const char *pi, const char *request_id,
    struct stripe_result *out)
{
	char url[600], auth[300], ikey[16], path[128];
	struct http_call call;
	struct http_reply r;

	if (result_start(w, out) < 0)
		return out->outcome;
	if (strspn(pi, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
	        strlen(pi) ||
	    strlen(pi) > 64) {
		snprintf(out->message, sizeof(out->message), "not a PaymentIntent id");
		return out->outcome;
	}
	snprintf(path, sizeof(path), "/v1/payment_intents/%s", pi);
	stripe_call(w, path, NULL, request_id, &call, url, sizeof(url), auth, sizeof(auth), ikey,
	    sizeof(ikey));
	if (http_client_get(w->curl, &call, &r) < 0)
		no_answer(&r, out);
	else
		read_answer(&r, out);
	http_reply_free(&r);
	return out->outcome;
}

enum stripe_outcome stripe_find_payment(struct worker *w, const char *payment_id,
    const char *request_id, struct stripe_result *out)
{
	char url[600], auth[300], ikey[16], path[256], query[128], *esc;
	struct json_object *doc, *data;
	struct http_call call;
	struct http_reply r;

	if (result_start(w, out) < 0)
		return out->outcome;
	/* Stripe's search query language: metadata['key']:'value' */
	snprintf(query, sizeof(query), "metadata['payment_id']:'%s'", payment_id);
	esc = curl_easy_escape(w->curl, query, 0);
	snprintf(path, sizeof(path), "/v1/payment_intents/search?query=%s", esc != NULL ? esc : "");
	curl_free(esc);
	stripe_call(w, path, NULL, request_id, &call, url, sizeof(url), auth, sizeof(auth), ikey,
	    sizeof(ikey));
	if (http_client_get(w->curl, &call, &r) < 0) {
		no_answer(&r, out);
		http_reply_free(&r);
		return out->outcome;
	}
	doc = r.status == 200 && r.body != NULL ? json_tokener_parse(r.body) : NULL;
	if (doc != NULL && json_object_object_get_ex(doc, "data", &data) &&
	    json_object_is_type(data, json_type_array)) {
		out->outcome = STRIPE_NOT_FOUND;
		snprintf(out->message, sizeof(out->message), "no PaymentIntent for payment %s",
		    payment_id);
		/* one payment makes one PaymentIntent; a succeeded one wins */
		for (size_t i = 0; i < json_object_array_length(data); i++) {
			struct stripe_result one;
			memset(&one, 0, sizeof(one));
			stripe_read_intent(json_object_array_get_idx(data, i), &one);
			if (out->outcome == STRIPE_NOT_FOUND || one.outcome == STRIPE_SUCCEEDED)
				*out = one;
		}
	} else
		read_answer(&r, out);
	json_object_put(doc);
	http_reply_free(&r);
	return out->outcome;
}
