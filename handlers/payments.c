/* Payments: PUT /v1/billing/payment-method, POST /v1/billing/recharge,
 * GET /v1/billing/payments[/{id}], POST /v1/billing/webhooks/stripe,
 * PUT /v1/billing/auto-recharge. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "billing/payment_history.h"
#include "billing/payment_settings.h"
#include "billing/payments.h"
#include "core/money.h"
#include "core/reply.h"
#include "handlers.h"

enum {
	M_CUSTOMER,
	M_METHOD
};
static const struct param_spec method_fields[] = {
	[M_CUSTOMER] = { "customer", PARAM_STRING, 1, 5, 64, 0 },
	[M_METHOD] = { "payment_method", PARAM_STRING, 1, 4, 64, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200: the workspace's saved Stripe customer and payment method (set up
 * with Stripe beforehand) are what recharges charge. */
static enum problem method_put(struct worker *w, struct request *r, struct reply *rp)
{
	const char *customer = r->fields[M_CUSTOMER].str, *method = r->fields[M_METHOD].str;
	struct json_object *o;
	enum problem p =
	    payment_settings_method_set(w, r->ident.workspace_id, customer, method, rp);

	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "customer", json_object_new_string(customer));
	json_object_object_add(o, "payment_method", json_object_new_string(method));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

enum {
	R_AMOUNT
};
static const struct param_spec recharge_fields[] = {
	[R_AMOUNT] = { "amount", PARAM_STRING, 1, 1, 24, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 (succeeded, credited once) or 202 (processing: Stripe tells
 * later); 400 for an amount that is not whole cents from 1.00 to
 * 10000.00; 402 declined; 409 without a saved payment method or when the
 * payment expired; 422 when the key was used for another amount; 503 when
 * Stripe did not answer (retry with the same Idempotency-Key). */
static enum problem recharge_post(struct worker *w, struct request *r, struct reply *rp)
{
	long long amount;
	struct recharge out;
	struct json_object *o;
	enum problem p;

	if (money_parse(r->fields[R_AMOUNT].str, &amount) < 0 || amount % 10000 != 0 ||
	    amount < MONEY_MICROS || amount > 10000 * MONEY_MICROS) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "amount must be whole cents from 1.00 to "
		    "10000.00");
		return PROBLEM_INVALID_FIELD;
	}
	p = payments_recharge(w, r->ident.workspace_id, amount, r->idempotency_key, r->request_id,
	    &out, rp);
	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "payment_id", json_object_new_string(out.payment_id));
	json_object_object_add(o, "state", json_object_new_string(out.state));
	json_object_object_add(o, "payment_intent",
	    out.payment_intent[0] ? json_object_new_string(out.payment_intent) : NULL);
	money_json_add(o, "amount", amount);
	if (out.balance >= 0)
		money_json_add(o, "balance", out.balance);
	reply_json(rp, strcmp(out.state, "succeeded") == 0 ? 200 : 202, o);
	return PROBLEM_NONE;
}

static const struct param_spec webhook_fields[] = {
	{ PARAMS_OTHERS, PARAM_STRING, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Stripe's events: the signature is checked before anything is written
 * (400 when it fails); a redelivered event changes nothing (200); an
 * event that matches no payment is kept for an operator ("matched":
 * false); 503 makes Stripe deliver again later. */
static enum problem webhook_post(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *o;
	int duplicate = 0, matched = 1;
	enum problem p = payments_receive_event(w, r->stripe_signature, r->body, r->body_len,
	    r->json, &duplicate, &matched, rp);

	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "received", json_object_new_boolean(1));
	json_object_object_add(o, "duplicate", json_object_new_boolean(duplicate));
	json_object_object_add(o, "matched", json_object_new_boolean(matched));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

enum {
	A_ENABLED,
	A_THRESHOLD,
	A_AMOUNT,
	A_MAX
};
static const struct param_spec auto_fields[] = {
	[A_ENABLED] = { "enabled", PARAM_BOOL, 1, 0, 1, 0 },
	[A_THRESHOLD] = { "threshold", PARAM_STRING, 1, 1, 24, 0 },
	[A_AMOUNT] = { "amount", PARAM_STRING, 1, 1, 24, 0 },
	[A_MAX] = { "max_per_day", PARAM_INT, 0, 1, 100, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with the settings: whenever the balance is below threshold (now,
 * or after any charge or refused request), one recharge of amount is made
 * (one at a time, at most max_per_day a day, 3 unless given; an hour
 * after a failure). */
static enum problem auto_put(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *f = r->fields;
	struct auto_recharge_rule rule = {
		.enabled = (int)f[A_ENABLED].num,
		.max_per_day = f[A_MAX].present ? f[A_MAX].num : 3,
	};
	struct json_object *o;
	enum problem p;

	if (money_parse(f[A_THRESHOLD].str, &rule.threshold) < 0 ||
	    money_parse(f[A_AMOUNT].str, &rule.amount) < 0 || rule.amount % 10000 != 0 ||
	    rule.amount < MONEY_MICROS || rule.amount > 10000 * MONEY_MICROS) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "threshold must be a decimal amount, amount "
		    "whole cents from 1.00 to 10000.00");
		return PROBLEM_INVALID_FIELD;
	}
	p = payment_settings_auto_set(w, r->ident.workspace_id, &rule, r->request_id, rp);
	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "enabled", json_object_new_boolean(rule.enabled));
	money_json_add(o, "threshold", rule.threshold);
	money_json_add(o, "amount", rule.amount);
	json_object_object_add(o, "max_per_day", json_object_new_int64(rule.max_per_day));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

/* Returns a JSON string for s, or JSON null when s is "". */
static struct json_object *text_or_null(const char *s)
{
	return s[0] != '\0' ? json_object_new_string(s) : NULL;
}

/* Returns payment v as JSON (new). */
static struct json_object *payment_json(const struct payment_view *v)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(v->id));
	json_object_object_add(o, "kind", json_object_new_string(v->kind));
	json_object_object_add(o, "state", json_object_new_string(v->state));
	money_json_add(o, "amount", v->amount);
	json_object_object_add(o, "payment_intent", text_or_null(v->payment_intent));
	json_object_object_add(o, "error", text_or_null(v->error));
	money_json_add(o, "refunded", v->refunded);
	json_object_object_add(o, "created_at", json_object_new_string(v->created_at));
	json_object_object_add(o, "updated_at", json_object_new_string(v->updated_at));
	json_object_object_add(o, "expires_at", json_object_new_string(v->expires_at));
	json_object_object_add(o, "credited_at", text_or_null(v->credited_at));
	return o;
}

/* Adds payment v to the JSON array ctx. */
static void payment_add(const struct payment_view *v, void *ctx)
{
	json_object_array_add(ctx, payment_json(v));
}

/* Keeps payment v as JSON in *(struct json_object **)ctx. */
static void payment_keep(const struct payment_view *v, void *ctx)
{
	*(struct json_object **)ctx = payment_json(v);
}

enum {
	L_LIMIT,
	L_BEFORE
};
static const struct param_spec payments_query[] = {
	[L_LIMIT] = { "limit", PARAM_INT, 0, 1, 200, 0 },
	[L_BEFORE] = { "before", PARAM_STRING, 0, 20, 40, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 {"payments": [...], "next_before"}: the workspace's payments,
 * newest first, ?limit (50) at a time, ?before the previous page's
 * next_before; 400 for a before that is not a time. */
static enum problem payments_get(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *qp = r->query_params;
	const char *before = qp[L_BEFORE].present ? qp[L_BEFORE].str : NULL;
	long lim = qp[L_LIMIT].present ? (long)qp[L_LIMIT].num : 50;
	char next[64];
	struct json_object *o, *arr = json_object_new_array();
	enum problem p =
	    payment_history_list(w, r->ident.workspace_id, before, lim, payment_add, arr, next, rp);

	if (p != PROBLEM_NONE) {
		json_object_put(arr);
		return p;
	}
	o = json_object_new_object();
	json_object_object_add(o, "payments", arr);
	json_object_object_add(o, "next_before", text_or_null(next));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

/* 200 with the workspace's payment {id} (state, amount, PaymentIntent,
 * refunded, expires_at, ...); 404 for another workspace's or none. */
static enum problem payment_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *o = NULL;
	enum problem p =
	    payment_history_one(w, r->ident.workspace_id, r->captures[0], payment_keep, &o, rp);

	if (p != PROBLEM_NONE)
		return p;
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

const struct route payment_routes[] = {
	{ .method = HTTP_PUT,
	    .pattern = "/v1/billing/auto-recharge",
	    .handler = auto_put,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .fields = auto_fields,
	    .name = "billing.auto_recharge",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_BILLING_WRITE },
	{ .method = HTTP_PUT,
	    .pattern = "/v1/billing/payment-method",
	    .handler = method_put,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .fields = method_fields,
	    .name = "billing.payment_method",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_BILLING_WRITE },
	{ .method = HTTP_POST,
	    .pattern = "/v1/billing/recharge",
	    .handler = recharge_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .fields = recharge_fields,
	    .name = "billing.recharge",
	    .metered = 1,
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_REQUIRED,
	    .scope = SCOPE_BILLING_WRITE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/billing/payments",
	    .handler = payments_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .query = payments_query,
	    .name = "billing.payments",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_BILLING_READ },
	{ .method = HTTP_GET,
	    .pattern = "/v1/billing/payments/{id}",
	    .handler = payment_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "billing.payment",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_BILLING_READ },
	{ .method = HTTP_POST,
	    .pattern = "/v1/billing/webhooks/stripe",
	    .handler = webhook_post,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_JSON,
	    .fields = webhook_fields,
	    .name = "billing.webhook",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
