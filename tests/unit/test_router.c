/* Route matching and the Allow header. */
#include "autoconfig.h"

#include <string.h>

#include "cu_run.h"
#include "core/reply.h"
#include "core/router.h"

static enum problem h(struct worker *w, struct request *r, struct reply *rp)
{
	(void)w;
	(void)r;
	(void)rp;
	return PROBLEM_NONE;
}

static const struct route a[] = {
	{ HTTP_GET, "/v1/keys", h, AUTH_KEY, ROLE_MEMBER, BODY_NONE, NULL, NULL, "keys.list", 0, DIALECT_NATIVE, IDEM_NONE, SCOPE_NONE },
	{ HTTP_POST, "/v1/keys", h, AUTH_KEY, ROLE_ADMIN, BODY_JSON, NULL, NULL, "keys.create", 0, DIALECT_NATIVE, IDEM_NONE, SCOPE_NONE },
	{ HTTP_DELETE, "/v1/keys/{id}", h, AUTH_KEY, ROLE_ADMIN, BODY_NONE, NULL, NULL, "keys.delete", 0, DIALECT_NATIVE, IDEM_NONE, SCOPE_NONE },
	{ 0, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, 0, 0, 0, 0 }
};
static const struct route b[] = {
	{ HTTP_GET, "/v1/a/{x}/b/{y}", h, AUTH_NONE, ROLE_MEMBER, BODY_NONE, NULL, NULL, "ab", 0, DIALECT_NATIVE, IDEM_NONE, SCOPE_NONE },
	{ 0, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, 0, 0, 0, 0 }
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
	CU_ASSERT_EQUAL(router_match(tables, HTTP_DELETE, "/v1/keys/k1", &r, &rt, &allow), ROUTE_FOUND);
	CU_ASSERT_EQUAL(r.ncaptures, 1);
	CU_ASSERT_STRING_EQUAL(r.captures[0], "k1");
	CU_ASSERT_EQUAL(router_match(tables, HTTP_GET, "/v1/a/1/b/2", &r, &rt, &allow), ROUTE_FOUND);
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
	CU_ASSERT_EQUAL(router_match(tables, HTTP_PUT, "/v1/keys", &r, &rt, &allow), ROUTE_WRONG_METHOD);
	router_allow_string(allow, s, sizeof(s));
	CU_ASSERT_STRING_EQUAL(s, "GET, HEAD, POST, OPTIONS");
	CU_ASSERT_EQUAL(router_match(tables, HTTP_GET, "/v1/keys/x", &r, &rt, &allow), ROUTE_WRONG_METHOD);
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

int main(void)
{
	static const struct cu_test tests[] = {
		{ "matches and captures", test_found },
		{ "near misses are 404", test_not_found },
		{ "wrong method lists Allow", test_wrong_method },
		{ "capture length bound", test_capture_bounds },
		{ NULL, NULL }
	};
	return cu_run("router", tests);
}
