/* The response being built for one request, and its rendering into the
 * CGI response form a FastCGI server expects ("Status:" + headers + body). */
#ifndef DRAGOMAN_REPLY_H
#define DRAGOMAN_REPLY_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/problem.h"

#define REPLY_HEADERS_MAX 2048
#define REPLY_DETAIL_MAX 512

struct reply {
	int status;
	enum problem problem; /* set when the reply is a problem */
	struct json_object *body; /* owned; NULL: no body */
	char headers[REPLY_HEADERS_MAX];
	size_t headers_len;
	char detail[REPLY_DETAIL_MAX]; /* problem detail from a handler */
	int retry_after; /* seconds; 0: no Retry-After */
	int no_body; /* HEAD: headers only */
	const char *workspace_id; /* for the log line, borrowed */
	struct json_object *extra; /* owned; members added to a problem body */
	char *raw_body; /* owned; sent instead of body when set */
	char raw_type[64]; /* its Content-Type */
};

/* Appends "name: value" (value printf-formatted) to the extra headers.
 * Header names and values containing CR or LF are dropped. */
void reply_header(struct reply *rp, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets status and body (taking ownership of body, freeing any previous). */
void reply_json(struct reply *rp, int status, struct json_object *body);

/* Turns rp into the problem+json reply for p with detail (NULL: rp->detail
 * when set, else the title) and request_id. */
void reply_problem(struct reply *rp, enum problem p, const char *detail, const char *request_id);

/* Sets status and a body sent exactly as given (copied), with its
 * Content-Type. Returns 0, or -1 when out of memory. */
int reply_raw(struct reply *rp, int status, const char *content_type, const char *body);

/* Returns the body rp will send (borrowed; "" when none) with its length
 * in *len and its Content-Type in *type (NULL when none). */
const char *reply_body_text(const struct reply *rp, size_t *len, const char **type);

/* Renders the complete response into a new NUL-terminated buffer (caller
 * frees) and its length into *len. Every response carries request_id and the security
 * headers. Returns NULL when out of memory. */
char *reply_render(const struct reply *rp, const char *request_id, size_t *len);

/* Frees what rp owns and zeroes it. */
void reply_release(struct reply *rp);

#endif
