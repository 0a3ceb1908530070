/* An HTTP request as the worker sees it: parsed from the FastCGI
 * parameters, with a bounded body, validated parameters and the caller's
 * identity. One per request, zeroed at accept and released at the end. */
#ifndef DRAGOMAN_REQUEST_H
#define DRAGOMAN_REQUEST_H

#include <stddef.h>
#include <time.h>

#include <json-c/json.h>

#include "core/identity.h"
#include "core/params.h"
#include "core/path.h"
#include "core/problem.h"

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_PATCH,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP__MAX
};

#define REQUEST_ID_MAX 64
#define REQUEST_OWNER_LEN 32
#define ROUTE_CAPTURES_MAX 4
#define ROUTE_CAPTURE_LEN 128
#define JSON_MAX_DEPTH 32

/* What a metered handler measured; zeroed with the request. A text field
 * left "" is stored as NULL. */
struct usage {
	char source[8]; /* ISO 639-1, "mul" for several */
	char target[8];
	char provider[32];
	char model[64];
	long long characters; /* code points of the input texts */
	long long billed_characters; /* of those, the ones sent upstream */
	int segments; /* texts in the request */
	int cached_segments; /* of those, served by the cache */
	long long cost_micros; /* what the request costs (0: free) */
	char hold_id[UUID_STR_LEN + 1]; /* the credit hold to settle; "" when none */
	char description[160]; /* of the ledger row; "" for the default */
	const char *idempotency_key; /* recorded with the debit; NULL when none */
	char queued_payment[40]; /* set by usage_record(): an auto-recharge to run */
	int recorded; /* the handler's own statement committed the event */
};

/* Notes that a request's texts came from source (the first one sets it,
 * a different one makes it "mul"). */
void usage_note_source(struct usage *u, const char *source);

/* Reads up to n bytes of body into buf. Returns the count, 0 at the end,
 * or -1 on error. */
typedef int (*body_read_fn)(void *ctx, char *buf, int n);

struct route;

struct request {
	enum http_method method;
	struct timespec started; /* monotonic, when request_init() ran */
	char path[PATH_MAX_LEN];
	const char *target; /* raw REQUEST_URI, borrowed */
	const char *query; /* raw query string, borrowed, "" if none */
	const char *content_type; /* borrowed, NULL if absent */
	const char *authorization; /* borrowed, NULL if absent */
	const char *idempotency_key; /* borrowed, NULL if absent */
	const char *stripe_signature; /* borrowed, NULL if absent */
	const char *origin; /* Origin, borrowed, NULL if absent */
	const char *cors_request_method; /* Access-Control-Request-Method, or NULL */
	int tls; /* came over HTTPS (the server's HTTPS=on) */
	const char *remote_addr; /* the client's address, borrowed, "" if unknown */
	long long content_length; /* -1 when the header is absent */
	char request_id[REQUEST_ID_MAX + 1];
	/* this attempt's own random id (hex): it owns the request's
	 * Idempotency-Key claim and credit holds. Never the client's
	 * X-Request-Id, which anyone may send again. */
	char owner[REQUEST_OWNER_LEN + 1];
	char *body; /* owned, NUL-terminated */
	size_t body_len;
	struct json_object *json; /* owned */
	char *query_buf; /* owned decoded copy backing query params */
	struct param_value query_params[PARAMS_MAX];
	struct param_value fields[PARAMS_MAX];
	char captures[ROUTE_CAPTURES_MAX][ROUTE_CAPTURE_LEN];
	int ncaptures;
	const struct route *route;
	struct identity ident;
	struct usage usage; /* filled by metered handlers */
	int idem_claimed; /* this request owns its Idempotency-Key */
	int idem_replayed; /* the reply is the stored first response */
};

/* Returns the method named s, or HTTP__MAX. */
enum http_method http_method_parse(const char *s);

/* Returns the name of m ("GET", ...), "" when out of range. */
const char *http_method_name(enum http_method m);

/* Fills r from the FastCGI/CGI parameters envp (borrowed: they must
 * outlive r). Always sets a request id (the client's X-Request-Id when it
 * is 1-64 of [A-Za-z0-9._-], else a new random one) and a new random
 * owner. Returns PROBLEM_NONE, or the problem with detail set (bad path,
 * bad Content-Length, unknown method: PROBLEM_METHOD_NOT_ALLOWED; no
 * randomness: PROBLEM_INTERNAL). */
enum problem request_init(struct request *r, char **envp, char *detail, size_t dsz);

/* Reads the body through rd into r->body, refusing more than max bytes.
 * Returns PROBLEM_NONE, PROBLEM_LENGTH_REQUIRED (no body at all),
 * PROBLEM_TOO_LARGE, PROBLEM_BODY_TRUNCATED (fewer bytes than the
 * Content-Length announced) or PROBLEM_INTERNAL, with detail set. */
enum problem request_read_body(struct request *r, body_read_fn rd, void *ctx, long max,
    char *detail, size_t dsz);

/* Checks that content_type is application/json (any case, optional
 * parameters, charset utf-8 if given). Returns PROBLEM_NONE or
 * PROBLEM_UNSUPPORTED_MEDIA_TYPE with detail set. */
enum problem request_check_json_type(const char *content_type, char *detail, size_t dsz);

/* Parses r->body as one JSON object (strict, UTF-8 checked, nesting at
 * most JSON_MAX_DEPTH) into r->json. Returns PROBLEM_NONE or
 * PROBLEM_INVALID_JSON with detail set. */
enum problem request_parse_json(struct request *r, char *detail, size_t dsz);

/* Frees what r owns and zeroes it. */
void request_release(struct request *r);

#endif
