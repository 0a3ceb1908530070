/* Static route tables: method + path pattern -> handler, with the route's
 * auth requirement and the parameters it accepts. */
#ifndef DRAGOMAN_ROUTER_H
#define DRAGOMAN_ROUTER_H

#include "core/params.h"
#include "core/problem.h"
#include "core/request.h"

struct worker;
struct reply;

/* A handler fills reply (status, JSON body, headers) and returns
 * PROBLEM_NONE, or returns a problem (with reply->detail set) that the
 * pipeline turns into a problem+json response. */
typedef enum problem (*handler_fn)(struct worker *w, struct request *r, struct reply *out);

/* How a route's caller shows its API key: AUTH_KEY as
 * "Authorization: Bearer <key>"; AUTH_KEY_DEEPL also as DeepL clients do,
 * "Authorization: DeepL-Auth-Key <key>"; AUTH_KEY_IN_BODY also as
 * LibreTranslate clients do, in the body's "api_key" member; AUTH_NONE:
 * public. The zero value is no choice: router_check() refuses a row that
 * forgot its auth, so a forgotten field fails closed. */
enum route_auth {
	AUTH__UNSET,
	AUTH_NONE,
	AUTH_KEY,
	AUTH_KEY_DEEPL,
	AUTH_KEY_IN_BODY
};

/* BODY_JSON: application/json only; BODY_FORM_OR_JSON: also
 * application/x-www-form-urlencoded (see params_form_to_json()). */
enum route_body {
	BODY_NONE,
	BODY_JSON,
	BODY_FORM_OR_JSON
};

/* Whose error conventions a route follows. Errors are problem+json in
 * all; the compatibility dialects answer a bad key with 403, as those
 * services do, and add "message" (DeepL) or "error" (LibreTranslate). */
enum route_dialect {
	DIALECT_NATIVE,
	DIALECT_DEEPL,
	DIALECT_LIBRE
};

/* Whether a route takes an Idempotency-Key header (metered routes only:
 * the stored response commits with the usage event and its charge). */
enum route_idempotency {
	IDEM_NONE,
	IDEM_OPTIONAL,
	IDEM_REQUIRED,
	IDEM_REQUIRED_OWN /* required; the handler claims it, in its own statement */
};

/* One route. pattern segments written "{name}" match one non-empty path
 * segment, captured in order into request.captures. A table ends with a
 * NULL pattern. */
struct route {
	enum http_method method;
	const char *pattern;
	handler_fn handler;
	enum route_auth auth;
	enum key_role min_role;
	enum route_body body;
	const struct param_spec *fields; /* JSON body members (BODY_JSON) */
	const struct param_spec *query; /* query parameters; NULL: none */
	const char *name; /* for logs and usage events */
	int metered; /* writes a usage event */
	enum route_dialect dialect;
	enum route_idempotency idempotency;
	enum key_scope scope; /* the key scope it needs; SCOPE_NONE: any */
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,
	ROUTE_WRONG_METHOD
};

/* Checks the NULL-terminated list of tables before any request is served:
 * every row names its pattern's method, a handler, a name, and its auth.
 * Returns 0, or -1 with the first bad row described in err. */
int router_check(const struct route *const *tables, char *err, size_t errsz)
    __attribute__((warn_unused_result));

/* Looks path up in the NULL-terminated list of tables. ROUTE_FOUND sets
 * *found and the captures in r; ROUTE_WRONG_METHOD sets *allow to a bit
 * mask (1 << method) of the methods the path has. GET routes also answer
 * HEAD. Nothing is allocated. */
enum route_result router_match(const struct route *const *tables, enum http_method method,
    const char *path, struct request *r, const struct route **found, unsigned *allow);

/* Writes the Allow header value for mask (e.g. "GET, HEAD, OPTIONS") into
 * out (outsz bytes). */
void router_allow_string(unsigned mask, char *out, size_t outsz);

#endif
