/* Shared hosting (tests/integration/htaccess.test): dragoman.fcgi copied
 * into a web space below /api with httpd-conf/dragoman.htaccess and its
 * dragoman.conf beside it, under an Apache the user does not configure.
 * The API answers below /api with keys passed through, the configuration
 * and the .htaccess are never served, and the rest of the site is the
 * user's own. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

static char ws[64], key[128];

static void test_api_below_its_directory(void)
{
	struct http_response r;
	char body[200];
	long long before = pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", ws);

	CU_ASSERT_EQUAL(http_request("GET", "/api/v1/health", NULL, NULL, 0, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"status\":\"ok\""));
	http_free(&r);
	/* the key reaches the program */
	CU_ASSERT_EQUAL(get("/api/v1/workspace", key, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, ws));
	http_free(&r);
	CU_ASSERT_EQUAL(get("/api/v1/workspace", NULL, &r), 401);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	snprintf(body, sizeof(body),
	    "{\"text\":\"The shared house %ld is red.\",\"source\":\"en\","
	    "\"target\":\"es\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL(request_as("POST", "/api/v1/translate", key, body, &r), 200);
	http_free(&r);
	CU_ASSERT(pg_num("SELECT balance_micros FROM workspaces WHERE id = $1", ws) < before);
	/* dragoman's own 404 below /api, as problem+json */
	CU_ASSERT_EQUAL(get("/api/v1/nothing-here", key, &r), 404);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
}

static void test_private_files_stay_private(void)
{
	struct http_response r;

	CU_ASSERT_EQUAL(http_request("GET", "/api/dragoman.conf", NULL, NULL, 0, &r), 403);
	CU_ASSERT_PTR_NULL(strstr(r.body, "database_url"));
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("GET", "/api/.htaccess", NULL, NULL, 0, &r), 403);
	CU_ASSERT_PTR_NULL(strstr(r.body, "RewriteRule"));
	http_free(&r);
	/* the program itself runs, it is not handed out as a file */
	long st = http_request("GET", "/api/dragoman.fcgi", NULL, NULL, 0, &r);
	CU_ASSERT_EQUAL(st, 404);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	/* outside /api the site is the user's own */
	CU_ASSERT_EQUAL(http_request("GET", "/index.html", NULL, NULL, 0, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "the user's own page"));
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/health", NULL, NULL, 0, &r), 404);
	CU_ASSERT(!http_is_problem(&r));
	http_free(&r);
}

/* What Apache answers itself below /api is problem+json too, from the
 * documents in errors/ beside the .htaccess: a body over mod_fcgid's
 * FcgidMaxRequestLen (128 KiB, the host's default) is 413 where mod_fcgid
 * would answer 500, and the refused configuration a 403. */
static void test_server_errors_are_problems(void)
{
	size_t big = 200 * 1024;
	char *body = malloc(big), auth[200];
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	struct http_response r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	memset(body, ' ', big);
	memcpy(body, "{\"name\":\"x\"}", 12);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	CU_ASSERT_EQUAL(http_request("PATCH", "/api/v1/workspace", h, body, big, &r), 413);
	CU_ASSERT(http_is_problem_doc(&r));
	http_free(&r);
	free(body);
	CU_ASSERT_EQUAL(http_request("GET", "/api/dragoman.conf", NULL, NULL, 0, &r), 403);
	CU_ASSERT(http_is_problem_doc(&r));
	http_free(&r);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "the API below /api, keys passed through", test_api_below_its_directory },
		{ "the configuration and .htaccess are never served",
		    test_private_files_stay_private },
		{ "Apache's own errors below /api are problem+json",
		    test_server_errors_are_problems },
		{ NULL, NULL },
	};
	int rc;

	if (getenv("DRAGOMAN_TEST_SERVER") == NULL ||
	    strcmp(getenv("DRAGOMAN_TEST_SERVER"), "apache-htaccess") != 0) {
		fprintf(stderr, "test_shared: runs through apache-htaccess only\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Shared", key, sizeof(key), ws, sizeof(ws)) < 0) {
		fprintf(stderr, "test_shared: cannot create a workspace\n");
		return 99;
	}
	rc = cu_run("shared", tests);
	curl_global_cleanup();
	return rc;
}
