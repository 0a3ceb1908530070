/* Problem kinds and their one mapping to HTTP status, type URI and title
 * (RFC 9457 problem details). */
#ifndef DRAGOMAN_PROBLEM_H
#define DRAGOMAN_PROBLEM_H

#include <json-c/json.h>

enum problem {
	PROBLEM_NONE = 0,
	/* client faults */
	PROBLEM_BAD_REQUEST,
	PROBLEM_INVALID_JSON,
	PROBLEM_INVALID_FIELD,
	PROBLEM_BAD_PATH,
	PROBLEM_UNAUTHORIZED,
	PROBLEM_FORBIDDEN,
	PROBLEM_NOT_FOUND,
	PROBLEM_METHOD_NOT_ALLOWED,
	PROBLEM_LENGTH_REQUIRED,
	PROBLEM_BODY_TRUNCATED,
	PROBLEM_TOO_LARGE,
	PROBLEM_UNSUPPORTED_MEDIA_TYPE,
	PROBLEM_INSUFFICIENT_CREDITS,
	PROBLEM_MONTHLY_CAP,
	PROBLEM_IDEMPOTENCY_IN_FLIGHT,
	PROBLEM_IDEMPOTENCY_MISMATCH,
	PROBLEM_IDEMPOTENCY_REUSED,
	PROBLEM_CONFLICT,
	PROBLEM_PAYMENT_DECLINED,
	PROBLEM_RATE_LIMITED,
	PROBLEM_KEY_QUOTA,
	/* server faults */
	PROBLEM_INTERNAL,
	PROBLEM_UNAVAILABLE,
	PROBLEM__MAX
};

/* Returns the HTTP status for p (500 for PROBLEM_NONE or out of range). */
int problem_status(enum problem p);

/* Returns the static type URI for p, e.g. "urn:dragoman:problem:not-found". */
const char *problem_type(enum problem p);

/* Returns the static human title for p. */
const char *problem_title(enum problem p);

/* Returns a new JSON object {type,title,status,detail,request_id}; detail
 * may be NULL (the title is used). The caller owns the object (json_object_put). */
struct json_object *problem_body(enum problem p, const char *detail, const char *request_id);

#endif
