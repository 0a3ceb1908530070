/* A stand-in for Stripe's API (which cannot be reached from here),
 * speaking its wire format and following its PaymentIntent lifecycle
 * (https://docs.stripe.com/payments/paymentintents/lifecycle):
 *
 *   POST /v1/payment_intents (form: amount, currency, customer,
 *     payment_method, confirm=true, off_session=true, metadata[...]),
 *     Authorization: Bearer sk_test_fixture. An Idempotency-Key replays
 *     the first answer for 24 hours of this stand-in's clock; the same key
 *     with other parameters is a 400 idempotency_error, as at Stripe.
 *     By payment method:
 *       pm_card_visa                    -> 200 status succeeded
 *       pm_card_processing              -> 200 status processing (a bank
 *                                          debit: settles by /fixture/intents)
 *       pm_card_requiresAction          -> 200 status requires_action
 *       pm_card_chargeDeclined          -> 402 card_error card_declined,
 *                                          the PaymentIntent
 *                                          requires_payment_method
 *       pm_card_missing                 -> 400 invalid_request_error
 *                                          resource_missing (no charge)
 *       pm_card_timeout                 -> charged (succeeded), but the
 *                                          answer never comes: the caller
 *                                          times out
 *   GET /v1/payment_intents/{id}          the PaymentIntent, or 404
 *   GET /v1/payment_intents/search?query=metadata['payment_id']:'ID'
 *
 * Every change makes a Stripe event (payment_intent.succeeded,
 * .processing, .requires_action, .payment_failed, .canceled,
 * charge.refunded, charge.dispute.created, charge.dispute.closed), kept
 * for the test to deliver as webhooks late, twice or out of order.
 *
 * Not Stripe's, for the tests:
 *   GET  /fixture/calls      {"payment_intents": created, "posts": create
 *                            calls, "retrieves", "searches", "events": made,
 *                            "net": cents Stripe keeps (received - refunded
 *                            - disputed)}; ?customer=PREFIX: the net of the
 *                            customers whose id starts with PREFIX only
 *   GET  /fixture/events     {"data": [event, ...]} oldest first; ?from=N:
 *                            from the (N+1)th on (the model check's way to
 *                            fetch only what is new)
 *   POST /fixture/clock      form advance=SECONDS: moves this clock on
 *   POST /fixture/intents/ID form status=succeeded|payment_failed|canceled
 *   POST /fixture/refund     form payment_intent, amount (cents, this refund)
 *   POST /fixture/dispute    form payment_intent, amount -> dispute dp_...
 *   POST /fixture/disputes/ID form status=won|lost
 *   POST /fixture/drop       form count=N: the next N calls to Stripe's
 *                            routes are cut off before Stripe sees them
 *
 *   stripe_fixture PORT SECONDS */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"

/* enough for the model check's 100,000 steps against one stand-in */
#define INTENTS_MAX 32768
#define KEYS_MAX 32768
#define EVENTS_MAX 131072
#define HELD_MAX 64
#define IDEM_TTL_S 86400

struct intent {
	char id[32], charge[32];
	long amount, received, refunded, disputed;
	char currency[8], customer[64], pm[64], status[32];
	char payment_id[64], request_id[64];
	long created;
	int declined;
};

struct dispute {
	char id[32];
	int intent;
	long amount;
	char status[16];
};

static struct intent intents[INTENTS_MAX];
static int nintents;
static struct dispute disputes[INTENTS_MAX];
static int ndisputes;
static struct {
	char key[128];
	char params[1024];
	long at;
	int status;
	char *body;
} seen[KEYS_MAX];
static int nseen;
static char *events[EVENTS_MAX];
static int nevents;
static long offset, posts, retrieves, searches, drop;
static struct {
	int fd;
	time_t at;
} held[HELD_MAX];

/* Returns this stand-in's clock: real time moved on by /fixture/clock. */
static long now(void)
{
	return (long)time(NULL) + offset;
}

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

/* Keeps only the characters of an id (letters, digits, '-', '_') in s. */
static void id_only(char *s)
{
	size_t o = 0;

	for (size_t i = 0; s[i] != '\0'; i++)
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_')
			s[o++] = s[i];
	s[o] = '\0';
}

/* Returns a new string formatted as printf does (caller frees). */
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Returns intent i as Stripe's PaymentIntent JSON (caller frees). */
static char *intent_json(const struct intent *in)
{
	return fmt("{\"id\":\"%s\",\"object\":\"payment_intent\",\"amount\":%ld,"
	           "\"amount_received\":%ld,\"currency\":\"%s\",\"customer\":\"%s\","
	           "\"payment_method\":\"%s\",\"status\":\"%s\",\"latest_charge\":%s%s%s,"
	           "\"created\":%ld,\"livemode\":false,\"metadata\":{\"payment_id\":\"%s\","
	           "\"request_id\":\"%s\"},\"last_payment_error\":%s}",
	    in->id, in->amount, in->received, in->currency, in->customer, in->pm, in->status,
	    in->charge[0] ? "\"" : "", in->charge[0] ? in->charge : "null",
	    in->charge[0] ? "\"" : "", in->created, in->payment_id, in->request_id,
	    in->declined ? "{\"type\":\"card_error\",\"code\":\"card_declined\","
	                   "\"message\":\"Your card was declined.\"}"
	                 : "null");
}

/* Returns intent i's charge as Stripe's Charge JSON (caller frees). */
static char *charge_json(const struct intent *in)
{
	return fmt(
	    "{\"id\":\"%s\",\"object\":\"charge\",\"amount\":%ld,\"amount_captured\":%ld,"
	    "\"amount_refunded\":%ld,\"refunded\":%s,\"currency\":\"%s\",\"customer\":\"%s\","
	    "\"payment_intent\":\"%s\",\"status\":\"succeeded\",\"disputed\":%s}",
	    in->charge, in->amount, in->received, in->refunded,
	    in->refunded >= in->received && in->received > 0 ? "true" : "false", in->currency,
	    in->customer, in->id, in->disputed > 0 ? "true" : "false");
}

/* Returns dispute d as Stripe's Dispute JSON (caller frees). */
static char *dispute_json(const struct dispute *d)
{
	const struct intent *in = &intents[d->intent];

	return fmt("{\"id\":\"%s\",\"object\":\"dispute\",\"amount\":%ld,\"currency\":\"%s\","
	           "\"charge\":\"%s\",\"payment_intent\":\"%s\",\"reason\":\"fraudulent\","
	           "\"status\":\"%s\"}",
	    d->id, d->amount, in->currency, in->charge, in->id, d->status);
}

/* Records the event type about object (JSON, taken over). */
static void event(const char *type, char *object)
{
	if (object == NULL || nevents >= EVENTS_MAX) {
		free(object);
		return;
	}
	events[nevents] = fmt("{\"id\":\"evt_fx%d\",\"object\":\"event\","
	                      "\"api_version\":\"2024-06-20\",\"created\":%ld,\"livemode\":false,"
	                      "\"pending_webhooks\":1,\"type\":\"%s\",\"data\":{\"object\":%s}}",
	    nevents + 1, now(), type, object);
	if (events[nevents] != NULL)
		nevents++;
	free(object);
}

/* Moves intent in to status, charging it when it succeeds, with its
 * event. */
static void transition(struct intent *in, const char *status)
{
	snprintf(in->status, sizeof(in->status), "%s", status);
	in->declined = strcmp(status, "requires_payment_method") == 0;
	if (strcmp(status, "succeeded") == 0) {
		in->received = in->amount;
		snprintf(in->charge, sizeof(in->charge), "ch_%s", in->id + 3);
	}
	event(strcmp(status, "requires_payment_method") == 0 ? "payment_intent.payment_failed"
	        : strcmp(status, "requires_action") == 0     ? "payment_intent.requires_action"
	        : strcmp(status, "processing") == 0          ? "payment_intent.processing"
	        : strcmp(status, "canceled") == 0            ? "payment_intent.canceled"
	                                                     : "payment_intent.succeeded",
	    intent_json(in));
}

/* Returns the intent named id, or NULL. */
static struct intent *intent_named(const char *id)
{
	for (int i = 0; i < nintents; i++)
		if (strcmp(intents[i].id, id) == 0)
			return &intents[i];
	return NULL;
}

/* Creates a PaymentIntent from the form. Returns the status and the body
 * (caller frees); *hold is set when the answer must never come. */
static char *create(const char *form, int *status, int *hold)
{
	char amount[32];
	struct intent *in;

	*hold = 0;
	form_field(form, "amount", amount, sizeof(amount));
	if (amount[0] == '\0' || atol(amount) <= 0 || nintents >= INTENTS_MAX) {
		*status = 400;
		return fmt(
		    "{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
		    "\"parameter_missing\",\"message\":\"Missing required param: amount.\"}}");
	}
	in = &intents[nintents++];
	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "pi_fx%d", nintents);
	in->amount = atol(amount);
	in->created = now();
	form_field(form, "currency", in->currency, sizeof(in->currency));
	form_field(form, "customer", in->customer, sizeof(in->customer));
	form_field(form, "payment_method", in->pm, sizeof(in->pm));
	form_field(form, "metadata[payment_id]", in->payment_id, sizeof(in->payment_id));
	form_field(form, "metadata[request_id]", in->request_id, sizeof(in->request_id));
	id_only(in->customer);
	id_only(in->pm);
	id_only(in->payment_id);
	id_only(in->request_id);
	id_only(in->currency);
	*status = 200;
	if (strcmp(in->pm, "pm_card_missing") == 0) {
		/* Stripe refuses the request itself: no PaymentIntent, no charge */
		nintents--;
		*status = 400;
		return fmt("{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
		           "\"resource_missing\",\"param\":\"payment_method\",\"message\":"
		           "\"No such PaymentMethod: 'pm_card_missing'\"}}");
	}
	if (strcmp(in->pm, "pm_card_chargeDeclined") == 0) {
		transition(in, "requires_payment_method");
		*status = 402;
		char *
		    pi = intent_json(in),
		   *body = fmt(
		       "{\"error\":{\"type\":\"card_error\","
		       "\"code\":\"card_declined\",\"decline_code\":\"generic_decline\",\"message\":"
		       "\"Your card was declined.\",\"payment_intent\":%s}}",
		       pi);
		free(pi);
		return body;
	}
	*hold = strcmp(in->pm, "pm_card_timeout") == 0;
	transition(in,
	    strcmp(in->pm, "pm_card_processing") == 0           ? "processing"
	        : strcmp(in->pm, "pm_card_requiresAction") == 0 ? "requires_action"
	                                                        : "succeeded");
	return intent_json(in);
}

/* POST /v1/payment_intents with its Idempotency-Key. Returns the status
 * and body (caller frees), *hold as create(). */
static char *create_idempotent(const struct fixture_request *rq, int *status, int *hold)
{
	char key[128];
	char *body;

	posts++;
	*hold = 0;
	if (fixture_header(rq, "Idempotency-Key", key, sizeof(key)) != NULL)
		for (int i = 0; i < nseen; i++)
			if (strcmp(seen[i].key, key) == 0 && now() - seen[i].at < IDEM_TTL_S) {
				if (strcmp(seen[i].params, rq->body) != 0) {
					*status = 400;
					return fmt(
					    "{\"error\":{\"type\":\"idempotency_error\",\"message\":"
					    "\"Keys for idempotent requests can only be used with the same "
					    "parameters they were first used with.\"}}");
				}
				*status = seen[i].status;
				return strdup(seen[i].body);
			}
	body = create(rq->body, status, hold);
	if (fixture_header(rq, "Idempotency-Key", key, sizeof(key)) != NULL && nseen < KEYS_MAX &&
	    body != NULL) {
		snprintf(seen[nseen].key, sizeof(seen[nseen].key), "%s", key);
		snprintf(seen[nseen].params, sizeof(seen[nseen].params), "%s", rq->body);
		seen[nseen].at = now();
		seen[nseen].status = *status;
		seen[nseen].body = strdup(body);
		nseen++;
	}
	return body;
}

/* GET /v1/payment_intents/search?query=metadata['payment_id']:'ID'.
 * Returns the body (caller frees). */
static char *search(const char *target)
{
	char query[512], id[128] = "", *list = strdup(""), *next;
	const char *q = strstr(target, "?");
	const char *m;

	searches++;
	form_field(q != NULL ? q + 1 : "", "query", query, sizeof(query));
	if ((m = strstr(query, "metadata['payment_id']:'")) != NULL)
		snprintf(id, sizeof(id), "%s", m + strlen("metadata['payment_id']:'"));
	if (strchr(id, '\'') != NULL)
		*strchr(id, '\'') = '\0';
	for (int i = 0; id[0] != '\0' && i < nintents && list != NULL; i++) {
		if (strcmp(intents[i].payment_id, id) != 0)
			continue;
		char *pi = intent_json(&intents[i]);
		next = fmt("%s%s%s", list, list[0] ? "," : "", pi);
		free(pi);
		free(list);
		list = next;
	}
	next = fmt("{\"object\":\"search_result\",\"url\":\"/v1/payment_intents/search\","
	           "\"has_more\":false,\"next_page\":null,\"data\":[%s]}",
	    list != NULL ? list : "");
	free(list);
	return next;
}

/* Answers Stripe's own routes. Returns the body (caller frees). */
static char *stripe_api(const struct fixture_request *rq, int *status, int *hold)
{
	*hold = 0;
	*status = 200;
	if (strcmp(rq->method, "POST") == 0 && strcmp(rq->target, "/v1/payment_intents") == 0)
		return create_idempotent(rq, status, hold);
	if (strcmp(rq->method, "GET") == 0 &&
	    strncmp(rq->target, "/v1/payment_intents/search?", 27) == 0)
		return search(rq->target);
	if (strcmp(rq->method, "GET") == 0 &&
	    strncmp(rq->target, "/v1/payment_intents/", 20) == 0) {
		struct intent *in = intent_named(rq->target + 20);
		retrieves++;
		if (in != NULL)
			return intent_json(in);
		*status = 404;
		return fmt("{\"error\":{\"type\":\"invalid_request_error\",\"code\":"
		           "\"resource_missing\",\"message\":\"No such payment_intent: '%.40s'\"}}",
		    rq->target + 20);
	}
	*status = 404;
	return fmt("{\"error\":{\"type\":\"invalid_request_error\",\"message\":"
	           "\"Unrecognized request URL\"}}");
}

/* Returns Stripe's net: what it received less what it gave back, for
 * the customers whose id starts with prefix ("": all). */
static long net(const char *prefix)
{
	size_t n = strlen(prefix);
	long sum = 0;

	for (int i = 0; i < nintents; i++)
		if (strncmp(intents[i].customer, prefix, n) == 0)
			sum += intents[i].received - intents[i].refunded;
	for (int i = 0; i < ndisputes; i++)
		if (strncmp(intents[disputes[i].intent].customer, prefix, n) == 0)
			sum -= strcmp(disputes[i].status, "won") == 0 ? 0 : disputes[i].amount;
	return sum;
}

/* GET /fixture/events, from the (from+1)th on. Returns the body (caller
 * frees). */
static char *event_list(int from)
{
	size_t len = 16;
	char *out, *p;

	if (from < 0 || from > nevents)
		from = nevents;
	for (int i = from; i < nevents; i++)
		len += strlen(events[i]) + 1;
	p = out = malloc(len);
	if (out == NULL)
		return NULL;
	p += sprintf(p, "{\"data\":[");
	for (int i = from; i < nevents; i++)
		p += sprintf(p, "%s%s", i > from ? "," : "", events[i]);
	sprintf(p, "]}");
	return out;
}

/* The test's own routes. Returns the body (caller frees). */
static char *control(const struct fixture_request *rq, int *status)
{
	char v[128], pi[64];
	const char *q = strchr(rq->target, '?');
	size_t plen = q != NULL ? (size_t)(q - rq->target) : strlen(rq->target);
	struct intent *in;

	*status = 200;
	q = q != NULL ? q + 1 : "";
	if (plen == 14 && strncmp(rq->target, "/fixture/calls", plen) == 0)
		return fmt(
		    "{\"payment_intents\":%d,\"posts\":%ld,\"retrieves\":%ld,\"searches\":%ld,"
		    "\"events\":%d,\"net\":%ld}",
		    nintents, posts, retrieves, searches, nevents,
		    net(form_field(q, "customer", v, sizeof(v))));
	if (plen == 15 && strncmp(rq->target, "/fixture/events", plen) == 0)
		return event_list(q[0] != '\0' ? atoi(form_field(q, "from", v, sizeof(v))) : 0);
	if (strcmp(rq->target, "/fixture/drop") == 0) {
		drop = atol(form_field(rq->body, "count", v, sizeof(v)));
		return fmt("{\"drop\":%ld}", drop);
	}
	if (strcmp(rq->target, "/fixture/clock") == 0) {
		offset += atol(form_field(rq->body, "advance", v, sizeof(v)));
		return fmt("{\"now\":%ld}", now());
	}
	if (strncmp(rq->target, "/fixture/intents/", 17) == 0 &&
	    (in = intent_named(rq->target + 17)) != NULL) {
		form_field(rq->body, "status", v, sizeof(v));
		transition(in,
		    strcmp(v, "payment_failed") == 0 ? "requires_payment_method"
		        : strcmp(v, "canceled") == 0 ? "canceled"
		                                     : "succeeded");
		return intent_json(in);
	}
	form_field(rq->body, "payment_intent", pi, sizeof(pi));
	in = intent_named(pi);
	if (strcmp(rq->target, "/fixture/refund") == 0 && in != NULL) {
		long a = atol(form_field(rq->body, "amount", v, sizeof(v)));
		in->refunded = in->refunded + a > in->received ? in->received : in->refunded + a;
		event("charge.refunded", charge_json(in));
		return charge_json(in);
	}
	if (strcmp(rq->target, "/fixture/dispute") == 0 && in != NULL && ndisputes < INTENTS_MAX) {
		struct dispute *d = &disputes[ndisputes++];
		snprintf(d->id, sizeof(d->id), "dp_fx%d", ndisputes);
		d->intent = (int)(in - intents);
		d->amount = atol(form_field(rq->body, "amount", v, sizeof(v)));
		snprintf(d->status, sizeof(d->status), "needs_response");
		in->disputed += d->amount;
		event("charge.dispute.created", dispute_json(d));
		return dispute_json(d);
	}
	for (int i = 0; i < ndisputes; i++)
		if (strncmp(rq->target, "/fixture/disputes/", 18) == 0 &&
		    strcmp(rq->target + 18, disputes[i].id) == 0) {
			form_field(rq->body, "status", v, sizeof(v));
			snprintf(disputes[i].status, sizeof(disputes[i].status), "%s",
			    strcmp(v, "won") == 0 ? "won" : "lost");
			event("charge.dispute.closed", dispute_json(&disputes[i]));
			return dispute_json(&disputes[i]);
		}
	*status = 404;
	return fmt("{\"error\":\"no such fixture route or object\"}");
}

/* Closes the connections held without an answer for over 5 seconds. */
static void release_held(void)
{
	for (int i = 0; i < HELD_MAX; i++)
		if (held[i].fd > 0 && time(NULL) - held[i].at > 5) {
			close(held[i].fd);
			held[i].fd = 0;
		}
}

/* Keeps fd open without an answer (a charge whose answer is lost).
 * Returns 1 when kept, 0 when there was no room. */
static int hold_fd(int fd)
{
	for (int i = 0; i < HELD_MAX; i++)
		if (held[i].fd <= 0) {
			held[i].fd = fd;
			held[i].at = time(NULL);
			return 1;
		}
	return 0;
}

/* Answers one request on fd and closes it (or holds it unanswered). */
static void serve(int fd)
{
	struct fixture_request rq;
	char auth[256], *body = NULL;
	int status = 500, hold = 0;

	release_held();
	if (fixture_read_request(fd, &rq) < 0)
		goto out;
	if (strncmp(rq.target, "/fixture/", 9) == 0)
		body = control(&rq, &status);
	else if (drop > 0) {
		drop--;
		goto out;
	} else if (fixture_header(&rq, "Authorization", auth, sizeof(auth)) == NULL ||
	    strcmp(auth, "Bearer sk_test_fixture") != 0) {
		status = 401;
		body = fmt("{\"error\":{\"type\":\"invalid_request_error\",\"message\":"
		           "\"Invalid API Key provided\"}}");
	} else
		body = stripe_api(&rq, &status, &hold);
	if (hold && hold_fd(fd)) {
		free(body);
		return;
	}
	fixture_respond(fd, body != NULL ? status : 500, body != NULL ? body : "{}");
out:
	free(body);
	close(fd);
}

int main(int argc, char **argv)
{
	return fixture_main("stripe_fixture", argc, argv, serve);
}
