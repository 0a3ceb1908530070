/* CORS origin matching, preflight answers, and HSTS over TLS. */
#include "autoconfig.h"

#include <string.h>

#include "core/config.h"
#include "core/cors.h"
#include "core/reply.h"
#include "core/request.h"
#include "cu_run.h"

static void test_origins(void)
{
	const char *list = "https://app.example.com, https://admin.example.com:8443";

	CU_ASSERT(cors_origin_allowed(list, "https://app.example.com"));
	CU_ASSERT(cors_origin_allowed(list, "https://admin.example.com:8443"));
	CU_ASSERT(!cors_origin_allowed(list, "https://admin.example.com"));
	CU_ASSERT(!cors_origin_allowed(list, "https://app.example.com.evil.test"));
	CU_ASSERT(!cors_origin_allowed(list, "https://app.example.co"));
	CU_ASSERT(!cors_origin_allowed(list, "http://app.example.com"));
	CU_ASSERT(!cors_origin_allowed(list, "null"));
	CU_ASSERT(!cors_origin_allowed(list, ""));
	CU_ASSERT(!cors_origin_allowed(list, NULL));
	CU_ASSERT(!cors_origin_allowed(NULL, "https://app.example.com"));
	CU_ASSERT(cors_origin_allowed("*", "https://anything.test"));
}

/* Returns the headers cors_headers() adds for method (with origin and an
 * Access-Control-Request-Method asked, each may be NULL) into rp. */
static void run(struct config *cfg, enum http_method method, const char *origin, const char *asked,
    int tls, struct reply *rp)
{
	struct request r;

	memset(&r, 0, sizeof(r));
	memset(rp, 0, sizeof(*rp));
	r.method = method;
	r.origin = origin;
	r.cors_request_method = asked;
	r.tls = tls;
	cors_headers(cfg, &r, rp, (1u << HTTP_POST) | (1u << HTTP_OPTIONS), "POST, OPTIONS");
}

static void test_headers(void)
{
	struct config cfg;
	struct reply rp;

	memset(&cfg, 0, sizeof(cfg));
	cfg.cors_origins = "https://app.example.com";
	cfg.hsts_max_age = 31536000;
	run(&cfg, HTTP_POST, "https://app.example.com", NULL, 0, &rp);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(rp.headers, "Access-Control-Allow-Origin: https://app.example.com\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rp.headers, "Vary: Origin\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rp.headers, "Access-Control-Expose-Headers: RateLimit"));
	CU_ASSERT_PTR_NULL(strstr(rp.headers, "Strict-Transport-Security"));
	CU_ASSERT_PTR_NULL(strstr(rp.headers, "Allow-Methods"));
	/* a preflight for a method the path has */
	run(&cfg, HTTP_OPTIONS, "https://app.example.com", "POST", 0, &rp);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(rp.headers, "Access-Control-Allow-Methods: POST, OPTIONS\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rp.headers,
	    "Access-Control-Allow-Headers: Authorization, "
	    "Content-Type, Idempotency-Key"));
	CU_ASSERT_PTR_NOT_NULL(strstr(rp.headers, "Access-Control-Max-Age: 600\r\n"));
	/* and for one it has not: the browser is told nothing it may do */
	run(&cfg, HTTP_OPTIONS, "https://app.example.com", "DELETE", 0, &rp);
	CU_ASSERT_PTR_NULL(strstr(rp.headers, "Allow-Methods"));
	/* another origin gets no CORS header at all */
	run(&cfg, HTTP_OPTIONS, "https://evil.test", "POST", 0, &rp);
	CU_ASSERT_EQUAL(rp.headers_len, 0);
	run(&cfg, HTTP_GET, "https://evil.test", NULL, 0, &rp);
	CU_ASSERT_EQUAL(rp.headers_len, 0);
	/* HSTS only over TLS, and only when configured */
	run(&cfg, HTTP_GET, NULL, NULL, 1, &rp);
	CU_ASSERT_PTR_NOT_NULL(strstr(rp.headers,
	    "Strict-Transport-Security: max-age=31536000; "
	    "includeSubDomains\r\n"));
	cfg.hsts_max_age = 0;
	run(&cfg, HTTP_GET, NULL, NULL, 1, &rp);
	CU_ASSERT_EQUAL(rp.headers_len, 0);
	/* no origins configured: no CORS */
	cfg.cors_origins = NULL;
	run(&cfg, HTTP_GET, "https://app.example.com", NULL, 0, &rp);
	CU_ASSERT_EQUAL(rp.headers_len, 0);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "allowed origins match exactly", test_origins },
		{ "CORS and HSTS headers", test_headers },
		{ NULL, NULL },
	};

	return cu_run("cors", tests);
}
