#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http_client.h"
#include "provider.h"
#include "random.h"
#include "stripe.h"
#include "worker.h"

#define STRIPE_URL "https://api.stripe.com"

/* Grammar of the header: item ("," item)*, item = key "=" value; the keys
 * that count are "t" (decimal seconds) and "v1" (64 hex digits). */
int stripe_signature_valid(const char *header, const char *body, size_t len,
    const char *secret, long long now, long tolerance_s)
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
	if (ts[0] == '\0' || nsigs == 0 || strspn(ts, "0123456789") != strlen(ts) || strlen(ts) > 12)
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
	    tlen + 1 + len, mac, &maclen) == NULL || maclen != 32) {
		free(signed_payload);
		return 0;
	}
	free(signed_payload);
	hex_encode(mac, 32, expect);
	for (int i = 0; i < nsigs; i++)
		ok |= CRYPTO_memcmp(expect, sigs[i], 64) == 0;
	return ok;
}

/* Reads Stripe's answer r into the outcome, pi and message. */
static enum stripe_outcome outcome(const struct http_reply *r, char pi[64], char *message,
    size_t msgsz)
{
	struct json_object *doc = r->body != NULL ? json_tokener_parse(r->body) : NULL, *err, *x;
	const char *status = provider_json_str(doc, "status", NULL);
	enum stripe_outcome o = STRIPE_FAILED;

	if (r->status == 200 && provider_json_str(doc, "id", NULL) != NULL && status != NULL) {
		snprintf(pi, 64, "%s", provider_json_str(doc, "id", NULL));
		o = strcmp(status, "succeeded") == 0 ? STRIPE_SUCCEEDED
		    : strcmp(status, "processing") == 0 ? STRIPE_PENDING : STRIPE_DECLINED;
		snprintf(message, msgsz, "payment %s", status);
	} else if (doc != NULL && json_object_object_get_ex(doc, "error", &err)) {
		const char *type = provider_json_str(doc, "error", "type");
		snprintf(message, msgsz, "%s", provider_json_str(doc, "error", "message")
		    ? provider_json_str(doc, "error", "message") : "declined");
		if (json_object_object_get_ex(err, "payment_intent", &x) &&
		    provider_json_str(x, "id", NULL) != NULL)
			snprintf(pi, 64, "%s", provider_json_str(x, "id", NULL));
		o = type != NULL && strcmp(type, "card_error") == 0 ? STRIPE_DECLINED : STRIPE_FAILED;
	} else
		snprintf(message, msgsz, "unexpected answer from Stripe (HTTP %ld)", r->status);
	json_object_put(doc);
	return o;
}

enum stripe_outcome stripe_charge(struct worker *w, const char *customer,
    const char *payment_method, long long amount_cents, const char *currency,
    const char *idem, const char *request_id, char pi[64], char *message, size_t msgsz)
{
	char url[600], auth[300], ikey[320], amount[24];
	struct form_field f[] = {
		{ "amount", amount }, { "currency", currency }, { "customer", customer },
		{ "payment_method", payment_method }, { "off_session", "true" },
		{ "confirm", "true" }, { "metadata[request_id]", request_id },
	};
	struct http_call call = { url, w->cfg->provider_timeout_ms, request_id, { auth, ikey } };
	struct http_reply r;
	enum stripe_outcome o;

	pi[0] = '\0';
	if (w->cfg->stripe_secret_key == NULL) {
		snprintf(message, msgsz, "payments are not configured (stripe_secret_key)");
		return STRIPE_FAILED;
	}
	snprintf(amount, sizeof(amount), "%lld", amount_cents);
	snprintf(url, sizeof(url), "%s/v1/payment_intents",
	    w->cfg->stripe_url != NULL ? w->cfg->stripe_url : STRIPE_URL);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", w->cfg->stripe_secret_key);
	snprintf(ikey, sizeof(ikey), "Idempotency-Key: %s", idem);
	if (http_client_post_form(w->curl, &call, f, sizeof(f) / sizeof(f[0]), &r) < 0) {
		snprintf(message, msgsz, "Stripe cannot be reached: %s", r.error);
		http_reply_free(&r);
		return STRIPE_FAILED;
	}
	o = outcome(&r, pi, message, msgsz);
	http_reply_free(&r);
	return o;
}
