/* The model check's side of the Stripe stand-in
 * (tests/integration/stripe_fixture.c, at DRAGOMAN_FIXTURE_STRIPE): its
 * control routes, its events (fetched as they come), and their delivery
 * to dragoman as Stripe delivers webhooks, signed. */
#ifndef DRAGOMAN_MODEL_STAND_H
#define DRAGOMAN_MODEL_STAND_H

#include "../integration/http.h"

/* One event the stand-in made, as far as the model needs it. */
struct stand_event {
	char id[32];
	char type[48];
	char *json; /* the whole event, delivered as it is (owned) */
	char pi[32]; /* the PaymentIntent it is about */
	char dispute[32]; /* a dispute event's dispute */
	char payment_id[40]; /* a PaymentIntent's metadata[payment_id] */
	char customer[48]; /* a PaymentIntent's or charge's customer ("" for disputes) */
	char status[32]; /* a PaymentIntent's or a dispute's status */
	long long cents; /* a dispute's amount, a charge's amount_refunded */
	int delivered; /* by the model, at least once */
	int ws; /* the run's workspace it is about (set by the model) */
};

/* Fetches the events made since the last call (oldest first) into a new
 * array *out of *n (stand_events_free() it). Returns 0, or -1 when the
 * stand-in did not answer. */
int stand_events_new(struct stand_event **out, int *n);

void stand_events_free(struct stand_event *ev, int n);

/* POSTs form to the stand-in's control route path. Returns the status;
 * r holds the answer (release it with http_free()). */
long stand_post(const char *path, const char *form, struct http_response *r);

/* Returns Stripe's net (cents received less refunded and lost to
 * disputes) of the customers whose id starts with prefix, or LLONG_MIN. */
long long stand_net(const char *prefix);

/* Delivers event json to dragoman's webhook route, signed now with the
 * stack's secret. Returns the status; r holds the answer. */
long stand_deliver(const char *json, struct http_response *r);

#endif
