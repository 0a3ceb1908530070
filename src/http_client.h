/* Outgoing HTTP through the worker's one CURL handle (connections to an
 * upstream are reused between requests). */
#ifndef DRAGOMAN_HTTP_CLIENT_H
#define DRAGOMAN_HTTP_CLIENT_H

#include <stddef.h>

#include <curl/curl.h>

#define HTTP_CLIENT_MAX_BODY (4L << 20)

struct http_reply {
	long status;        /* 0 when no response arrived */
	char *body;         /* NUL-terminated, owned; NULL when none */
	size_t len;
	char error[CURL_ERROR_SIZE];
};

/* One form field for http_client_post_form(). */
struct form_field {
	const char *name;
	const char *value;
};

/* GETs url (timeout_ms in all), sending X-Request-Id: request_id. Returns
 * 0 with out filled (any status), or -1 with out->error set when no
 * response arrived (refused, timed out, larger than HTTP_CLIENT_MAX_BODY).
 * Release out with http_reply_free(). */
int http_client_get(CURL *curl, const char *url, long timeout_ms,
    const char *request_id, struct http_reply *out);

/* POSTs the nfields fields as application/x-www-form-urlencoded to url.
 * Same results as http_client_get(). */
int http_client_post_form(CURL *curl, const char *url, const struct form_field *fields,
    size_t nfields, long timeout_ms, const char *request_id, struct http_reply *out);

/* POSTs the JSON text body to url. Same results as http_client_get(). */
int http_client_post_json(CURL *curl, const char *url, const char *body, long timeout_ms,
    const char *request_id, struct http_reply *out);

/* Frees what r owns and zeroes it. */
void http_reply_free(struct http_reply *r);

#endif
