/* Outgoing HTTP through the worker's one CURL handle (connections to an
 * upstream are reused between requests). */
#ifndef DRAGOMAN_HTTP_CLIENT_H
#define DRAGOMAN_HTTP_CLIENT_H

#include <stddef.h>

#include <curl/curl.h>

#define HTTP_CLIENT_MAX_BODY (4L << 20)

struct http_reply {
	long status; /* 0 when no response arrived */
	char *body; /* NUL-terminated, owned; NULL when none */
	size_t len;
	char error[CURL_ERROR_SIZE];
};

/* One form field for http_client_post_form(). */
struct form_field {
	const char *name;
	const char *value;
};

#define HTTP_CALL_HEADERS_MAX 4

/* Where and how to send one request. Every request carries
 * X-Request-Id: request_id; headers[] holds up to HTTP_CALL_HEADERS_MAX
 * more complete "Name: value" lines (NULL-terminated when fewer), e.g.
 * the upstream's Authorization. All strings are borrowed. */
struct http_call {
	const char *url;
	long timeout_ms; /* for the whole exchange */
	const char *request_id;
	const char *headers[HTTP_CALL_HEADERS_MAX];
};

/* GETs call->url. Returns 0 with out filled (any status), or -1 with
 * out->error set when no response arrived (refused, timed out, larger
 * than HTTP_CLIENT_MAX_BODY). Release out with http_reply_free(). */
int http_client_get(CURL *curl, const struct http_call *call, struct http_reply *out);

/* POSTs the nfields fields as application/x-www-form-urlencoded (a name
 * may repeat). Same results as http_client_get(). */
int http_client_post_form(CURL *curl, const struct http_call *call, const struct form_field *fields,
    size_t nfields, struct http_reply *out);

/* POSTs the JSON text body. Same results as http_client_get(). */
int http_client_post_json(CURL *curl, const struct http_call *call, const char *body,
    struct http_reply *out);

/* Frees what r owns and zeroes it. */
void http_reply_free(struct http_reply *r);

#endif
