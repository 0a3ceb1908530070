#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "billing/payments.h"
#include "billing/stripe.h"
#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "store/db.h"

/* One payments row, as payment_load() reads it. */
struct payment {
	char id[40];
	char workspace_id[40];
	char kind[8]; /* manual, auto */
	char state[16];
	char pi[64]; /* "" until Stripe named one */
	char expires_at[40];
	char error[256];
	long long amount; /* micros */
	int expired; /* past expires_at: looked up, never created */
	int credited;
	int attempted; /* a create call was sent for it */
};

/* Runs statement s with params; returns 0 when it ran (rows or not),
 * -1 when it failed (logged). Writes the first column of the first row
 * into first (when not NULL, firstsz bytes; "" when no row or NULL). */
static int run(struct worker *w, enum stmt s, const char *const *params, char *first,
    size_t firstsz)
{
	PGresult *res = db_exec(w->db, s, params);
	int ok = res != NULL &&
	    (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK);

	if (!ok && res != NULL)
		log_msg(LOG_LEVEL_ERROR, "payments: %s: %s", stmt_def(s)->name,
		    PQresultErrorMessage(res));
	if (ok && first != NULL)
		snprintf(first, firstsz, "%s",
		    PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0
		        ? PQgetvalue(res, 0, 0)
		        : "");
	PQclear(res);
	return ok ? 0 : -1;
}

/* Reads payment id into p. Returns 0, 1 when there is no such payment,
 * -1 when the database failed. */
static int payment_load(struct worker *w, const char *id, struct payment *p)
{
	const char *params[] = { id };
	PGresult *res = db_exec(w->db, STMT_PAYMENT_GET, params);
	int rc = res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ? -1
	    : PQntuples(res) == 1                                      ? 0
	                                                               : 1;

	if (rc == 0) {
		memset(p, 0, sizeof(*p));
		snprintf(p->id, sizeof(p->id), "%s", id);
		snprintf(p->workspace_id, sizeof(p->workspace_id), "%s", PQgetvalue(res, 0, 0));
		snprintf(p->kind, sizeof(p->kind), "%s", PQgetvalue(res, 0, 1));
		snprintf(p->state, sizeof(p->state), "%s", PQgetvalue(res, 0, 2));
		snprintf(p->pi, sizeof(p->pi), "%s", PQgetvalue(res, 0, 3));
		p->amount = db_num(res, 0, 4);
		p->expired = db_num(res, 0, 5) == 1;
		p->credited = db_num(res, 0, 6) == 1;
		snprintf(p->expires_at, sizeof(p->expires_at), "%s", PQgetvalue(res, 0, 7));
		snprintf(p->error, sizeof(p->error), "%s", PQgetvalue(res, 0, 8));
		p->attempted = db_num(res, 0, 9) == 1;
	}
	PQclear(res);
	return rc;
}

/* Returns 1 when state is one that Stripe may still change without a
 * new call from here (pending, processing, unknown). */
static int state_open(const char *state)
{
	return strcmp(state, "pending") == 0 || strcmp(state, "processing") == 0 ||
	    strcmp(state, "unknown") == 0;
}

/* Moves p (not credited, still open) to state with error why (NULL:
 * kept). An auto payment that failed, was canceled or expired is
 * recorded on its workspace's auto-recharge, whose next attempt then
 * waits. Returns 0 or -1. */
static int payment_mark(struct worker *w, const struct payment *p, const char *state,
    const char *why)
{
	const char *params[] = { p->id, state, why };
	char kind[16] = "";

	if (run(w, STMT_PAYMENT_MARK, params, kind, sizeof(kind)) < 0)
		return -1;
	if (strcmp(kind, "auto") == 0 && !state_open(state)) {
		const char *p2[] = { p->workspace_id, why != NULL ? why : state };
		log_msg(LOG_LEVEL_WARN, "workspace %s: auto-recharge %s %s: %s", p->workspace_id,
		    p->id, state, why != NULL ? why : "");
		return run(w, STMT_AUTO_RECHARGE_FAILED, p2, NULL, 0);
	}
	return 0;
}

/* Credits p, which Stripe says succeeded as PaymentIntent pi, once.
 * Writes the new balance into *balance (-1: credited before). Returns 0
 * or -1. */
static int payment_credit(struct worker *w, const struct payment *p, const char *pi,
    long long *balance)
{
	const char *params[] = { p->id, pi };
	char bal[32] = "";

	*balance = -1;
	if (run(w, STMT_PAYMENT_CREDIT, params, bal, sizeof(bal)) < 0)
		return -1;
	if (bal[0] != '\0') {
		*balance = atoll(bal);
		log_msg(LOG_LEVEL_INFO, "workspace %s: payment %s (%s) credited", p->workspace_id,
		    p->id, pi);
		if (strcmp(p->kind, "auto") == 0) {
			const char *p2[] = { p->workspace_id };
			return run(w, STMT_AUTO_RECHARGE_OK, p2, NULL, 0);
		}
	}
	return 0;
}

/* Acts on what Stripe said of p's PaymentIntent: credits a success of
 * the payment's amount, marks the rest. Returns 0 or -1. */
static int payment_apply(struct worker *w, struct payment *p, const struct stripe_result *res,
    long long *balance)
{
	if (res->pi[0] != '\0' && p->pi[0] == '\0') {
		const char *params[] = { p->id, res->pi };
		if (run(w, STMT_PAYMENT_SET_INTENT, params, NULL, 0) < 0)
			return -1;
		snprintf(p->pi, sizeof(p->pi), "%s", res->pi);
	}
	switch (res->outcome) {
	case STRIPE_SUCCEEDED:
		if (res->amount_cents >= 0 && res->amount_cents * 10000 != p->amount) {
			log_msg(LOG_LEVEL_ERROR,
			    "payment %s: Stripe charged %lld cents for %lld micros", p->id,
			    res->amount_cents, p->amount);
			return payment_mark(w, p, "unknown",
			    "Stripe charged another amount: see an "
			    "operator");
		}
		return payment_credit(w, p, p->pi, balance);
	case STRIPE_PENDING:
		return payment_mark(w, p, "processing", NULL);
	case STRIPE_DECLINED:
		return payment_mark(w, p, "failed", res->message);
	case STRIPE_CANCELED:
		return payment_mark(w, p, "canceled", res->message);
	case STRIPE_NOT_FOUND:
	case STRIPE_REFUSED: /* of a create call: payment_drive() */
	case STRIPE_FAILED:
		break;
	}
	return 0;
}

/* Sends p to Stripe as a new PaymentIntent (the first time, or again
 * under the same Stripe Idempotency-Key while Stripe keeps it), with the
 * customer and payment method its first attempt used. Fills res. Returns
 * 0, 1 when it must not be sent (it has a PaymentIntent, was credited,
 * or expired), -1 when it cannot be sent now. */
static int payment_create(struct worker *w, const struct payment *p, const char *request_id,
    struct stripe_result *res)
{
	const char *ws[] = { p->workspace_id };
	PGresult *m = db_exec(w->db, STMT_PAYMENT_METHOD_GET, ws), *a;
	char idem[96];
	int rc;

	if (m == NULL || PQresultStatus(m) != PGRES_TUPLES_OK || PQntuples(m) != 1) {
		PQclear(m);
		return -1;
	}
	const char *params[] = { p->id, PQgetvalue(m, 0, 0), PQgetvalue(m, 0, 1) };
	a = db_exec(w->db, STMT_PAYMENT_ATTEMPT, params);
	PQclear(m);
	rc = a == NULL || PQresultStatus(a) != PGRES_TUPLES_OK ? -1 : PQntuples(a) == 1 ? 0 : 1;
	if (rc == 0) {
		/* the same payment always asks Stripe under the same key */
		snprintf(idem, sizeof(idem), "dragoman-payment-%s", p->id);
		(void)stripe_charge(w, PQgetvalue(a, 0, 0), PQgetvalue(a, 0, 1), p->amount / 10000,
		    "eur", idem, p->id, request_id, res);
	}
	PQclear(a);
	return rc;
}

/* Moves p on as far as Stripe can tell now: a known PaymentIntent is only
 * retrieved; one whose payment expired is looked up by its metadata (and
 * the payment expires when there is none); else, when may_create, it is
 * sent (again, under the same key). Reloads p. Writes the new balance
 * into *balance when it was credited now (else -1). Returns 0, or -1 when
 * the database failed. */
static int payment_drive(struct worker *w, struct payment *p, int may_create,
    const char *request_id, long long *balance)
{
	struct stripe_result res;
	int rc = 0;

	*balance = -1;
	if (p->credited || !state_open(p->state))
		return 0;
	memset(&res, 0, sizeof(res));
	if (p->pi[0] != '\0') {
		(void)stripe_retrieve(w, p->pi, request_id, &res);
		rc = payment_apply(w, p, &res, balance);
	} else if (p->expired && !p->attempted) {
		rc = payment_mark(w, p, "expired", "it was never sent to Stripe");
	} else if (p->expired) {
		/* no create call in its last hour: Stripe's search has caught up */
		if (stripe_find_payment(w, p->id, request_id, &res) == STRIPE_NOT_FOUND)
			rc = payment_mark(w, p, "expired", "no PaymentIntent was made for it");
		else
			rc = payment_apply(w, p, &res, balance);
	} else if (may_create) {
		int c = payment_create(w, p, request_id, &res);
		if (c < 0)
			return -1;
		if (c == 0 && res.outcome == STRIPE_REFUSED)
			rc = payment_mark(w, p, "failed", res.message);
		else if (c == 0 && res.outcome == STRIPE_FAILED && res.pi[0] == '\0') {
			log_msg(LOG_LEVEL_WARN, "payment %s: %s", p->id, res.message);
			rc = payment_mark(w, p, "unknown", res.message);
		} else if (c == 0)
			rc = payment_apply(w, p, &res, balance);
	}
	if (rc == 0 && payment_load(w, p->id, p) != 0)
		rc = -1;
	return rc;
}

/* Finds (or makes, once per client key) the payment row. Returns 0 with
 * its id and amount, or -1. */
static int payment_row(struct worker *w, const char *workspace_id, long long amount,
    const char *idem, const char *request_id, char id[40], long long *row_amount)
{
	char amt[24];
	const char *params[] = { workspace_id, amt, "manual", request_id, idem };
	PGresult *res;
	int ok;

	snprintf(amt, sizeof(amt), "%lld", amount);
	res = db_exec(w->db, STMT_PAYMENT_UPSERT, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok) {
		snprintf(id, 40, "%s", PQgetvalue(res, 0, 0));
		*row_amount = db_num(res, 0, 3);
	} else if (res != NULL)
		log_msg(LOG_LEVEL_ERROR, "payments: upsert: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Returns 1 when the workspace has a saved payment method, 0 when not,
 * -1 when the database failed. */
static int has_method(struct worker *w, const char *workspace_id)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_PAYMENT_METHOD_GET, params);
	int rc = res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ? -1 : PQntuples(res) == 1;

	PQclear(res);
	return rc;
}

enum problem payments_recharge(struct worker *w, const char *workspace_id, long long amount,
    const char *idem, const char *request_id, struct recharge *out, struct reply *rp)
{
	struct payment p;
	long long row_amount = 0;
	int method = has_method(w, workspace_id);

	memset(out, 0, sizeof(*out));
	out->balance = -1;
	if (method == 0) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "the workspace has no saved payment method "
		    "(PUT /v1/billing/payment-method)");
		return PROBLEM_CONFLICT;
	}
	if (method < 0 ||
	    payment_row(w, workspace_id, amount, idem, request_id, out->payment_id, &row_amount) <
	        0 ||
	    payment_load(w, out->payment_id, &p) != 0)
		goto unavailable;
	/* the payment row is the truth: its key means its amount */
	if (row_amount != amount) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "this Idempotency-Key was used for a recharge "
		    "of another amount (payment %s)",
		    out->payment_id);
		return PROBLEM_IDEMPOTENCY_MISMATCH;
	}
	if (payment_drive(w, &p, 1, request_id, &out->balance) < 0)
		goto unavailable;
	snprintf(out->state, sizeof(out->state), "%s", p.state);
	snprintf(out->payment_intent, sizeof(out->payment_intent), "%s", p.pi);
	if (strcmp(p.state, "succeeded") == 0 || strcmp(p.state, "processing") == 0)
		return PROBLEM_NONE;
	if (strcmp(p.state, "failed") == 0 || strcmp(p.state, "canceled") == 0) {
		snprintf(rp->detail, sizeof(rp->detail), "%s", p.error[0] ? p.error : p.state);
		return PROBLEM_PAYMENT_DECLINED;
	}
	if (strcmp(p.state, "expired") == 0) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "payment %s expired at %s without reaching "
		    "Stripe and was not charged; recharge under a new Idempotency-Key",
		    p.id, p.expires_at);
		return PROBLEM_CONFLICT;
	}
	snprintf(rp->detail, sizeof(rp->detail),
	    "Stripe has not answered for payment %s; retry with "
	    "the same Idempotency-Key (it is never charged twice)",
	    p.id);
	rp->retry_after = 5;
	return PROBLEM_UNAVAILABLE;
unavailable:
	snprintf(rp->detail, sizeof(rp->detail), "payments cannot be made right now");
	return PROBLEM_UNAVAILABLE;
}

/* Keeps the event (id, type, about object) that matched no payment for an
 * operator, with why, inside the caller's transaction. Returns 0 or -1. */
static int keep_unmatched(struct worker *w, const char *id, const char *type,
    struct json_object *obj, const char *pi, long long cents, const char *why)
{
	char micros[32];
	const char *object_id = json_str(obj, "id", NULL);
	const char *currency = json_str(obj, "currency", NULL);
	const char *params[] = { id, type, object_id != NULL ? object_id : "", pi,
		cents >= 0 ? micros : NULL, currency, why,
		json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN) };

	snprintf(micros, sizeof(micros), "%lld", cents * 10000);
	log_msg(LOG_LEVEL_WARN, "Stripe event %s (%s) kept for an operator: %s", id, type, why);
	return run(w, STMT_UNMATCHED_RECORD, params, NULL, 0);
}

/* Finds the payment of PaymentIntent pi, or else of the payment id in
 * metadata (payment_id, NULL: none) when it has no PaymentIntent yet, was
 * sent to Stripe and for the same customer (NULL: not known), into p, and
 * locks it (with its workspace) for the caller's
 * transaction. Returns 0, 1 when none matches, -1 on a database failure. */
static int payment_find(struct worker *w, const char *pi, const char *payment_id,
    const char *customer, struct payment *p)
{
	const char *params[] = { pi != NULL ? pi : "", payment_id != NULL ? payment_id : "",
		customer != NULL ? customer : "" };
	char id[40] = "";
	const char *lock[] = { id };

	if (run(w, STMT_PAYMENT_FIND, params, id, sizeof(id)) < 0)
		return -1;
	if (id[0] == '\0')
		return 1;
	/* the workspace's row first, as charges take it */
	return run(w, STMT_PAYMENT_LOCK, lock, NULL, 0) < 0 ? -1 : payment_load(w, id, p);
}

/* Returns the integer member name of o, or -1 when it has none. */
static long long json_int(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) && v != NULL ? json_object_get_int64(v) : -1;
}

/* payment_intent.*: the PaymentIntent obj. Sets *matched. Returns 0 or -1. */
static int apply_intent(struct worker *w, const char *id, const char *type, struct json_object *obj,
    int *matched)
{
	struct stripe_result res;
	struct payment p;
	long long balance;
	int rc;

	memset(&res, 0, sizeof(res));
	stripe_read_intent(obj, &res);
	rc = payment_find(w, res.pi, res.payment_id, res.customer, &p);
	if (rc < 0)
		return -1;
	*matched = rc == 0;
	if (rc == 1) /* money taken that no payment knows: never dropped */
		return res.outcome != STRIPE_SUCCEEDED
		    ? 0
		    : keep_unmatched(w, id, type, obj, res.pi, res.amount_cents,
		          "no payment has this PaymentIntent or its metadata payment_id");
	if (res.outcome == STRIPE_SUCCEEDED && res.amount_cents >= 0 &&
	    res.amount_cents * 10000 != p.amount) {
		*matched = 0;
		return keep_unmatched(w, id, type, obj, res.pi, res.amount_cents,
		    "the amount differs from its payment's");
	}
	/* a late or repeated event never takes a final payment back */
	if (res.outcome != STRIPE_SUCCEEDED && !state_open(p.state))
		return 0;
	return payment_apply(w, &p, &res, &balance);
}

/* A refund or dispute names PaymentIntent pi that no payment knows yet
 * (the create call's answer was lost, and its success has not come):
 * Stripe is asked for it, and its metadata finds the payment, which is
 * linked to it. Returns as payment_find(); -1 too when Stripe did not
 * answer (then Stripe delivers the event again). */
static int payment_of_unknown_intent(struct worker *w, const char *pi, struct payment *p)
{
	struct stripe_result res;
	int rc;

	if (stripe_retrieve(w, pi, pi, &res) == STRIPE_FAILED)
		return -1;
	if (res.payment_id[0] == '\0') /* none, or not one of dragoman's */
		return 1;
	rc = payment_find(w, res.pi, res.payment_id, res.customer, p);
	if (rc == 0 && p->pi[0] == '\0') {
		const char *params[] = { p->id, res.pi };
		if (run(w, STMT_PAYMENT_SET_INTENT, params, NULL, 0) < 0)
			return -1;
		snprintf(p->pi, sizeof(p->pi), "%s", res.pi);
	}
	return rc;
}

/* charge.refunded (obj a Charge) and charge.dispute.* (obj a Dispute).
 * Sets *matched. Returns 0 or -1. */
static int apply_charge(struct worker *w, const char *id, const char *type, struct json_object *obj,
    int *matched)
{
	const char *pi = json_str(obj, "payment_intent", NULL);
	int refund = strcmp(type, "charge.refunded") == 0;
	long long cents = json_int(obj, refund ? "amount_refunded" : "amount");
	const char *dispute = json_str(obj, "id", NULL);
	const char *status = json_str(obj, "status", NULL);
	char micros[32];
	struct payment p;
	int rc;

	if (pi == NULL || cents < 0 || (!refund && (dispute == NULL || status == NULL)))
		return 0;
	rc = payment_find(w, pi, NULL, NULL, &p);
	if (rc == 1)
		rc = payment_of_unknown_intent(w, pi, &p);
	if (rc < 0)
		return -1;
	*matched = rc == 0;
	if (rc == 1)
		return keep_unmatched(w, id, type, obj, pi, refund ? cents : -1,
		    "no payment has this PaymentIntent");
	snprintf(micros, sizeof(micros), "%lld", cents * 10000);
	if (refund) {
		const char *params[] = { p.id, micros };
		return run(w, STMT_PAYMENT_REFUNDED, params, NULL, 0);
	}
	if (cents == 0)
		return 0;
	const char *params[] = { dispute, p.id, micros, status };
	char ours[8] = "";
	if (run(w, STMT_PAYMENT_DISPUTE, params, ours, sizeof(ours)) < 0)
		return -1;
	if (strcmp(ours, "t") == 0)
		return 0;
	*matched = 0;
	return keep_unmatched(w, id, type, obj, pi, -1, "the dispute belongs to another payment");
}

/* Applies the event's effect inside the caller's transaction. Returns 0
 * or -1. */
static int apply_tx(struct worker *w, const char *id, const char *type, struct json_object *obj,
    int *matched)
{
	*matched = 1;
	if (strncmp(type, "payment_intent.", 15) == 0)
		return apply_intent(w, id, type, obj, matched);
	if (strcmp(type, "charge.refunded") == 0 || strcmp(type, "charge.dispute.created") == 0 ||
	    strcmp(type, "charge.dispute.closed") == 0)
		return apply_charge(w, id, type, obj, matched);
	return 0; /* an event dragoman does not act on */
}

/* Applies the verified Stripe event as payments_receive_event() says.
 * Returns its results but PROBLEM_BAD_REQUEST. */
static enum problem apply_event(struct worker *w, struct json_object *event, int *duplicate,
    int *matched, struct reply *rp)
{
	const char *id = json_str(event, "id", NULL);
	const char *type = json_str(event, "type", NULL);
	struct json_object *data, *obj;
	char recorded[128];

	*duplicate = 0;
	*matched = 1;
	if (id == NULL || type == NULL || !json_object_object_get_ex(event, "data", &data) ||
	    !json_object_object_get_ex(data, "object", &obj) ||
	    !json_object_is_type(obj, json_type_object)) {
		snprintf(rp->detail, sizeof(rp->detail), "not a Stripe event");
		return PROBLEM_INVALID_FIELD;
	}
	const char *params[] = { id, type };
	if (db_command(w->db, "BEGIN") < 0 ||
	    run(w, STMT_STRIPE_EVENT_RECORD, params, recorded, sizeof(recorded)) < 0)
		goto fail;
	if (recorded[0] == '\0') {
		*duplicate = 1;
		(void)db_command(w->db, "ROLLBACK");
		return PROBLEM_NONE;
	}
	if (apply_tx(w, id, type, obj, matched) < 0 || db_command(w->db, "COMMIT") < 0)
		goto fail;
	if (!*matched)
		metrics_count(METRIC_STRIPE_UNMATCHED, 1, "type", type, METRICS_END);
	return PROBLEM_NONE;
fail:
	(void)db_command(w->db, "ROLLBACK");
	snprintf(rp->detail, sizeof(rp->detail), "the event cannot be applied right now");
	return PROBLEM_UNAVAILABLE;
}

enum problem payments_receive_event(struct worker *w, const char *signature, const char *body,
    size_t len, struct json_object *event, int *duplicate, int *matched, struct reply *rp)
{
	*duplicate = 0;
	*matched = 1;
	if (w->cfg->stripe_webhook_secret == NULL ||
	    !stripe_signature_valid(signature, body, len, w->cfg->stripe_webhook_secret,
	        (long long)time(NULL), STRIPE_TOLERANCE_S)) {
		snprintf(rp->detail, sizeof(rp->detail), "the Stripe-Signature does not verify");
		return PROBLEM_BAD_REQUEST;
	}
	return apply_event(w, event, duplicate, matched, rp);
}

int payments_run_auto(struct worker *w, const char *payment_id)
{
	struct payment p;
	long long balance;

	if (payment_load(w, payment_id, &p) != 0)
		return -1;
	if (strcmp(p.kind, "auto") != 0)
		return 0;
	if (payment_drive(w, &p, 1, p.id, &balance) < 0)
		return -1;
	return strcmp(p.state, "failed") == 0 || strcmp(p.state, "canceled") == 0 ? -1 : 0;
}

long payments_resolve(struct worker *w, long older_s)
{
	char s[24];
	const char *params[] = { s };
	PGresult *res;
	long n = 0;

	snprintf(s, sizeof(s), "%ld", older_s);
	res = db_exec(w->db, STMT_PAYMENTS_OPEN, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		struct payment p;
		long long balance;
		if (payment_load(w, PQgetvalue(res, i, 0), &p) != 0)
			continue;
		/* a client's own recharge is sent again only when the client
		 * retries it; an auto payment is this server's to finish */
		if (payment_drive(w, &p, strcmp(p.kind, "auto") == 0, p.id, &balance) == 0)
			n++;
	}
	PQclear(res);
	return n;
}

/* The job that runs the auto payment id once the response is out. */
static void auto_payment_job(struct worker *w, const char *id)
{
	(void)payments_run_auto(w, id);
}

int payments_defer_auto(struct worker *w, const char *payment_id)
{
	return worker_defer(w, auto_payment_job, payment_id);
}

long payments_queue_due(struct worker *w, const char *workspace_id, const char *request_id,
    long long needed)
{
	char n[24];
	const char *params[] = { workspace_id, request_id, n };

	snprintf(n, sizeof(n), "%lld", needed);
	char id[40] = "";

	if (run(w, STMT_AUTO_RECHARGE_DUE, params, id, sizeof(id)) < 0)
		return -1;
	if (id[0] == '\0')
		return 0;
	(void)payments_defer_auto(w, id);
	return 1;
}
