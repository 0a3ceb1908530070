#include "autoconfig.h"

#include "core/problem.h"

struct problem_info {
	int status;
	const char *type;
	const char *title;
};

#define T(slug) "urn:dragoman:problem:" slug

static const struct problem_info problems[PROBLEM__MAX] = {
	[PROBLEM_NONE] = { 500, T("internal"), "Internal server error" },
	[PROBLEM_BAD_REQUEST] = { 400, T("bad-request"), "Bad request" },
	[PROBLEM_INVALID_JSON] = { 400, T("invalid-json"), "Request body is not valid JSON" },
	[PROBLEM_INVALID_FIELD] = { 400, T("invalid-field"), "A field failed validation" },
	[PROBLEM_BAD_PATH] = { 400, T("bad-path"), "Request path is not acceptable" },
	[PROBLEM_UNAUTHORIZED] = { 401, T("unauthorized"), "Missing or invalid credentials" },
	[PROBLEM_FORBIDDEN] = { 403, T("forbidden"), "The credentials do not allow this" },
	[PROBLEM_NOT_FOUND] = { 404, T("not-found"), "Not found" },
	[PROBLEM_METHOD_NOT_ALLOWED] = { 405, T("method-not-allowed"), "Method not allowed" },
	[PROBLEM_LENGTH_REQUIRED] = { 411, T("length-required"), "A request body is required" },
	[PROBLEM_BODY_TRUNCATED] = { 400, T("body-truncated"),
	    "Request body is shorter than announced" },
	[PROBLEM_TOO_LARGE] = { 413, T("too-large"), "Request body too large" },
	[PROBLEM_UNSUPPORTED_MEDIA_TYPE] = { 415, T("unsupported-media-type"),
	    "Unsupported content type" },
	[PROBLEM_INSUFFICIENT_CREDITS] = { 402, T("insufficient-credits"), "Not enough credits" },
	[PROBLEM_MONTHLY_CAP] = { 402, T("monthly-cap-exceeded"),
	    "The monthly spending cap is reached" },
	[PROBLEM_IDEMPOTENCY_IN_FLIGHT] = { 409, T("idempotency-in-flight"),
	    "A request with this Idempotency-Key is still being processed" },
	[PROBLEM_IDEMPOTENCY_MISMATCH] = { 422, T("idempotency-mismatch"),
	    "This Idempotency-Key was used for a different request" },
	[PROBLEM_IDEMPOTENCY_REUSED] = { 422, T("idempotency-key-reused"),
	    "This Idempotency-Key was used before" },
	[PROBLEM_CONFLICT] = { 409, T("conflict"), "This conflicts with what exists" },
	[PROBLEM_PAYMENT_DECLINED] = { 402, T("payment-declined"), "The payment was declined" },
	[PROBLEM_RATE_LIMITED] = { 429, T("rate-limited"), "Too many requests" },
	[PROBLEM_KEY_QUOTA] = { 429, T("key-quota-exceeded"),
	    "This key's monthly quota is used up" },
	[PROBLEM_INTERNAL] = { 500, T("internal"), "Internal server error" },
	[PROBLEM_UNAVAILABLE] = { 503, T("unavailable"), "Service temporarily unavailable" },
};

/* Returns the table row for p, the internal-error row when p is out of range. */
static const struct problem_info *problem_info(enum problem p)
{
	if ((int)p <= PROBLEM_NONE || p >= PROBLEM__MAX)
		return &problems[PROBLEM_INTERNAL];
	return &problems[p];
}

int problem_status(enum problem p)
{
	return problem_info(p)->status;
}

const char *problem_title(enum problem p)
{
	return problem_info(p)->title;
}

const char *problem_type(enum problem p)
{
	return problem_info(p)->type;
}

struct json_object *problem_body(enum problem p, const char *detail, const char *request_id)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string(problem_type(p)));
	json_object_object_add(o, "title", json_object_new_string(problem_title(p)));
	json_object_object_add(o, "status", json_object_new_int(problem_status(p)));
	json_object_object_add(o, "detail",
	    json_object_new_string(detail != NULL ? detail : problem_title(p)));
	if (request_id != NULL)
		json_object_object_add(o, "request_id", json_object_new_string(request_id));
	return o;
}
