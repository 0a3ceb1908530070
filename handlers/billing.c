/* Billing, the caller's workspace: GET /v1/billing/balance,
 * GET /v1/billing/transactions, GET /v1/billing/pricing. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/idempotency.h"
#include "billing/ledger.h"
#include "billing/meter.h"
#include "core/money.h"
#include "core/pricing.h"
#include "core/reply.h"
#include "handlers.h"
#include "proc/worker.h"

/* Returns a JSON string for s, or JSON null when s is "". */
static struct json_object *text_or_null(const char *s)
{
	return s[0] != '\0' ? json_object_new_string(s) : NULL;
}

/* Returns the auto-recharge settings and status a as JSON (new). */
static struct json_object *auto_recharge_json(const struct auto_recharge *a)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(a->rule.enabled));
	money_json_add(o, "threshold", a->rule.threshold);
	money_json_add(o, "amount", a->rule.amount);
	json_object_object_add(o, "max_per_day", json_object_new_int64(a->rule.max_per_day));
	json_object_object_add(o, "last_error", text_or_null(a->last_error));
	json_object_object_add(o, "last_error_at", text_or_null(a->last_error_at));
	json_object_object_add(o, "next_attempt_at", text_or_null(a->next_attempt_at));
	json_object_object_add(o, "last_state", text_or_null(a->last_state));
	return o;
}

/* 200 with the balance, what is reserved by requests in flight, what is
 * available, the plan and the month's spend against its cap. */
static enum problem balance_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct ledger_balance b;
	struct json_object *o;
	enum problem p = ledger_balance_get(w, r->ident.workspace_id, &b, rp);

	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "workspace_id", json_object_new_string(r->ident.workspace_id));
	json_object_object_add(o, "currency", json_object_new_string(b.currency));
	money_json_add(o, "balance", b.balance);
	money_json_add(o, "reserved", b.reserved);
	money_json_add(o, "available", b.balance - b.reserved);
	json_object_object_add(o, "plan", json_object_new_string(b.plan));
	if (!b.capped) {
		json_object_object_add(o, "monthly_cap", NULL);
		json_object_object_add(o, "monthly_cap_micros", NULL);
	} else
		money_json_add(o, "monthly_cap", b.monthly_cap);
	money_json_add(o, "month_to_date", b.month_to_date);
	money_json_add(o, "owed", b.owed);
	json_object_object_add(o, "auto_recharge",
	    b.has_auto ? auto_recharge_json(&b.auto_recharge) : NULL);
	ledger_balance_release(&b);
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

enum {
	Q_LIMIT,
	Q_CURSOR,
	Q_TYPE,
	Q_FROM,
	Q_TO
};
static const struct param_spec transactions_query[] = {
	[Q_LIMIT] = { "limit", PARAM_INT, 0, 1, 200, 0 },
	[Q_CURSOR] = { "cursor", PARAM_INT, 0, 1, (1LL << 62), 0 },
	[Q_TYPE] = { "type", PARAM_STRING, 0, 4, 10, 0 },
	[Q_FROM] = { "from", PARAM_STRING, 0, 10, 40, 0 },
	[Q_TO] = { "to", PARAM_STRING, 0, 10, 40, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Returns 1 when s is an ISO 8601 date or date-time dragoman accepts:
 * YYYY-MM-DD, optionally followed by THH:MM[:SS[.frac]] and Z or +HH:MM. */
static int iso_time(const char *s)
{
	int y, mo, d, n = 0;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31)
		return 0;
	for (s += n; *s != '\0'; s++)
		if (strchr("0123456789T:.+-Z", *s) == NULL)
			return 0;
	return 1;
}

/* Adds ledger row e to the JSON array ctx. */
static void transaction_add(const struct ledger_entry *e, void *ctx)
{
	struct json_object *t = json_object_new_object();

	json_object_object_add(t, "id", json_object_new_string(e->id));
	json_object_object_add(t, "type", json_object_new_string(e->type));
	money_json_add(t, "amount", e->amount);
	money_json_add(t, "balance_before", e->balance_before);
	money_json_add(t, "balance_after", e->balance_after);
	json_object_object_add(t, "description", json_object_new_string(e->description));
	json_object_object_add(t, "reference", text_or_null(e->reference));
	json_object_object_add(t, "created_at", json_object_new_string(e->created_at));
	/* balance_before and balance_after are those of this chain */
	json_object_object_add(t, "lane", json_object_new_int64(e->lane));
	json_object_array_add(ctx, t);
}

/* 200 {"transactions":[...],"next_cursor"}: the ledger, newest first, a
 * page at a time (?limit, ?cursor from the previous page), filtered by
 * ?type and the time range [?from, ?to). */
static enum problem transactions_get(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *qp = r->query_params;
	static const char *const types[] = { "grant", "debit", "credit", "refund", "coupon",
		"adjustment", "dispute", "transfer", NULL };
	struct ledger_query q = {
		.cursor = qp[Q_CURSOR].present ? qp[Q_CURSOR].num : 0,
		.type = qp[Q_TYPE].present ? qp[Q_TYPE].str : NULL,
		.from = qp[Q_FROM].present ? qp[Q_FROM].str : NULL,
		.to = qp[Q_TO].present ? qp[Q_TO].str : NULL,
		.limit = qp[Q_LIMIT].present ? (long)qp[Q_LIMIT].num : 50,
	};
	char next[24];
	struct json_object *o, *arr;
	enum problem p;
	int known = q.type == NULL;

	for (int i = 0; types[i] != NULL && !known; i++)
		known = strcmp(types[i], q.type) == 0;
	if (!known || (q.from != NULL && !iso_time(q.from)) || (q.to != NULL && !iso_time(q.to))) {
		snprintf(rp->detail, sizeof(rp->detail), "%s",
		    !known ? "type must be grant, debit, credit, refund, coupon or adjustment"
		           : "from and to must be ISO 8601 dates or times");
		return PROBLEM_INVALID_FIELD;
	}
	arr = json_object_new_array();
	p = ledger_transactions(w, r->ident.workspace_id, &q, transaction_add, arr, next, rp);
	if (p != PROBLEM_NONE) {
		json_object_put(arr);
		return p;
	}
	o = json_object_new_object();
	json_object_object_add(o, "transactions", arr);
	json_object_object_add(o, "next_cursor", text_or_null(next));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

/* 200 {"currency","prices":[{"model","unit","per_million",...}]}. */
static enum problem pricing_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	(void)r;
	for (size_t i = 0; i < w->cfg->pricing->n; i++) {
		const struct price *p = &w->cfg->pricing->items[i];
		struct json_object *x = json_object_new_object();
		json_object_object_add(x, "model", json_object_new_string(p->model));
		json_object_object_add(x, "unit", json_object_new_string(p->unit));
		money_json_add(x, "per_million", p->per_million);
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "currency", json_object_new_string("EUR"));
	json_object_object_add(o, "prices", arr);
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

enum {
	U_QUANTITY,
	U_UNIT,
	U_MODEL,
	U_DESCRIPTION
};
static const struct param_spec usage_fields[] = {
	[U_QUANTITY] = { "quantity", PARAM_INT, 1, 1, 1000000000, 0 },
	[U_UNIT] = { "unit", PARAM_STRING, 1, 1, 16, 0 },
	[U_MODEL] = { "model", PARAM_STRING, 1, 3, 63, 0 },
	[U_DESCRIPTION] = { "description", PARAM_STRING, 0, 0, 100, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Metering for other services: charges quantity units of model at the
 * pricing table's price. 200 with what was charged; 400 for a unit or
 * model the table does not price; 402 when it cannot be paid. The charge
 * commits with the usage event and the stored response of the required
 * Idempotency-Key, which the handler claims itself (IDEM_REQUIRED_OWN):
 * in one statement when the key is new and the credit suffices. */
static enum problem usage_charge(struct worker *w, struct request *r, struct reply *rp)
{
	const char *model = r->fields[U_MODEL].str, *unit = r->fields[U_UNIT].str;
	const char *slash = strchr(model, '/');
	long long qty = r->fields[U_QUANTITY].num, price, cost;
	struct json_object *o;
	enum problem p;

	if (!pricing_unit_valid(unit)) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "unit must be characters, tokens or requests");
		return PROBLEM_INVALID_FIELD;
	}
	if (slash == NULL || slash == model || slash[1] == '\0' ||
	    (price = pricing_find(w->cfg->pricing, model, unit)) < 0) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "no price for model '%s' in %s (see GET "
		    "/v1/billing/pricing; models are vendor/name)",
		    model, unit);
		return PROBLEM_INVALID_FIELD;
	}
	cost = money_cost(qty, price);
	snprintf(r->usage.provider, sizeof(r->usage.provider), "%.*s", (int)(slash - model), model);
	snprintf(r->usage.model, sizeof(r->usage.model), "%s", model);
	if (strcmp(unit, "characters") == 0)
		r->usage.characters = r->usage.billed_characters = qty;
	r->usage.cost_micros = cost;
	snprintf(r->usage.description, sizeof(r->usage.description), "%s: %lld %s%s%s", model, qty,
	    unit, r->fields[U_DESCRIPTION].present ? " - " : "",
	    r->fields[U_DESCRIPTION].present ? r->fields[U_DESCRIPTION].str : "");
	o = json_object_new_object();
	json_object_object_add(o, "model", json_object_new_string(model));
	json_object_object_add(o, "provider", json_object_new_string(r->usage.provider));
	json_object_object_add(o, "unit", json_object_new_string(unit));
	json_object_object_add(o, "quantity", json_object_new_int64(qty));
	money_json_add(o, "charged", cost);
	json_object_object_add(o, "request_id", json_object_new_string(r->request_id));
	reply_json(rp, 200, o);
	/* the common case in one statement; the others the general way:
	 * a known key is claimed (or replayed), a refusal reserves again
	 * after expired holds are released, and the 402 is stored */
	switch (meter_charge(w, r, rp)) {
	case METER_CHARGED:
		return PROBLEM_NONE;
	case METER_TAKEN:
		p = idempotency_begin(w, r, rp);
		if (p != PROBLEM_NONE || r->idem_replayed)
			return p;
		break;
	case METER_REFUSED:
		break;
	default:
		snprintf(rp->detail, sizeof(rp->detail), "credits cannot be checked right now");
		return PROBLEM_UNAVAILABLE;
	}
	if (cost > 0 &&
	    (p = billing_reserve(w, r->ident.workspace_id, cost, r->request_id, r->owner,
	         r->idem_claimed ? r->idempotency_key : NULL, r->usage.hold_id, rp)) !=
	        PROBLEM_NONE)
		return p;
	return PROBLEM_NONE;
}

/* POST /v1/billing/usage (usage_charge()); a request answered with a
 * problem bills no characters. */
static enum problem usage_post(struct worker *w, struct request *r, struct reply *rp)
{
	enum problem p = usage_charge(w, r, rp);

	if (p != PROBLEM_NONE)
		r->usage.billed_characters = 0;
	return p;
}

enum {
	C_CODE
};
static const struct param_spec redeem_fields[] = {
	[C_CODE] = { "code", PARAM_STRING, 1, 3, 64, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with the amount credited and the new balance; 404 for an unknown
 * code; 400 expired or used up; 409 already redeemed here. */
static enum problem redeem_post(struct worker *w, struct request *r, struct reply *rp)
{
	long long amount = 0, balance = 0;
	enum problem p =
	    billing_redeem(w, r->ident.workspace_id, r->fields[C_CODE].str, &amount, &balance, rp);
	struct json_object *o;

	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "code", json_object_new_string(r->fields[C_CODE].str));
	money_json_add(o, "credited", amount);
	money_json_add(o, "balance", balance);
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

const struct route billing_routes[] = {
	{ .method = HTTP_POST,
	    .pattern = "/v1/billing/coupons/redeem",
	    .handler = redeem_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .fields = redeem_fields,
	    .name = "billing.coupon",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_BILLING_WRITE },
	{ .method = HTTP_POST,
	    .pattern = "/v1/billing/usage",
	    .handler = usage_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_JSON,
	    .fields = usage_fields,
	    .name = "usage",
	    .metered = 1,
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_REQUIRED_OWN,
	    .scope = SCOPE_BILLING_WRITE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/billing/balance",
	    .handler = balance_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "billing.balance",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_BILLING_READ },
	{ .method = HTTP_GET,
	    .pattern = "/v1/billing/transactions",
	    .handler = transactions_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .query = transactions_query,
	    .name = "billing.transactions",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_BILLING_READ },
	{ .method = HTTP_GET,
	    .pattern = "/v1/billing/pricing",
	    .handler = pricing_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "billing.pricing",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_BILLING_READ },
	{ .pattern = NULL },
};
