/* Parameter validation for JSON bodies and query strings. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/params.h"
#include "core/utf8.h"
#include "cu_run.h"

enum {
	P_NAME,
	P_COUNT,
	P_FLAG
};
static const struct param_spec specs[] = {
	[P_NAME] = { "name", PARAM_STRING, 1, 1, 5, 0 },
	[P_COUNT] = { "count", PARAM_INT, 0, 0, 100, 0 },
	[P_FLAG] = { "flag", PARAM_BOOL, 0, 0, 1, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

struct json_case {
	int line;
	const char *json;
	enum problem want;
};

static const struct json_case json_cases[] = {
	{ __LINE__, "{\"name\":\"abc\"}", PROBLEM_NONE },
	{ __LINE__, "{\"name\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", PROBLEM_NONE },
	{ __LINE__, "{\"name\":\"abc\",\"count\":100,\"flag\":true}", PROBLEM_NONE },
	{ __LINE__, "{}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"\"}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"abcdef\"}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\\u0000b\"}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\\nb\"}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":1}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":null}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":[\"a\"]}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\",\"count\":101}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\",\"count\":-1}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\",\"count\":1.5}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\",\"count\":\"1\"}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\",\"count\":99999999999999999999}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\",\"flag\":1}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\",\"balance\":100}", PROBLEM_INVALID_FIELD },
	{ __LINE__, "{\"name\":\"a\",\"workspace_id\":\"x\"}", PROBLEM_INVALID_FIELD },
};

static void test_json(void)
{
	for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		struct param_value out[PARAMS_MAX];
		char detail[256] = "";
		struct json_object *o = json_tokener_parse(json_cases[i].json);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		enum problem got = params_from_json(specs, o, out, detail, sizeof(detail));
		if (got != json_cases[i].want)
			fprintf(stderr, "\n  line %d: got %d (%s)\n", json_cases[i].line, (int)got,
			    detail);
		CU_ASSERT_EQUAL(got, json_cases[i].want);
		if (got != PROBLEM_NONE)
			CU_ASSERT(detail[0] != '\0');
		json_object_put(o);
	}
}

static void test_json_values(void)
{
	struct param_value out[PARAMS_MAX];
	char detail[256];
	struct json_object *o = json_tokener_parse("{\"name\":\"ab\",\"count\":7,\"flag\":false}");

	CU_ASSERT_EQUAL(params_from_json(specs, o, out, detail, sizeof(detail)), PROBLEM_NONE);
	CU_ASSERT(out[P_NAME].present);
	CU_ASSERT_STRING_EQUAL(out[P_NAME].str, "ab");
	CU_ASSERT_EQUAL(out[P_NAME].len, 2);
	CU_ASSERT(out[P_COUNT].present);
	CU_ASSERT_EQUAL(out[P_COUNT].num, 7);
	CU_ASSERT(out[P_FLAG].present);
	CU_ASSERT_EQUAL(out[P_FLAG].num, 0);
	json_object_put(o);
}

struct query_case {
	int line;
	const char *query;
	enum problem want;
};

static const struct query_case query_cases[] = {
	{ __LINE__, "name=abc", PROBLEM_NONE },
	{ __LINE__, "name=a+b&count=3&flag=true", PROBLEM_NONE },
	{ __LINE__, "name=%C3%A9", PROBLEM_NONE },
	{ __LINE__, "", PROBLEM_INVALID_FIELD },
	{ __LINE__, "count=3", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=a&name=b", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=a&other=1", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=a&count=x", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=a&count=+3", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=a&count=", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=a&count=1000", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=a&flag=yes", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=%ZZ", PROBLEM_BAD_REQUEST },
	{ __LINE__, "name=a%00", PROBLEM_BAD_REQUEST },
	{ __LINE__, "name=%C3", PROBLEM_INVALID_FIELD },
	{ __LINE__, "name=%0A", PROBLEM_INVALID_FIELD },
};

static void test_query(void)
{
	for (size_t i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++) {
		struct param_value out[PARAMS_MAX];
		char detail[256] = "", buf[128];
		snprintf(buf, sizeof(buf), "%s", query_cases[i].query);
		enum problem got = params_from_query(specs, buf, out, detail, sizeof(detail));
		if (got != query_cases[i].want)
			fprintf(stderr, "\n  line %d: got %d (%s)\n", query_cases[i].line, (int)got,
			    detail);
		CU_ASSERT_EQUAL(got, query_cases[i].want);
	}
}

static void test_query_values(void)
{
	struct param_value out[PARAMS_MAX];
	char detail[256], buf[] = "name=a+%C3%A9&count=42";

	CU_ASSERT_EQUAL(params_from_query(specs, buf, out, detail, sizeof(detail)), PROBLEM_NONE);
	CU_ASSERT_STRING_EQUAL(out[P_NAME].str, "a \xc3\xa9");
	CU_ASSERT_EQUAL(out[P_COUNT].num, 42);
	CU_ASSERT(!out[P_FLAG].present);
}

static void test_no_params_accepted(void)
{
	struct param_value out[PARAMS_MAX];
	char detail[256], empty[] = "", one[] = "a=1";

	CU_ASSERT_EQUAL(params_from_query(NULL, empty, out, detail, sizeof(detail)), PROBLEM_NONE);
	CU_ASSERT_EQUAL(params_from_query(NULL, one, out, detail, sizeof(detail)),
	    PROBLEM_INVALID_FIELD);
}

struct utf8_case {
	int line;
	const char *s;
	long want;
};

static const struct utf8_case utf8_cases[] = {
	{ __LINE__, "", 0 },
	{ __LINE__, "abc", 3 },
	{ __LINE__, "\xc3\xa9", 1 },
	{ __LINE__, "\xe2\x82\xac", 1 },
	{ __LINE__, "\xf0\x9f\x98\x80", 1 },
	{ __LINE__, "\xc0\xaf", -1 }, /* overlong "/" */
	{ __LINE__, "\xe0\x80\xaf", -1 }, /* overlong */
	{ __LINE__, "\xed\xa0\x80", -1 }, /* surrogate */
	{ __LINE__, "\xf4\x90\x80\x80", -1 }, /* above U+10FFFF */
	{ __LINE__, "\xc3", -1 }, /* truncated */
	{ __LINE__, "\x80", -1 }, /* stray continuation */
	{ __LINE__, "\xff", -1 },
};

static void test_utf8(void)
{
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		long got = utf8_count(utf8_cases[i].s, strlen(utf8_cases[i].s));
		if (got != utf8_cases[i].want)
			fprintf(stderr, "\n  line %d: got %ld\n", utf8_cases[i].line, got);
		CU_ASSERT_EQUAL(got, utf8_cases[i].want);
	}
}

/* The compatibility routes' shape: texts as one or many, a text array,
 * and other members ignored. */
enum {
	C_Q,
	C_TEXT,
	C_N,
	C_ON,
	C_OTHERS
};
static const struct param_spec compat_specs[] = {
	[C_Q] = { "q", PARAM_TEXTS, 0, 1, 3, 10 },
	[C_TEXT] = { "text", PARAM_TEXT_ARRAY, 0, 1, 3, 10 },
	[C_N] = { "n", PARAM_INT, 0, 0, 9, 0 },
	[C_ON] = { "on", PARAM_BOOL, 0, 0, 1, 0 },
	[C_OTHERS] = { PARAMS_OTHERS, PARAM_STRING, 0, 0, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

struct form_case {
	int line;
	const char *body;
	enum problem want;
	long nq, ntext, n, on; /* q texts, text texts, n, on (-1: absent) */
};

static const struct form_case form_cases[] = {
	{ __LINE__, "q=hello", PROBLEM_NONE, 1, 0, -1, -1 },
	{ __LINE__, "q=a&q=b&q=c", PROBLEM_NONE, 3, 0, -1, -1 },
	{ __LINE__, "q=a&q=b&q=c&q=d", PROBLEM_INVALID_FIELD, 0, 0, 0, 0 },
	{ __LINE__, "text=a", PROBLEM_NONE, 0, 1, -1, -1 },
	{ __LINE__, "text=a&text=b", PROBLEM_NONE, 0, 2, -1, -1 },
	{ __LINE__, "text=a+b%20c&n=7&on=1", PROBLEM_NONE, 0, 1, 7, 1 },
	{ __LINE__, "text=a&on=false&unknown=1&split_sentences=0", PROBLEM_NONE, 0, 1, -1, 0 },
	{ __LINE__, "n=1&n=2", PROBLEM_BAD_REQUEST, 0, 0, 0, 0 },
	{ __LINE__, "n=x", PROBLEM_INVALID_FIELD, 0, 0, 0, 0 },
	{ __LINE__, "n=10", PROBLEM_INVALID_FIELD, 0, 0, 0, 0 },
	{ __LINE__, "on=yes", PROBLEM_INVALID_FIELD, 0, 0, 0, 0 },
	{ __LINE__, "q=%00", PROBLEM_BAD_REQUEST, 0, 0, 0, 0 },
	{ __LINE__, "q=%zz", PROBLEM_BAD_REQUEST, 0, 0, 0, 0 },
	{ __LINE__, "q=%C3", PROBLEM_INVALID_FIELD, 0, 0, 0, 0 },
	{ __LINE__, "q=", PROBLEM_INVALID_FIELD, 0, 0, 0, 0 },
	{ __LINE__, "q=abcdefghijk", PROBLEM_INVALID_FIELD, 0, 0, 0, 0 },
	{ __LINE__, "q=a%0Ab", PROBLEM_NONE, 1, 0, -1, -1 },
};

static void test_form(void)
{
	for (size_t i = 0; i < sizeof(form_cases) / sizeof(form_cases[0]); i++) {
		const struct form_case *c = &form_cases[i];
		struct param_value out[PARAMS_MAX];
		struct json_object *o = NULL;
		char detail[256] = "", body[128];
		enum problem got;

		snprintf(body, sizeof(body), "%s", c->body);
		got = params_form_to_json(compat_specs, body, &o, detail, sizeof(detail));
		if (got == PROBLEM_NONE)
			got = params_from_json(compat_specs, o, out, detail, sizeof(detail));
		if (got != c->want)
			fprintf(stderr, "\n  line %d: got %d (%s)\n", c->line, (int)got, detail);
		CU_ASSERT_EQUAL(got, c->want);
		if (got == PROBLEM_NONE && c->want == PROBLEM_NONE) {
			const char *texts[3];
			CU_ASSERT_EQUAL(params_texts(&out[C_Q], texts, 3), c->nq);
			CU_ASSERT_EQUAL(params_texts(&out[C_TEXT], texts, 3), c->ntext);
			CU_ASSERT_EQUAL(out[C_N].present ? out[C_N].num : -1, c->n);
			CU_ASSERT_EQUAL(out[C_ON].present ? out[C_ON].num : -1, c->on);
		}
		if (got != PROBLEM_NONE) {
			CU_ASSERT(detail[0] != '\0');
		}
		json_object_put(o);
	}
}

/* A repeated form field keeps its order and its decoded bytes. */
static void test_form_values(void)
{
	struct param_value out[PARAMS_MAX];
	struct json_object *o = NULL;
	char body[] = "q=caf%C3%A9&q=a+b", detail[256];
	const char *texts[3];

	CU_ASSERT_EQUAL_FATAL(params_form_to_json(compat_specs, body, &o, detail, sizeof(detail)),
	    PROBLEM_NONE);
	CU_ASSERT_EQUAL_FATAL(params_from_json(compat_specs, o, out, detail, sizeof(detail)),
	    PROBLEM_NONE);
	CU_ASSERT_EQUAL_FATAL(params_texts(&out[C_Q], texts, 3), 2);
	CU_ASSERT_STRING_EQUAL(texts[0], "caf\xc3\xa9");
	CU_ASSERT_STRING_EQUAL(texts[1], "a b");
	CU_ASSERT_EQUAL(params_texts(&out[C_Q], texts, 1), -1);
	json_object_put(o);
	/* JSON: a string or an array for PARAM_TEXTS, only arrays for PARAM_TEXT_ARRAY */
	o = json_tokener_parse("{\"q\":\"one\",\"text\":[\"x\"],\"extra\":{\"deep\":1}}");
	CU_ASSERT_EQUAL(params_from_json(compat_specs, o, out, detail, sizeof(detail)),
	    PROBLEM_NONE);
	CU_ASSERT(out[C_Q].present && out[C_Q].array == NULL && out[C_Q].num == 1);
	json_object_put(o);
	o = json_tokener_parse("{\"text\":\"x\"}");
	CU_ASSERT_EQUAL(params_from_json(compat_specs, o, out, detail, sizeof(detail)),
	    PROBLEM_INVALID_FIELD);
	json_object_put(o);
	o = json_tokener_parse("{\"q\":[\"a\",1]}");
	CU_ASSERT_EQUAL(params_from_json(compat_specs, o, out, detail, sizeof(detail)),
	    PROBLEM_INVALID_FIELD);
	json_object_put(o);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "JSON fields table", test_json },
		{ "JSON values reach the handler", test_json_values },
		{ "query string table", test_query },
		{ "query values decoded", test_query_values },
		{ "route accepting no parameters", test_no_params_accepted },
		{ "UTF-8 well-formedness", test_utf8 },
		{ "form bodies table (compatibility shape)", test_form },
		{ "form values and text-or-array", test_form_values },
		{ NULL, NULL },
	};
	return cu_run("params", tests);
}
