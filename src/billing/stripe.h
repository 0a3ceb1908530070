/* Stripe, the payment provider: PaymentIntents through its real API
 * (https://docs.stripe.com/api/payment_intents) and the verification of
 * its signed webhooks (https://docs.stripe.com/webhooks#verify-manually). */
#ifndef DRAGOMAN_STRIPE_H
#define DRAGOMAN_STRIPE_H

#include <stddef.h>

#include <json-c/json.h>

struct worker;

#define STRIPE_TOLERANCE_S 300

/* Returns 1 when header (the Stripe-Signature value "t=<unix>,v1=<hex>,
 * v1=<hex>,...") carries a v1 signature that is the HMAC-SHA256 under
 * secret of "<t>.<body>", compared in constant time, and t is within
 * tolerance_s of now either way; else 0. */
int stripe_signature_valid(const char *header, const char *body, size_t len, const char *secret,
    long long now, long tolerance_s);

enum stripe_outcome {
	STRIPE_SUCCEEDED, /* the PaymentIntent succeeded */
	STRIPE_PENDING, /* processing or requires_action: the
	                                outcome comes later (webhook, retrieve) */
	STRIPE_DECLINED, /* a card error, or requires_payment_method:
	                                *message says why */
	STRIPE_CANCELED, /* the PaymentIntent was canceled */
	STRIPE_NOT_FOUND, /* (retrieve, search) no such PaymentIntent */
	STRIPE_REFUSED, /* (create) Stripe refused the request itself
	                                (invalid_request_error, authentication):
	                                nothing was charged; *message says why */
	STRIPE_FAILED /* no answer, or not one we understand:
	                                it may or may not have charged */
};

/* What Stripe said of one PaymentIntent. */
struct stripe_result {
	enum stripe_outcome outcome;
	char pi[64]; /* its id ("" when none is known) */
	long long amount_cents; /* amount_received, else amount; -1 unknown */
	char payment_id[40]; /* its metadata[payment_id] ("": none) */
	char customer[64]; /* its customer ("": none) */
	char message[256]; /* why, for people */
};

/* Maps a PaymentIntent's status (Stripe's words) to an outcome. */
enum stripe_outcome stripe_status_outcome(const char *status);

/* Reads the PaymentIntent object pi_obj (an API answer's, or a webhook
 * event's data.object) into out. */
void stripe_read_intent(struct json_object *pi_obj, struct stripe_result *out);

/* Creates and confirms a PaymentIntent of amount_cents of currency (ISO
 * 4217, lower case) on customer's saved payment_method, off session,
 * under Stripe's Idempotency-Key idem (so a repeat within 24 hours cannot
 * charge twice), with metadata[payment_id] = payment_id by which it can
 * be found again. Fills out; returns out->outcome. */
enum stripe_outcome stripe_charge(struct worker *w, const char *customer,
    const char *payment_method, long long amount_cents, const char *currency, const char *idem,
    const char *payment_id, const char *request_id, struct stripe_result *out);

/* Retrieves PaymentIntent pi (GET /v1/payment_intents/{id}). Fills out;
 * returns out->outcome (STRIPE_NOT_FOUND when Stripe has none). */
enum stripe_outcome stripe_retrieve(struct worker *w, const char *pi, const char *request_id,
    struct stripe_result *out);

/* Looks up the PaymentIntent whose metadata[payment_id] is payment_id
 * (GET /v1/payment_intents/search). Fills out; returns out->outcome
 * (STRIPE_NOT_FOUND when none). */
enum stripe_outcome stripe_find_payment(struct worker *w, const char *payment_id,
    const char *request_id, struct stripe_result *out);

#endif
