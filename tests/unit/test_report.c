/* Report helpers: reading ISO times, the p95 estimate from the response
 * time histogram, and CSV (RFC 4180) rendering. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "cu_run.h"
#include "reports/report.h"

struct time_case {
	const char *s;
	int ok, offset, date;
	const char *out;
};

static const struct time_case time_cases[] = {
	{ "2026-11-01", 1, 0, 1, "2026-11-01" },
	{ "2024-02-29", 1, 0, 1, "2024-02-29" },
	{ "2026-11-01T05:30", 1, 0, 0, "2026-11-01 05:30:00" },
	{ "2026-11-01T05:30:59", 1, 0, 0, "2026-11-01 05:30:59" },
	{ "2026-11-01T05:30:00Z", 1, 1, 0, "2026-11-01 05:30:00+00:00" },
	{ "2026-11-01T05:30+05:30", 1, 1, 0, "2026-11-01 05:30:00+05:30" },
	{ "2026-11-01T23:59:59-03:30", 1, 1, 0, "2026-11-01 23:59:59-03:30" },
	{ "2026-02-29", 0, 0, 0, NULL },
	{ "2100-02-29", 0, 0, 0, NULL },
	{ "2026-13-01", 0, 0, 0, NULL },
	{ "2026-11-31", 0, 0, 0, NULL },
	{ "2026-11-01T24:00", 0, 0, 0, NULL },
	{ "2026-11-01T05:60", 0, 0, 0, NULL },
	{ "2026-11-01T05:30:60", 0, 0, 0, NULL },
	{ "2026-11-01T05:30:00.5Z", 0, 0, 0, NULL },
	{ "2026-11-01T05:30:00+5:30", 0, 0, 0, NULL },
	{ "2026-11-01T05:30:00+15:00", 0, 0, 0, NULL },
	{ "2026-11-01 05:30", 0, 0, 0, NULL },
	{ "2026-11-1", 0, 0, 0, NULL },
	{ "1969-12-31", 0, 0, 0, NULL },
	{ "2026-11-01x", 0, 0, 0, NULL },
	{ "2026-11-01T05:30Z'", 0, 0, 0, NULL },
	{ "", 0, 0, 0, NULL },
};

static void test_time_parse(void)
{
	for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		const struct time_case *c = &time_cases[i];
		char out[32];
		int offset = -1, date = -1;
		int rc = report_time_parse(c->s, out, sizeof(out), &offset, &date);
		CU_ASSERT_EQUAL(rc, c->ok ? 0 : -1);
		if (c->ok && rc == 0) {
			CU_ASSERT_STRING_EQUAL(out, c->out);
			CU_ASSERT_EQUAL(offset, c->offset);
			CU_ASSERT_EQUAL(date, c->date);
		}
	}
}

static void test_p95(void)
{
	long long h[REPORT_HIST_SLOTS] = { 0 };

	CU_ASSERT_EQUAL(report_p95_ms(h), 0);
	h[0] = 100; /* all at or below 1 ms */
	CU_ASSERT_EQUAL(report_p95_ms(h), 1);
	memset(h, 0, sizeof(h));
	h[6] = 100; /* all in (50, 100]: the 95th is 95% in */
	CU_ASSERT_EQUAL(report_p95_ms(h), 98);
	memset(h, 0, sizeof(h));
	h[3] = 95; /* 95 in (5, 10], 5 in (200, 500] */
	h[8] = 5;
	CU_ASSERT_EQUAL(report_p95_ms(h), 10);
	h[3] = 94; /* now the 95th of 99 is the first slow one */
	CU_ASSERT(report_p95_ms(h) > 200 && report_p95_ms(h) <= 500);
	memset(h, 0, sizeof(h));
	h[REPORT_HIST_SLOTS - 1] = 3; /* over 10 s: reads as 10 s */
	CU_ASSERT_EQUAL(report_p95_ms(h), 10000);
}

static void test_csv(void)
{
	static const char *const cols[] = { "name", "n", "cost", "rate", "none", NULL };
	struct json_object *rows = json_tokener_parse(
	    "[{\"name\":\"plain\",\"n\":3,\"cost\":\"1.500000\",\"rate\":0.25,\"none\":null},"
	    "{\"name\":\"a, \\\"quoted\\\"\\r\\nline\",\"n\":-1,\"cost\":\"0.000001\"}]");
	char *text = csv_render(cols, rows);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text,
	    "name,n,cost,rate,none\r\n"
	    "plain,3,1.500000,0.25,\r\n"
	    "\"a, \"\"quoted\"\"\r\nline\",-1,0.000001,,\r\n");
	free(text);
	json_object_put(rows);
}

/* Issue 14, defect 11: a text cell starting with =, +, -, @, a tab or a
 * CR is read by spreadsheets as a formula; it is neutralised with a
 * leading quote (and quoted). Numbers, also negative ones and exact
 * decimals written as text, stay numbers. */
static void test_csv_formula_injection(void)
{
	static const char *const cols[] = { "name", "n", "cost", NULL };
	struct json_object *rows = json_tokener_parse(
	    "[{\"name\":\"=HYPERLINK(\\\"http://evil.test\\\",\\\"x\\\")\",\"n\":-1,"
	    "\"cost\":\"-1.500000\"},"
	    "{\"name\":\"+1+2\",\"n\":-2.5,\"cost\":\"+3\"},"
	    "{\"name\":\"-2+3\",\"cost\":\"-0.000001\"},"
	    "{\"name\":\"@SUM(A1:A9)\",\"cost\":\"-1e5\"},"
	    "{\"name\":\"\\tx\",\"cost\":\"-\"},"
	    "{\"name\":\"\\r=1+1\",\"cost\":\"1.\"},"
	    "{\"name\":\"a=1\",\"cost\":\"-.5\"}]");
	char *text = csv_render(cols, rows);

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_STRING_EQUAL(text,
	    "name,n,cost\r\n"
	    "\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",-1,-1.500000\r\n"
	    "\"'+1+2\",-2.5,+3\r\n"
	    "\"'-2+3\",,-0.000001\r\n"
	    "\"'@SUM(A1:A9)\",,\"'-1e5\"\r\n"
	    "\"'\tx\",,\"'-\"\r\n"
	    "\"'\r=1+1\",,1.\r\n"
	    "a=1,,\"'-.5\"\r\n");
	free(text);
	json_object_put(rows);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "ISO dates and times: accepted and refused", test_time_parse },
		{ "p95 from the histogram", test_p95 },
		{ "CSV quoting, empty fields, CRLF", test_csv },
		{ "CSV formula injection is neutralised, numbers stay numbers",
		    test_csv_formula_injection },
		{ NULL, NULL },
	};

	return cu_run("report", tests);
}
