/* Platform operators (keys with the platform role), on any workspace:
 * POST /v1/admin/workspaces/{id}/credits, POST /v1/admin/coupons. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/idempotency.h"
#include "core/money.h"
#include "core/reply.h"
#include "handlers.h"

/* Parses a signed decimal amount ("-1.50") into *micros. Returns 0 or -1. */
static int signed_amount(const char *s, long long *micros)
{
	int negative = s[0] == '-';

	if (money_parse(s + negative, micros) < 0)
		return -1;
	if (negative)
		*micros = -*micros;
	return 0;
}

enum {
	K_AMOUNT,
	K_TYPE,
	K_REASON
};
static const struct param_spec credit_fields[] = {
	[K_AMOUNT] = { "amount", PARAM_STRING, 1, 1, 24, 0 },
	[K_TYPE] = { "type", PARAM_STRING, 0, 5, 10, 0 },
	[K_REASON] = { "reason", PARAM_STRING, 1, 1, 200, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with the ledger row's id and the new balance: a grant (positive) or
 * an adjustment (either sign), with its reason; Idempotency-Key makes a
 * retry return the first row. 404 for an unknown workspace. */
static enum problem credits_post(struct worker *w, struct request *r, struct reply *rp)
{
	const char *id = r->captures[0],
	           *type = r->fields[K_TYPE].present ? r->fields[K_TYPE].str : "grant";
	long long amount, ledger_id = 0, balance = 0;
	struct json_object *o;
	enum problem p;

	if (strcmp(type, "grant") != 0 && strcmp(type, "adjustment") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "type must be grant or adjustment");
		return PROBLEM_INVALID_FIELD;
	}
	if (signed_amount(r->fields[K_AMOUNT].str, &amount) < 0 || amount == 0 ||
	    (strcmp(type, "grant") == 0 && amount < 0)) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "amount must be a non-zero decimal with at "
		    "most six places (\"5.00\"; negative only for an adjustment)");
		return PROBLEM_INVALID_FIELD;
	}
	if (r->idempotency_key != NULL && !idempotency_key_valid(r->idempotency_key)) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "Idempotency-Key must be 1 to 255 visible "
		    "ASCII characters");
		return PROBLEM_INVALID_FIELD;
	}
	p = billing_operator_change(w, id, amount, type, r->fields[K_REASON].str,
	    r->idempotency_key, &ledger_id, &balance, rp);
	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "workspace_id", json_object_new_string(id));
	json_object_object_add(o, "ledger_id", json_object_new_int64(ledger_id));
	json_object_object_add(o, "type", json_object_new_string(type));
	money_json_add(o, "amount", amount);
	money_json_add(o, "balance", balance);
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

enum {
	P_CODE,
	P_AMOUNT,
	P_MAX,
	P_EXPIRES
};
static const struct param_spec coupon_fields[] = {
	[P_CODE] = { "code", PARAM_STRING, 1, 3, 64, 0 },
	[P_AMOUNT] = { "amount", PARAM_STRING, 1, 1, 24, 0 },
	[P_MAX] = { "max_redemptions", PARAM_INT, 0, 1, 100000000, 0 },
	[P_EXPIRES] = { "expires_at", PARAM_STRING, 0, 10, 40, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 201 with the coupon; 400 for a bad code, amount or date; 409 when the
 * code exists. */
static enum problem coupons_post(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *f = r->fields;
	long long amount, max = f[P_MAX].present ? f[P_MAX].num : 1;
	const char *expires_at = f[P_EXPIRES].present ? f[P_EXPIRES].str : NULL;
	struct json_object *o;
	enum problem p;

	if (money_parse(f[P_AMOUNT].str, &amount) < 0 || amount == 0) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "amount must be a positive decimal (\"5.00\")");
		return PROBLEM_INVALID_FIELD;
	}
	p = billing_coupon_create(w, f[P_CODE].str, amount, max, expires_at, rp);
	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "code", json_object_new_string(f[P_CODE].str));
	money_json_add(o, "amount", amount);
	json_object_object_add(o, "max_redemptions", json_object_new_int64(max));
	json_object_object_add(o, "expires_at",
	    expires_at != NULL ? json_object_new_string(expires_at) : NULL);
	reply_json(rp, 201, o);
	return PROBLEM_NONE;
}

const struct route admin_routes[] = {
	{ .method = HTTP_POST,
	    .pattern = "/v1/admin/workspaces/{id}/credits",
	    .handler = credits_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_PLATFORM,
	    .body = BODY_JSON,
	    .fields = credit_fields,
	    .name = "admin.credits",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_POST,
	    .pattern = "/v1/admin/coupons",
	    .handler = coupons_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_PLATFORM,
	    .body = BODY_JSON,
	    .fields = coupon_fields,
	    .name = "admin.coupons",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
