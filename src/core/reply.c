#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reply.h"

/* Headers on every response: no sniffing, no framing, no caching of API
 * data, no referrer leaks, nothing active in a JSON document. */
static const char security_headers[] =
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: no-referrer\r\n"
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
    "Cache-Control: no-store\r\n";

static const char *status_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 402:
		return "Payment Required";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 456:
		return "Quota Exceeded";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

void reply_header(struct reply *rp, const char *name, const char *fmt, ...)
{
	char value[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value) || strpbrk(value, "\r\n") != NULL ||
	    strpbrk(name, "\r\n: ") != NULL)
		return;
	n = snprintf(rp->headers + rp->headers_len, sizeof(rp->headers) - rp->headers_len,
	    "%s: %s\r\n", name, value);
	if (n > 0 && (size_t)n < sizeof(rp->headers) - rp->headers_len)
		rp->headers_len += (size_t)n;
	else
		rp->headers[rp->headers_len] = '\0';
}

void reply_json(struct reply *rp, int status, struct json_object *body)
{
	json_object_put(rp->body);
	rp->status = status;
	rp->body = body;
}

void reply_problem(struct reply *rp, enum problem p, const char *detail, const char *request_id)
{
	if (detail == NULL && rp->detail[0] != '\0')
		detail = rp->detail;
	rp->problem = p;
	reply_json(rp, problem_status(p), problem_body(p, detail, request_id));
	if (rp->extra != NULL && rp->body != NULL) {
		/* json-c's iteration macro, which cppcheck cannot expand without the
		 * library's headers: */
		// cppcheck-suppress unknownMacro
		json_object_object_foreach(rp->extra, k, v)
		    json_object_object_add(rp->body, k, json_object_get(v));
	}
	if (rp->retry_after > 0)
		reply_header(rp, "Retry-After", "%d", rp->retry_after);
}

int reply_raw(struct reply *rp, int status, const char *content_type, const char *body)
{
	char *copy = strdup(body);

	if (copy == NULL)
		return -1;
	json_object_put(rp->body);
	rp->body = NULL;
	free(rp->raw_body);
	rp->raw_body = copy;
	snprintf(rp->raw_type, sizeof(rp->raw_type), "%s", content_type);
	rp->status = status;
	return 0;
}

const char *reply_body_text(const struct reply *rp, size_t *len, const char **type)
{
	*len = 0;
	*type = NULL;
	if (rp->raw_body != NULL) {
		*len = strlen(rp->raw_body);
		*type = rp->raw_type;
		return rp->raw_body;
	}
	if (rp->body == NULL)
		return "";
	*type = rp->problem != PROBLEM_NONE ? "application/problem+json" : "application/json";
	return json_object_to_json_string_length(rp->body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

char *reply_render(const struct reply *rp, const char *request_id, size_t *len)
{
	const char *type, *body;
	size_t body_len = 0, cap;
	char *out;
	int n;

	body = reply_body_text(rp, &body_len, &type);
	cap = sizeof(security_headers) + rp->headers_len + body_len + 512;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	n = snprintf(out, cap,
	    "Status: %d %s\r\n"
	    "%s%s%s"
	    "Content-Length: %zu\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s%s\r\n",
	    rp->status, status_reason(rp->status), type != NULL ? "Content-Type: " : "",
	    type != NULL ? type : "", type != NULL ? "\r\n" : "", body_len, request_id,
	    security_headers, rp->headers);
	if (n < 0 || (size_t)n >= cap) {
		free(out);
		return NULL;
	}
	*len = (size_t)n;
	if (!rp->no_body) {
		memcpy(out + *len, body, body_len);
		*len += body_len;
	}
	out[*len] = '\0';
	return out;
}

void reply_release(struct reply *rp)
{
	json_object_put(rp->body);
	json_object_put(rp->extra);
	free(rp->raw_body);
	memset(rp, 0, sizeof(*rp));
}
