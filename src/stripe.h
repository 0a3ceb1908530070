/* Stripe, the payment provider: PaymentIntents through its real API
 * (https://docs.stripe.com/api/payment_intents) and the verification of
 * its signed webhooks (https://docs.stripe.com/webhooks#verify-manually). */
#ifndef DRAGOMAN_STRIPE_H
#define DRAGOMAN_STRIPE_H

#include <stddef.h>

struct worker;

#define STRIPE_TOLERANCE_S 300

/* Returns 1 when header (the Stripe-Signature value "t=<unix>,v1=<hex>,
 * v1=<hex>,...") carries a v1 signature that is the HMAC-SHA256 under
 * secret of "<t>.<body>", compared in constant time, and t is within
 * tolerance_s of now either way; else 0. */
int stripe_signature_valid(const char *header, const char *body, size_t len,
    const char *secret, long long now, long tolerance_s);

enum stripe_outcome {
	STRIPE_SUCCEEDED,            /* the PaymentIntent succeeded */
	STRIPE_PENDING,              /* accepted, the outcome comes by webhook */
	STRIPE_DECLINED,             /* a card error: *message says why */
	STRIPE_FAILED                /* no answer, or not one we understand */
};

/* Charges amount_cents of currency (ISO 4217, lower case) to customer's
 * saved payment_method, off session, confirmed at once, under Stripe's
 * Idempotency-Key idem (so a retry cannot charge twice). Writes the
 * PaymentIntent id into pi (64 bytes) when Stripe made one, and a reason
 * into message. Returns the outcome. */
enum stripe_outcome stripe_charge(struct worker *w, const char *customer,
    const char *payment_method, long long amount_cents, const char *currency,
    const char *idem, const char *request_id, char pi[64], char *message, size_t msgsz);

#endif
