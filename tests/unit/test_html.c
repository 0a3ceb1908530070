/* The text length of HTML fragments (what is billed for format=html). */
#include "autoconfig.h"

#include <stdio.h>

#include "core/html.h"
#include "cu_run.h"

struct html_case {
	int line;
	const char *in;
	long want;
};

static void test_table(void)
{
	static const struct html_case cases[] = {
		{ __LINE__, "", 0 },
		{ __LINE__, "plain text", 10 },
		{ __LINE__, "<p>Hello <b>world</b></p>", 11 },
		{ __LINE__, "<a href=\"x>y\" title='a>b'>link</a>", 4 },
		{ __LINE__, "caf\xc3\xa9 <br/>ol\xc3\xa9", 8 },
		{ __LINE__, "a &amp; b &#233; &eacute;", 9 },
		{ __LINE__, "a & b", 5 },
		{ __LINE__, "x &notanentity y", 16 },
		{ __LINE__, "1 < 2 and 3 > 2", 15 },
		{ __LINE__, "<!-- hidden -->shown", 5 },
		{ __LINE__, "<script>var a = '<p>x</p>';</script>ok", 2 },
		{ __LINE__, "<STYLE>p { color: red }</STYLE>ok", 2 },
		{ __LINE__, "<scripts>ok</scripts>", 2 },
		{ __LINE__, "text <p unterminated", 5 },
		{ __LINE__, "text <!-- unterminated", 5 },
		{ __LINE__, "<script>never closed", 0 },
		{ __LINE__, "<!DOCTYPE html><?xml?>t", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long got = html_text_length(cases[i].in);
		if (got != cases[i].want)
			fprintf(stderr, "\n  line %d: %ld\n", cases[i].line, got);
		CU_ASSERT_EQUAL(got, cases[i].want);
	}
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "text length of HTML fragments", test_table },
		{ NULL, NULL },
	};
	return cu_run("html", tests);
}
