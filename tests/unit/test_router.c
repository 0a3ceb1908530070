/* Route matching and the Allow header. */
#include "autoconfig.h"

#include <string.h>

#include "core/reply.h"
#include "core/router.h"
#include "cu_run.h"
#include "handlers/routes.h"

static enum problem h(struct worker *w, struct request *r, struct reply *rp)
{
	(void)w;
	(void)r;
	(void)rp;
	return PROBLEM_NONE;
}

static const struct route a[] = {
	{ .method = HTTP_GET,
	    .pattern = "/v1/keys",
	    .handler = h,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "keys.list",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_POST,
	    .pattern = "/v1/keys",
	    .handler = h,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .name = "keys.create",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_DELETE,
	    .pattern = "/v1/keys/{id}",
	    .handler = h,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_NONE,
	    .name = "keys.delete",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
static const struct route b[] = {
	{ .method = HTTP_GET,
	    .pattern = "/v1/a/{x}/b/{y}",
	    .handler = h,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "ab",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
static const struct route *const tables[] = { a, b, NULL };

static void test_found(void)
{
	struct request r;
	const struct route *rt;
	unsigned allow;

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(router_match(tables, HTTP_POST, "/v1/keys", &r, &rt, &allow), ROUTE_FOUND);
	CU_ASSERT_STRING_EQUAL(rt->name, "keys.create");
	CU_ASSERT_EQUAL(router_match(tables, HTTP_HEAD, "/v1/keys", &r, &rt, &allow), ROUTE_FOUND);
	CU_ASSERT_STRING_EQUAL(rt->name, "keys.list");
	CU_ASSERT_EQUAL(router_match(tables, HTTP_DELETE, "/v1/keys/k1", &r, &rt, &allow),
	    ROUTE_FOUND);
	CU_ASSERT_EQUAL(r.ncaptures, 1);
	CU_ASSERT_STRING_EQUAL(r.captures[0], "k1");
	CU_ASSERT_EQUAL(router_match(tables, HTTP_GET, "/v1/a/1/b/2", &r, &rt, &allow),
	    ROUTE_FOUND);
	CU_ASSERT_EQUAL(r.ncaptures, 2);
	CU_ASSERT_STRING_EQUAL(r.captures[1], "2");
}

static void test_not_found(void)
{
	struct request r;
	const struct route *rt;
	unsigned allow;
	const char *paths[] = { "/v1/key", "/v1/keyss", "/v1/keys/", "/v1/keys/a/b", "/v1/a/1/b",
		"/v1/a//b/2", "/", "" };

	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		CU_ASSERT_EQUAL(router_match(tables, HTTP_GET, paths[i], &r, &rt, &allow),
		    ROUTE_NOT_FOUND);
}

static void test_wrong_method(void)
{
	struct request r;
	const struct route *rt;
	unsigned allow;
	char s[96];

	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(router_match(tables, HTTP_PUT, "/v1/keys", &r, &rt, &allow),
	    ROUTE_WRONG_METHOD);
	router_allow_string(allow, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "GET, HEAD, POST, OPTIONS");
	CU_ASSERT_EQUAL(router_match(tables, HTTP_GET, "/v1/keys/x", &r, &rt, &allow),
	    ROUTE_WRONG_METHOD);
	router_allow_string(allow, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "DELETE, OPTIONS");
}

static void test_capture_bounds(void)
{
	struct request r;
	const struct route *rt;
	unsigned allow;
	char path[512] = "/v1/keys/";

	memset(&r, 0, sizeof(r));
	memset(path + 9, 'x', ROUTE_CAPTURE_LEN);
	path[9 + ROUTE_CAPTURE_LEN] = '\0';
	CU_ASSERT_EQUAL(router_match(tables, HTTP_DELETE, path, &r, &rt, &allow), ROUTE_NOT_FOUND);
	path[9 + ROUTE_CAPTURE_LEN - 1] = '\0';
	CU_ASSERT_EQUAL(router_match(tables, HTTP_DELETE, path, &r, &rt, &allow), ROUTE_FOUND);
}

/* A row that forgot its auth (or handler, or name) is refused before any
 * request is served; the server's own tables pass. */
static void test_check_fails_closed(void)
{
	static const struct route forgot[] = {
		{ .method = HTTP_GET,
		    .pattern = "/v1/secret",
		    .handler = h,
		    .min_role = ROLE_ADMIN,
		    .name = "secret",
		    .scope = SCOPE_NONE },
		{ .pattern = NULL },
	};
	static const struct route nameless[] = {
		{ .method = HTTP_GET, .pattern = "/v1/x", .handler = h, .auth = AUTH_NONE },
		{ .pattern = NULL }
	};
	const struct route *const bad[] = { a, forgot, NULL };
	const struct route *const bad2[] = { nameless, NULL };
	char err[200] = "";

	CU_ASSERT_EQUAL(router_check(bad, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "GET /v1/secret: no auth"));
	CU_ASSERT_EQUAL(router_check(bad2, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no name"));
	CU_ASSERT_EQUAL(router_check(handler_routes, err, sizeof(err)), 0);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "matches and captures", test_found },
		{ "near misses are 404", test_not_found },
		{ "wrong method lists Allow", test_wrong_method },
		{ "capture length bound", test_capture_bounds },
		{ "a row without auth is refused at start-up", test_check_fails_closed },
		{ NULL, NULL },
	};
	return cu_run("router", tests);
}
