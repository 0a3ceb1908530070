/* Problem details and response rendering. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/reply.h"
#include "cu_run.h"

static void test_problem_table(void)
{
	for (int p = PROBLEM_NONE + 1; p < PROBLEM__MAX; p++) {
		int st = problem_status((enum problem)p);
		CU_ASSERT(st >= 400 && st <= 599);
		CU_ASSERT_EQUAL(strncmp(problem_type((enum problem)p), "urn:dragoman:problem:", 21),
		    0);
		CU_ASSERT(strlen(problem_title((enum problem)p)) > 0);
	}
	CU_ASSERT_EQUAL(problem_status(PROBLEM_NOT_FOUND), 404);
	CU_ASSERT_EQUAL(problem_status(PROBLEM_METHOD_NOT_ALLOWED), 405);
	CU_ASSERT_EQUAL(problem_status(PROBLEM_LENGTH_REQUIRED), 411);
	CU_ASSERT_EQUAL(problem_status(PROBLEM_TOO_LARGE), 413);
	CU_ASSERT_EQUAL(problem_status(PROBLEM_UNSUPPORTED_MEDIA_TYPE), 415);
	CU_ASSERT_EQUAL(problem_status(PROBLEM_UNAUTHORIZED), 401);
	CU_ASSERT_EQUAL(problem_status(PROBLEM_UNAVAILABLE), 503);
	/* out of range maps to an internal error, never a success */
	CU_ASSERT_EQUAL(problem_status(PROBLEM_NONE), 500);
	CU_ASSERT_EQUAL(problem_status(PROBLEM__MAX), 500);
	CU_ASSERT_EQUAL(problem_status((enum problem) - 3), 500);
}

static void test_problem_body(void)
{
	struct json_object *o = problem_body(PROBLEM_NOT_FOUND, "no \"x\"", "rid1"), *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT(json_object_object_get_ex(o, "status", &v) && json_object_get_int(v) == 404);
	CU_ASSERT(json_object_object_get_ex(o, "detail", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "no \"x\"");
	CU_ASSERT(json_object_object_get_ex(o, "request_id", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "rid1");
	json_object_put(o);
}

static void test_render(void)
{
	struct reply rp;
	size_t len = 0;
	char *out;

	memset(&rp, 0, sizeof(rp));
	reply_problem(&rp, PROBLEM_TOO_LARGE, NULL, "r2");
	reply_header(&rp, "X-Good", "%d", 7);
	reply_header(&rp, "X-Evil", "a\r\nSet-Cookie: x=1");
	reply_header(&rp, "X-Bad: y\r\nZ", "1");
	out = reply_render(&rp, "r2", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(strlen(out), len);
	CU_ASSERT_EQUAL(strncmp(out, "Status: 413 Content Too Large\r\n", 31), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Content-Type: application/problem+json\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "X-Good: 7\r\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "Set-Cookie"));
	CU_ASSERT_PTR_NULL(strstr(out, "X-Bad"));
	/* Content-Length matches the body */
	const char *body = strstr(out, "\r\n\r\n") + 4;
	const char *cl = strstr(out, "Content-Length: ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cl);
	CU_ASSERT_EQUAL(strtoul(cl + 16, NULL, 10), strlen(body));
	free(out);
	reply_release(&rp);
}

static void test_retry_after(void)
{
	struct reply rp;
	size_t len;
	char *out;

	memset(&rp, 0, sizeof(rp));
	rp.retry_after = 5;
	reply_problem(&rp, PROBLEM_UNAVAILABLE, "down", "r3");
	out = reply_render(&rp, "r3", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Retry-After: 5\r\n"));
	free(out);
	reply_release(&rp);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "problem table", test_problem_table },
		{ "problem body", test_problem_body },
		{ "render with header injection attempts", test_render },
		{ "Retry-After", test_retry_after },
		{ NULL, NULL },
	};
	return cu_run("reply", tests);
}
