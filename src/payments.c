#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "payments.h"
#include "provider.h"
#include "reply.h"
#include "stripe.h"
#include "worker.h"

/* Runs statement s with params; returns 0 when it ran (rows or not),
 * -1 when it failed (logged). Writes the first column of the first row
 * into first (when not NULL, firstsz bytes; "" when no row). */
static int run(struct worker *w, enum stmt s, const char *const *params, char *first,
    size_t firstsz)
{
	PGresult *res = db_exec(w->db, s, params);
	int ok = res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK);

	if (!ok && res != NULL)
		log_msg(LOG_LEVEL_ERROR, "payments: %s: %s", stmt_def(s)->name,
		    PQresultErrorMessage(res));
	if (ok && first != NULL)
		snprintf(first, firstsz, "%s", PQresultStatus(res) == PGRES_TUPLES_OK &&
		    PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	return ok ? 0 : -1;
}

/* Finds (or makes, once per client key) the payment row. Returns 0 or -1. */
static int payment_row(struct worker *w, const char *workspace_id, long long amount,
    const char *idem, const char *request_id, struct recharge *out)
{
	char amt[24];
	const char *params[] = { workspace_id, amt, "manual", request_id, idem };
	PGresult *res;
	int ok;

	snprintf(amt, sizeof(amt), "%lld", amount);
	res = db_exec(w->db, STMT_PAYMENT_UPSERT, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok) {
		snprintf(out->payment_id, sizeof(out->payment_id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->state, sizeof(out->state), "%s", PQgetvalue(res, 0, 1));
		snprintf(out->payment_intent, sizeof(out->payment_intent), "%s", PQgetvalue(res, 0, 2));
	} else if (res != NULL)
		log_msg(LOG_LEVEL_ERROR, "payments: upsert: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

enum problem payments_recharge(struct worker *w, const char *workspace_id, long long amount,
    const char *idem, const char *request_id, struct recharge *out, struct reply *rp)
{
	const char *ws_params[] = { workspace_id };
	char stripe_idem[96], message[256], balance[32] = "";
	PGresult *res;
	char customer[128], pm[128];
	enum stripe_outcome o;

	memset(out, 0, sizeof(*out));
	out->balance = -1;
	res = db_exec(w->db, STMT_PAYMENT_METHOD_GET, ws_params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		snprintf(rp->detail, sizeof(rp->detail), "payments cannot be made right now");
		return PROBLEM_UNAVAILABLE;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(rp->detail, sizeof(rp->detail), "the workspace has no saved payment method "
		    "(PUT /v1/billing/payment-method)");
		return PROBLEM_CONFLICT;
	}
	snprintf(customer, sizeof(customer), "%s", PQgetvalue(res, 0, 0));
	snprintf(pm, sizeof(pm), "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	if (payment_row(w, workspace_id, amount, idem, request_id, out) < 0) {
		snprintf(rp->detail, sizeof(rp->detail), "payments cannot be made right now");
		return PROBLEM_UNAVAILABLE;
	}
	if (strcmp(out->state, "pending") != 0)
		return strcmp(out->state, "failed") == 0 ? PROBLEM_PAYMENT_DECLINED : PROBLEM_NONE;
	/* the same payment always asks Stripe under the same key */
	snprintf(stripe_idem, sizeof(stripe_idem), "dragoman-payment-%s", out->payment_id);
	o = stripe_charge(w, customer, pm, amount / 10000, "eur", stripe_idem, request_id,
	    out->payment_intent, message, sizeof(message));
	if (out->payment_intent[0] != '\0') {
		const char *p2[] = { out->payment_id, out->payment_intent };
		(void)run(w, STMT_PAYMENT_SET_INTENT, p2, NULL, 0);
	}
	if (o == STRIPE_FAILED) {
		snprintf(rp->detail, sizeof(rp->detail), "%s; retry with the same Idempotency-Key",
		    message);
		return PROBLEM_UNAVAILABLE;
	}
	if (o == STRIPE_DECLINED) {
		const char *p3[] = { out->payment_intent[0] ? out->payment_intent : NULL, message,
		    out->payment_id };
		(void)run(w, STMT_PAYMENT_FAILED, p3, NULL, 0);
		snprintf(out->state, sizeof(out->state), "failed");
		snprintf(rp->detail, sizeof(rp->detail), "%s", message);
		return PROBLEM_PAYMENT_DECLINED;
	}
	if (o == STRIPE_SUCCEEDED) {
		const char *p4[] = { out->payment_intent };
		if (run(w, STMT_PAYMENT_SUCCEEDED, p4, balance, sizeof(balance)) < 0) {
			snprintf(rp->detail, sizeof(rp->detail), "the payment succeeded and will be "
			    "credited; retry with the same Idempotency-Key to see it");
			return PROBLEM_UNAVAILABLE;
		}
		snprintf(out->state, sizeof(out->state), "succeeded");
		out->balance = balance[0] ? atoll(balance) : -1;
	}
	return PROBLEM_NONE;
}

/* Applies the event's effect inside the caller's transaction. Returns 0
 * or -1. */
static int apply_tx(struct worker *w, const char *type, struct json_object *obj)
{
	const char *id = provider_json_str(obj, "id", NULL);

	if (strcmp(type, "payment_intent.succeeded") == 0 && id != NULL) {
		const char *p[] = { id };
		return run(w, STMT_PAYMENT_SUCCEEDED, p, NULL, 0);
	}
	if (strcmp(type, "payment_intent.payment_failed") == 0 && id != NULL) {
		const char *why = provider_json_str(obj, "last_payment_error", "message");
		const char *p[] = { id, why != NULL ? why : "payment failed", NULL };
		return run(w, STMT_PAYMENT_FAILED, p, NULL, 0);
	}
	if (strcmp(type, "charge.refunded") == 0 && id != NULL) {
		const char *pi = provider_json_str(obj, "payment_intent", NULL);
		struct json_object *a;
		char micros[32], ref[96];
		if (pi == NULL || !json_object_object_get_ex(obj, "amount_refunded", &a))
			return 0;
		snprintf(micros, sizeof(micros), "%lld", (long long)json_object_get_int64(a) * 10000);
		snprintf(ref, sizeof(ref), "refund:%s", id);
		const char *p[] = { pi, micros, ref };
		return run(w, STMT_PAYMENT_REFUNDED, p, NULL, 0);
	}
	return 0;   /* an event dragoman does not act on */
}

enum problem payments_apply_event(struct worker *w, struct json_object *event, int *duplicate,
    struct reply *rp)
{
	const char *id = provider_json_str(event, "id", NULL);
	const char *type = provider_json_str(event, "type", NULL);
	struct json_object *data, *obj;
	char recorded[128];

	*duplicate = 0;
	if (id == NULL || type == NULL || !json_object_object_get_ex(event, "data", &data) ||
	    !json_object_object_get_ex(data, "object", &obj)) {
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
	if (apply_tx(w, type, obj) < 0 || db_command(w->db, "COMMIT") < 0)
		goto fail;
	return PROBLEM_NONE;
fail:
	(void)db_command(w->db, "ROLLBACK");
	snprintf(rp->detail, sizeof(rp->detail), "the event cannot be applied right now");
	return PROBLEM_UNAVAILABLE;
}

int payments_run_auto(struct worker *w, const char *payment_id)
{
	const char *p1[] = { payment_id };
	PGresult *res = db_exec(w->db, STMT_AUTO_PAYMENT_TAKE, p1);
	char ws[40], customer[128], pm[128], idem[96], pi[64] = "", message[256];
	long long amount;
	enum stripe_outcome o = STRIPE_FAILED;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		int taken_already = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
		PQclear(res);
		return taken_already ? 0 : -1;
	}
	snprintf(ws, sizeof(ws), "%s", PQgetvalue(res, 0, 0));
	amount = db_num(res, 0, 1);
	PQclear(res);
	const char *p2[] = { ws };
	res = db_exec(w->db, STMT_PAYMENT_METHOD_GET, p2);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		snprintf(customer, sizeof(customer), "%s", PQgetvalue(res, 0, 0));
		snprintf(pm, sizeof(pm), "%s", PQgetvalue(res, 0, 1));
		snprintf(idem, sizeof(idem), "dragoman-payment-%s", payment_id);
		o = stripe_charge(w, customer, pm, amount / 10000, "eur", idem, payment_id, pi,
		    message, sizeof(message));
	} else
		snprintf(message, sizeof(message), "no saved payment method");
	PQclear(res);
	if (pi[0] != '\0') {
		const char *p3[] = { payment_id, pi };
		(void)run(w, STMT_PAYMENT_SET_INTENT, p3, NULL, 0);
	}
	if (o == STRIPE_SUCCEEDED) {
		const char *p4[] = { pi };
		(void)run(w, STMT_PAYMENT_SUCCEEDED, p4, NULL, 0);
		(void)run(w, STMT_AUTO_RECHARGE_OK, p2, NULL, 0);
		log_msg(LOG_LEVEL_INFO, "workspace %s: auto-recharge %s succeeded", ws, payment_id);
		return 0;
	}
	if (o == STRIPE_PENDING)
		return 0;   /* the webhook will tell */
	const char *p5[] = { pi[0] ? pi : NULL, message, payment_id };
	const char *p6[] = { ws, message };
	if (o == STRIPE_DECLINED || pi[0] == '\0')
		(void)run(w, STMT_PAYMENT_FAILED, p5, NULL, 0);
	(void)run(w, STMT_AUTO_RECHARGE_FAILED, p6, NULL, 0);
	log_msg(LOG_LEVEL_WARN, "workspace %s: auto-recharge %s failed: %s", ws, payment_id, message);
	return -1;
}

long payments_run_stale_auto(struct worker *w, long older_s)
{
	char s[24];
	const char *params[] = { s };
	PGresult *res;
	long n = 0;

	snprintf(s, sizeof(s), "%ld", older_s);
	res = db_exec(w->db, STMT_AUTO_PAYMENTS_STALE, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++, n++)
		(void)payments_run_auto(w, PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}
