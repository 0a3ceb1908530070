/* A small libcurl client for the integration suites. */
#ifndef DRAGOMAN_TEST_HTTP_H
#define DRAGOMAN_TEST_HTTP_H

#include <stddef.h>

#include <json-c/json.h>

struct http_response {
	long status;
	char headers[8192];
	char *body; /* NUL-terminated, owned */
	size_t body_len;
	struct json_object *json; /* parsed body or NULL, owned */
	int timed_out; /* 1: no answer within the client's 20 s */
};

/* Sends method path (appended verbatim to the base URL, no normalizing of
 * "..") with the NULL-terminated header lines and an optional body
 * (body_len bytes). Returns the status (0 when no response) with resp
 * filled; release it with http_free(). */
long http_request(const char *method, const char *path, const char *const *headers,
    const char *body, size_t body_len, struct http_response *resp);

/* GETs the absolute url (another server than the one under test). Same
 * results as http_request(). */
long http_get_url(const char *url, struct http_response *resp);

/* POSTs the form (application/x-www-form-urlencoded) to the absolute
 * url. Same results as http_request(). */
long http_post_url(const char *url, const char *form, struct http_response *resp);

/* Returns the value of header name in resp (static copy), or NULL. */
const char *http_header(const struct http_response *resp, const char *name);

/* Returns the string member name of resp's JSON body, or NULL. */
const char *http_json_str(const struct http_response *resp, const char *name);

/* Returns 1 when the array member name of resp's JSON body holds exactly
 * the comma-separated strings of want, in order; else 0. */
int http_json_strings_are(const struct http_response *resp, const char *name, const char *want);

/* Returns 1 when resp is a problem+json document with the five members
 * and the status it was sent with, else 0. */
int http_is_problem(const struct http_response *resp);

/* Returns 1 when resp is a problem+json document with type
 * (urn:dragoman:problem:...), title, detail and the status it was sent
 * with, else 0: what the web server's own static documents hold, which
 * have no request_id (dragoman never saw the request). */
int http_is_problem_doc(const struct http_response *resp);

void http_free(struct http_response *resp);

#endif
