/* Path canonicalization: the one form used for routing and authorization. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/path.h"
#include "cu_run.h"

struct path_case {
	int line;
	const char *in;
	enum problem want;
	const char *out;
};

static const struct path_case cases[] = {
	{ __LINE__, "/", PROBLEM_NONE, "/" },
	{ __LINE__, "/v1/health", PROBLEM_NONE, "/v1/health" },
	{ __LINE__, "/v1/health?x=1", PROBLEM_NONE, "/v1/health" },
	{ __LINE__, "/v1/health/", PROBLEM_NONE, "/v1/health" },
	{ __LINE__, "//v1//health", PROBLEM_NONE, "/v1/health" },
	{ __LINE__, "/v1/./health", PROBLEM_NONE, "/v1/health" },
	{ __LINE__, "/v1/health/../workspace", PROBLEM_NONE, "/v1/workspace" },
	{ __LINE__, "/v1/%2e%2e/v1/workspace", PROBLEM_NONE, "/v1/workspace" },
	{ __LINE__, "/v1/%2E/health", PROBLEM_NONE, "/v1/health" },
	{ __LINE__, "/v1/he%61lth", PROBLEM_NONE, "/v1/health" },
	{ __LINE__, "/a/b/../../..", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/..", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/%2e%2e/etc", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/v1%2Fworkspace", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/v1%2fworkspace", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/v1/health%00", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/v1/health%0d%0aX-Evil:1", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/v1/%zz", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/v1/%4", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/v1/%", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "v1/health", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "*", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "http://evil/v1/health", PROBLEM_BAD_PATH, NULL },
	{ __LINE__, "/v1/h\x7f", PROBLEM_BAD_PATH, NULL },
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[PATH_MAX_LEN];
		enum problem got = path_canonicalize(cases[i].in, out, sizeof(out));
		if (got != cases[i].want || (cases[i].out && strcmp(out, cases[i].out) != 0))
			fprintf(stderr, "\n  line %d: '%s' -> %d '%s'\n", cases[i].line,
			    cases[i].in, (int)got, got == PROBLEM_NONE ? out : "");
		CU_ASSERT_EQUAL(got, cases[i].want);
		if (cases[i].out != NULL && got == PROBLEM_NONE)
			CU_ASSERT_STRING_EQUAL(out, cases[i].out);
	}
}

static void test_null(void)
{
	char out[8];

	CU_ASSERT_EQUAL(path_canonicalize(NULL, out, sizeof(out)), PROBLEM_BAD_PATH);
}

static void test_too_long(void)
{
	char in[PATH_MAX_LEN + 16], out[PATH_MAX_LEN];

	in[0] = '/';
	memset(in + 1, 'a', sizeof(in) - 2);
	in[sizeof(in) - 1] = '\0';
	CU_ASSERT_EQUAL(path_canonicalize(in, out, sizeof(out)), PROBLEM_BAD_PATH);
	/* exactly fitting: "/" + 6 letters + NUL in 8 bytes */
	CU_ASSERT_EQUAL(path_canonicalize("/abcdef", out, 8), PROBLEM_NONE);
	CU_ASSERT_STRING_EQUAL(out, "/abcdef");
	CU_ASSERT_EQUAL(path_canonicalize("/abcdefg", out, 8), PROBLEM_BAD_PATH);
}

static void test_query(void)
{
	CU_ASSERT_STRING_EQUAL(path_query("/a?b=1&c"), "b=1&c");
	CU_ASSERT_STRING_EQUAL(path_query("/a"), "");
	CU_ASSERT_STRING_EQUAL(path_query("/a?"), "");
	CU_ASSERT_STRING_EQUAL(path_query(NULL), "");
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "hostile and benign paths", test_table },
		{ "NULL target", test_null },
		{ "length bound", test_too_long },
		{ "query split", test_query },
		{ NULL, NULL },
	};
	return cu_run("path", tests);
}
