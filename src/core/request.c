#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/random.h"
#include "core/request.h"

static const char *const method_names[HTTP__MAX] = { "GET", "HEAD", "POST", "PUT", "PATCH",
	"DELETE", "OPTIONS" };

enum http_method http_method_parse(const char *s)
{
	for (int m = 0; s != NULL && m < HTTP__MAX; m++)
		if (strcmp(s, method_names[m]) == 0)
			return (enum http_method)m;
	return HTTP__MAX;
}

const char *http_method_name(enum http_method m)
{
	return (int)m >= 0 && m < HTTP__MAX ? method_names[m] : "";
}

/* Returns the value of CGI parameter name in envp, or NULL. */
static const char *env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (char **e = envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* Copies the client's id into out when it is 1-64 of [A-Za-z0-9._-];
 * otherwise writes the 16 bytes of own (random) as 32 hex digits. */
static void request_id_set(char *out, const char *client, const unsigned char own[16])
{
	size_t n = client != NULL ? strlen(client) : 0;
	int ok = n >= 1 && n <= REQUEST_ID_MAX;

	for (size_t i = 0; ok && i < n; i++) {
		unsigned char c = (unsigned char)client[i];
		ok = isalnum(c) || c == '.' || c == '_' || c == '-';
	}
	if (ok)
		memcpy(out, client, n + 1);
	else
		hex_encode(own, 16, out);
}

/* Parses Content-Length value v: "" or absent gives -1. Returns 0 or -1
 * when v is not a plain decimal number. */
static int parse_content_length(const char *v, long long *out)
{
	char *end;

	*out = -1;
	if (v == NULL || v[0] == '\0')
		return 0;
	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

enum problem request_init(struct request *r, char **envp, char *detail, size_t dsz)
{
	const char *method = env_get(envp, "REQUEST_METHOD");
	/* one draw: the owner's bytes, then a request id's (when the
	 * client sent none) */
	unsigned char raw[REQUEST_OWNER_LEN / 2 + 16];
	enum problem p;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	r->content_length = -1;
	if (random_bytes(raw, sizeof(raw)) < 0) {
		snprintf(detail, dsz, "no randomness for the request");
		strcpy(r->path, "/");
		strcpy(r->request_id, "-");
		return PROBLEM_INTERNAL;
	}
	hex_encode(raw, REQUEST_OWNER_LEN / 2, r->owner);
	request_id_set(r->request_id, env_get(envp, "HTTP_X_REQUEST_ID"),
	    raw + REQUEST_OWNER_LEN / 2);
	r->target = env_get(envp, "REQUEST_URI");
	if (r->target == NULL)
		r->target = env_get(envp, "SCRIPT_NAME");
	r->query = env_get(envp, "QUERY_STRING");
	if (r->query == NULL)
		r->query = path_query(r->target);
	r->content_type = env_get(envp, "CONTENT_TYPE");
	/* nginx's fastcgi_params sends an empty CONTENT_TYPE when there is none */
	if (r->content_type != NULL && r->content_type[0] == '\0')
		r->content_type = NULL;
	r->authorization = env_get(envp, "HTTP_AUTHORIZATION");
	r->idempotency_key = env_get(envp, "HTTP_IDEMPOTENCY_KEY");
	r->stripe_signature = env_get(envp, "HTTP_STRIPE_SIGNATURE");
	r->origin = env_get(envp, "HTTP_ORIGIN");
	r->remote_addr = env_get(envp, "REMOTE_ADDR") != NULL ? env_get(envp, "REMOTE_ADDR") : "";
	r->cors_request_method = env_get(envp, "HTTP_ACCESS_CONTROL_REQUEST_METHOD");
	r->tls = env_get(envp, "HTTPS") != NULL && strcasecmp(env_get(envp, "HTTPS"), "on") == 0;
	r->method = http_method_parse(method);
	p = path_canonicalize(r->target, r->path, sizeof(r->path));
	if (p != PROBLEM_NONE) {
		snprintf(detail, dsz, "the request path is malformed or leaves the root");
		strcpy(r->path, "/");
		return p;
	}
	if (r->method == HTTP__MAX) {
		snprintf(detail, dsz, "method %.16s is not supported", method ? method : "(none)");
		return PROBLEM_METHOD_NOT_ALLOWED;
	}
	if (parse_content_length(env_get(envp, "CONTENT_LENGTH"), &r->content_length) < 0) {
		snprintf(detail, dsz, "Content-Length is not a number");
		return PROBLEM_BAD_REQUEST;
	}
	return PROBLEM_NONE;
}

enum problem request_read_body(struct request *r, body_read_fn rd, void *ctx, long max,
    char *detail, size_t dsz)
{
	size_t cap, len = 0;

	if (r->content_length > (long long)max) {
		snprintf(detail, dsz, "the body may be at most %ld bytes", max);
		return PROBLEM_TOO_LARGE;
	}
	/* known length: read exactly that; unknown: read to the end, max + 1
	 * at most so that an oversized body is noticed */
	cap = r->content_length >= 0 ? (size_t)r->content_length : (size_t)max + 1;
	r->body = malloc(cap + 1);
	if (r->body == NULL) {
		snprintf(detail, dsz, "out of memory");
		return PROBLEM_INTERNAL;
	}
	while (len < cap) {
		size_t want = cap - len > 65536 ? 65536 : cap - len;
		int n = rd(ctx, r->body + len, (int)want);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	r->body[len] = '\0';
	r->body_len = len;
	if (len > (size_t)max) {
		snprintf(detail, dsz, "the body may be at most %ld bytes", max);
		return PROBLEM_TOO_LARGE;
	}
	if (r->content_length < 0 && len == 0) {
		snprintf(detail, dsz, "this method needs a JSON body with a Content-Length");
		return PROBLEM_LENGTH_REQUIRED;
	}
	if (r->content_length >= 0 && len < (size_t)r->content_length) {
		snprintf(detail, dsz, "received %zu of the %lld body bytes announced", len,
		    r->content_length);
		return PROBLEM_BODY_TRUNCATED;
	}
	if (len == 0) {
		snprintf(detail, dsz, "the request body is empty");
		return PROBLEM_INVALID_JSON;
	}
	return PROBLEM_NONE;
}

/*
 * media-type = "application/json" *( OWS ";" OWS parameter )
 * The only parameter whose value is checked is charset, which must be
 * utf-8 (any case, optionally quoted).
 */
enum problem request_check_json_type(const char *ct, char *detail, size_t dsz)
{
	static const char want[] = "application/json";
	const char *p;

	if (ct == NULL || strncasecmp(ct, want, sizeof(want) - 1) != 0)
		goto bad;
	p = ct + sizeof(want) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return PROBLEM_NONE;
	if (*p != ';')
		goto bad;
	for (const char *cs = strcasestr(p, "charset="); cs != NULL;) {
		cs += 8;
		if (*cs == '"')
			cs++;
		if (strncasecmp(cs, "utf-8", 5) != 0)
			goto bad;
		break;
	}
	return PROBLEM_NONE;
bad:
	snprintf(detail, dsz, "send the body as application/json (UTF-8)");
	return PROBLEM_UNSUPPORTED_MEDIA_TYPE;
}

enum problem request_parse_json(struct request *r, char *detail, size_t dsz)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	struct json_object *obj = NULL;
	enum problem p = PROBLEM_INVALID_JSON;

	if (tok == NULL) {
		snprintf(detail, dsz, "out of memory");
		return PROBLEM_INTERNAL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		snprintf(detail, dsz, "invalid JSON at byte %zu: %s",
		    json_tokener_get_parse_end(tok),
		    e == json_tokener_continue ? "unexpected end of input"
		                               : json_tokener_error_desc(e));
		goto out;
	}
	/* trailing bytes other than white space are refused */
	for (size_t i = json_tokener_get_parse_end(tok); i < r->body_len; i++)
		if (!isspace((unsigned char)r->body[i])) {
			snprintf(detail, dsz, "unexpected data after the JSON value at byte %zu",
			    i);
			goto out;
		}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(detail, dsz, "the body must be a JSON object");
		goto out;
	}
	r->json = obj;
	obj = NULL;
	p = PROBLEM_NONE;
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return p;
}

void request_release(struct request *r)
{
	free(r->body);
	free(r->query_buf);
	json_object_put(r->json);
	memset(r, 0, sizeof(*r));
}

void usage_note_source(struct usage *u, const char *source)
{
	if (u->source[0] == '\0')
		snprintf(u->source, sizeof(u->source), "%s", source);
	else if (strcmp(u->source, source) != 0)
		snprintf(u->source, sizeof(u->source), "mul");
}
