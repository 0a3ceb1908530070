/* The request pipeline, driven in-process: parsing, routing, body rules
 * and problem responses, with a table of hostile requests. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reply.h"
#include "cu_run.h"
#include "server/app.h"

/* --- test routes ---------------------------------------------------- */

static enum problem h_ping(struct worker *w, struct request *r, struct reply *rp)
{
	(void)w;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "path", json_object_new_string(r->path));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

enum {
	F_NAME
};
static const struct param_spec echo_fields[] = {
	[F_NAME] = { "name", PARAM_STRING, 1, 1, 20, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static enum problem h_echo(struct worker *w, struct request *r, struct reply *rp)
{
	(void)w;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(r->fields[F_NAME].str));
	reply_json(rp, 201, o);
	return PROBLEM_NONE;
}

static enum problem h_item(struct worker *w, struct request *r, struct reply *rp)
{
	(void)w;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(r->captures[0]));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

static enum problem h_fail(struct worker *w, struct request *r, struct reply *rp)
{
	(void)w;
	(void)r;
	snprintf(rp->detail, sizeof(rp->detail), "secret internals: /etc/passwd");
	return PROBLEM_INTERNAL;
}

static const struct route test_routes[] = {
	{ .method = HTTP_GET,
	    .pattern = "/t/ping",
	    .handler = h_ping,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "ping",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_POST,
	    .pattern = "/t/echo",
	    .handler = h_echo,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_JSON,
	    .fields = echo_fields,
	    .name = "echo",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/t/items/{id}",
	    .handler = h_item,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "item",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_DELETE,
	    .pattern = "/t/items/{id}",
	    .handler = h_item,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "item.delete",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/t/fail",
	    .handler = h_fail,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "fail",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/t/private",
	    .handler = h_ping,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "private",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
static const struct route *const tables[] = { test_routes, NULL };

/* --- in-memory I/O -------------------------------------------------- */

struct mem_in {
	const char *data;
	size_t len, off;
};

static int mem_read(void *ctx, char *buf, int n)
{
	struct mem_in *in = ctx;
	size_t left = in->len - in->off, k = (size_t)n < left ? (size_t)n : left;

	memcpy(buf, in->data + in->off, k);
	in->off += k;
	return (int)k;
}

struct mem_out {
	char buf[65536];
	size_t len;
};

static int mem_write(void *ctx, const char *buf, size_t n)
{
	struct mem_out *out = ctx;

	if (out->len + n >= sizeof(out->buf))
		return -1;
	memcpy(out->buf + out->len, buf, n);
	out->len += n;
	out->buf[out->len] = '\0';
	return 0;
}

/* Runs one request. envp entries are "NAME=value". Returns the status and
 * leaves the raw response in out. */
static int run(char **envp, const char *body, size_t body_len, struct mem_out *out)
{
	struct mem_in in = { body, body_len, 0 };
	struct app_io io = { envp, mem_read, &in, mem_write, out };

	memset(out, 0, sizeof(*out));
	return app_handle(NULL, tables, &io);
}

/* Returns the body part of a raw response (after the blank line). */
static const char *body_of(const struct mem_out *out)
{
	const char *p = strstr(out->buf, "\r\n\r\n");

	return p != NULL ? p + 4 : "";
}

/* --- the table -------------------------------------------------------- */

struct req_case {
	int line;
	const char *method, *uri, *ctype, *clen, *body;
	int want;
};

#define BIG_LEN "2000000"

static const struct req_case cases[] = {
	{ __LINE__, "GET", "/t/ping", NULL, NULL, NULL, 200 },
	{ __LINE__, "HEAD", "/t/ping", NULL, NULL, NULL, 200 },
	{ __LINE__, "GET", "/t/ping?", NULL, NULL, NULL, 200 },
	{ __LINE__, "GET", "/t/ping?x=1", NULL, NULL, NULL, 400 },
	{ __LINE__, "GET", "/t/nope", NULL, NULL, NULL, 404 },
	{ __LINE__, "GET", "/t/ping/extra", NULL, NULL, NULL, 404 },
	{ __LINE__, "POST", "/t/ping", NULL, NULL, NULL, 405 },
	{ __LINE__, "PUT", "/t/items/1", NULL, NULL, NULL, 405 },
	{ __LINE__, "BREW", "/t/ping", NULL, NULL, NULL, 405 },
	{ __LINE__, "get", "/t/ping", NULL, NULL, NULL, 405 },
	{ __LINE__, "OPTIONS", "/t/ping", NULL, NULL, NULL, 204 },
	{ __LINE__, "GET", "/t/items/42", NULL, NULL, NULL, 200 },
	{ __LINE__, "GET", "/t/items/", NULL, NULL, NULL, 404 },
	{ __LINE__, "GET", "/t/items/a%2Fb", NULL, NULL, NULL, 400 },
	{ __LINE__, "GET", "/t/items/../ping", NULL, NULL, NULL, 200 },
	{ __LINE__, "GET", "/t/../../etc/passwd", NULL, NULL, NULL, 400 },
	{ __LINE__, "GET", "/t/fail", NULL, NULL, NULL, 500 },
	{ __LINE__, "GET", "/t/private", NULL, NULL, NULL, 500 },
	/* bodies */
	{ __LINE__, "POST", "/t/echo", "application/json", "15", "{\"name\":\"bob\"}\n", 201 },
	{ __LINE__, "POST", "/t/echo", "application/json; charset=UTF-8", "14",
	    "{\"name\":\"bob\"}", 201 },
	{ __LINE__, "POST", "/t/echo", "Application/JSON", "14", "{\"name\":\"bob\"}", 201 },
	{ __LINE__, "POST", "/t/echo", NULL, NULL, NULL, 411 },
	{ __LINE__, "POST", "/t/echo", "application/json", NULL, NULL, 411 },
	{ __LINE__, "POST", "/t/echo", "application/json", "0", "", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "14", "", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "14", "{\"name\":", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", BIG_LEN, "{}", 413 },
	{ __LINE__, "POST", "/t/echo", "text/plain", "14", "{\"name\":\"bob\"}", 415 },
	{ __LINE__, "POST", "/t/echo", "application/jsonp", "14", "{\"name\":\"bob\"}", 415 },
	{ __LINE__, "POST", "/t/echo", "application/json; charset=latin1", "14",
	    "{\"name\":\"bob\"}", 415 },
	{ __LINE__, "POST", "/t/echo", "application/x-www-form-urlencoded", "8", "name=bob", 415 },
	{ __LINE__, "POST", "/t/echo", "application/json", "abc", "{}", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "-1", "{}", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "2", "[]", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "4", "null", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "2", "{}", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "16", "{\"name\":\"bob\"}{}", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "16", "{\"name\":'bob'}  ", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "15", "{\"name\":\"b\xff\xfe\"}", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "26",
	    "{\"name\":\"bob\",\"admin\":true}", 400 },
	{ __LINE__, "POST", "/t/echo", "application/json", "11", "{\"name\":12}", 400 },
};

static void test_table(void)
{
	static struct mem_out out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct req_case *c = &cases[i];
		char e_m[64], e_u[256], e_t[128], e_l[64];
		char *envp[6];
		int n = 0;
		snprintf(e_m, sizeof(e_m), "REQUEST_METHOD=%s", c->method);
		snprintf(e_u, sizeof(e_u), "REQUEST_URI=%s", c->uri);
		envp[n++] = e_m;
		envp[n++] = e_u;
		if (c->ctype) {
			snprintf(e_t, sizeof(e_t), "CONTENT_TYPE=%s", c->ctype);
			envp[n++] = e_t;
		}
		if (c->clen) {
			snprintf(e_l, sizeof(e_l), "CONTENT_LENGTH=%s", c->clen);
			envp[n++] = e_l;
		}
		envp[n] = NULL;
		int got = run(envp, c->body ? c->body : "", c->body ? strlen(c->body) : 0, &out);
		if (got != c->want)
			fprintf(stderr, "\n  line %d: %s %s -> %d, want %d\n%s\n", c->line,
			    c->method, c->uri, got, c->want, out.buf);
		CU_ASSERT_EQUAL(got, c->want);
		/* every response: request id and security headers */
		CU_ASSERT_PTR_NOT_NULL(strstr(out.buf, "\r\nX-Request-Id: "));
		CU_ASSERT_PTR_NOT_NULL(strstr(out.buf, "\r\nX-Content-Type-Options: nosniff\r\n"));
		CU_ASSERT_PTR_NOT_NULL(strstr(out.buf, "\r\nCache-Control: no-store\r\n"));
		/* every error: problem+json with the five members */
		if (got >= 400) {
			struct json_object *p = json_tokener_parse(body_of(&out)), *v;
			CU_ASSERT_PTR_NOT_NULL(
			    strstr(out.buf, "Content-Type: application/problem+json\r\n"));
			CU_ASSERT_PTR_NOT_NULL_FATAL(p);
			CU_ASSERT(json_object_object_get_ex(p, "type", &v));
			CU_ASSERT(json_object_object_get_ex(p, "title", &v));
			CU_ASSERT(json_object_object_get_ex(p, "detail", &v));
			CU_ASSERT(json_object_object_get_ex(p, "request_id", &v));
			CU_ASSERT(json_object_object_get_ex(p, "status", &v) &&
			    json_object_get_int(v) == got);
			json_object_put(p);
		}
	}
}

/* Builds an envp for a simple request into env (static strings). */
#define ENV(...) ((char *[]){ __VA_ARGS__, NULL })

static void test_405_allow(void)
{
	static struct mem_out out;

	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=POST", "REQUEST_URI=/t/items/7"), "", 0, &out),
	    405);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.buf, "\r\nAllow: GET, HEAD, DELETE, OPTIONS\r\n"));
}

static void test_head_has_no_body(void)
{
	static struct mem_out out;

	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=HEAD", "REQUEST_URI=/t/ping"), "", 0, &out), 200);
	CU_ASSERT_STRING_EQUAL(body_of(&out), "");
	CU_ASSERT_PTR_NULL(strstr(out.buf, "Content-Length: 0\r\n"));
}

static void test_request_id(void)
{
	static struct mem_out out;

	run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/t/ping", "HTTP_X_REQUEST_ID=abc-123_x.y"), "",
	    0, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.buf, "\r\nX-Request-Id: abc-123_x.y\r\n"));
	/* an insane one is replaced, never echoed */
	run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/t/ping", "HTTP_X_REQUEST_ID=a b<script>"), "",
	    0, &out);
	CU_ASSERT_PTR_NULL(strstr(out.buf, "script"));
	const char *id = strstr(out.buf, "X-Request-Id: ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(id);
	CU_ASSERT_EQUAL(strcspn(id + 14, "\r"), 32);
	/* generated ids differ */
	char first[40];
	run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/t/ping"), "", 0, &out);
	memcpy(first, strstr(out.buf, "X-Request-Id: ") + 14, 32);
	run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/t/ping"), "", 0, &out);
	CU_ASSERT(memcmp(first, strstr(out.buf, "X-Request-Id: ") + 14, 32) != 0);
}

static void test_500_hides_internals(void)
{
	static struct mem_out out;

	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/t/fail"), "", 0, &out), 500);
	CU_ASSERT_PTR_NULL(strstr(out.buf, "passwd"));
	CU_ASSERT_PTR_NULL(strstr(out.buf, "secret"));
}

static void test_canonical_path_reaches_handler(void)
{
	static struct mem_out out;

	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=//t/./ping?"), "", 0, &out),
	    200);
	CU_ASSERT_PTR_NOT_NULL(strstr(body_of(&out), "\"path\":\"/t/ping\""));
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=GET", "REQUEST_URI=/t/items/%C3%A9"), "", 0, &out),
	    200);
	CU_ASSERT_PTR_NOT_NULL(strstr(body_of(&out), "\"id\":\"\xc3\xa9\""));
}

static void test_body_without_length(void)
{
	static struct mem_out out;
	const char body[] = "{\"name\":\"chunked\"}";

	/* a chunked upload reaches us without CONTENT_LENGTH: read to the end */
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=POST", "REQUEST_URI=/t/echo",
	                        "CONTENT_TYPE=application/json"),
	                    body, sizeof(body) - 1, &out),
	    201);
	CU_ASSERT_PTR_NOT_NULL(strstr(body_of(&out), "chunked"));
}

static void test_body_over_cap_without_length(void)
{
	static struct mem_out out;
	size_t n = (1u << 20) + 10;
	char *big = malloc(n);

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, ' ', n);
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=POST", "REQUEST_URI=/t/echo",
	                        "CONTENT_TYPE=application/json"),
	                    big, n, &out),
	    413);
	free(big);
}

static void test_deep_json(void)
{
	static struct mem_out out;
	char body[4096], clen[32];
	size_t n = 0;

	n += (size_t)snprintf(body, sizeof(body), "{\"name\":");
	for (int i = 0; i < 1000; i++)
		body[n++] = '[';
	body[n] = '\0';
	snprintf(clen, sizeof(clen), "CONTENT_LENGTH=%zu", n);
	CU_ASSERT_EQUAL(run(ENV("REQUEST_METHOD=POST", "REQUEST_URI=/t/echo",
	                        "CONTENT_TYPE=application/json", clen),
	                    body, n, &out),
	    400);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "hostile request table", test_table },
		{ "405 carries Allow", test_405_allow },
		{ "HEAD has headers only", test_head_has_no_body },
		{ "X-Request-Id echoed when sane", test_request_id },
		{ "500 shows no internals", test_500_hides_internals },
		{ "handlers see the canonical path", test_canonical_path_reaches_handler },
		{ "body without Content-Length", test_body_without_length },
		{ "oversized body without Content-Length", test_body_over_cap_without_length },
		{ "deeply nested JSON", test_deep_json },
		{ NULL, NULL },
	};
	return cu_run("app", tests);
}
