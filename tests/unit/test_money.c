/* Money (exact micro-units) and the pricing table. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "core/pricing.h"
#include "cu_run.h"

struct parse_case {
	int line;
	const char *s;
	int ok;
	long long micros;
};

static const struct parse_case parse_cases[] = {
	{ __LINE__, "0", 1, 0 },
	{ __LINE__, "20", 1, 20000000 },
	{ __LINE__, "2.99", 1, 2990000 },
	{ __LINE__, "0.000001", 1, 1 },
	{ __LINE__, "1.000001", 1, 1000001 },
	{ __LINE__, "1000000000000", 1, MONEY_MAX },
	{ __LINE__, "1000000000000.000001", 0, 0 },
	{ __LINE__, "99999999999999999999", 0, 0 },
	{ __LINE__, "0.0000001", 0, 0 },
	{ __LINE__, "", 0, 0 },
	{ __LINE__, ".5", 0, 0 },
	{ __LINE__, "5.", 0, 0 },
	{ __LINE__, "-1", 0, 0 },
	{ __LINE__, "+1", 0, 0 },
	{ __LINE__, "1e3", 0, 0 },
	{ __LINE__, " 1", 0, 0 },
	{ __LINE__, "1,5", 0, 0 },
	{ __LINE__, "0x10", 0, 0 },
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		long long m = -7;
		int got = money_parse(c->s, &m) == 0;
		if (got != c->ok || (got && m != c->micros))
			fprintf(stderr, "\n  line %d: '%s' -> %d %lld\n", c->line, c->s, got, m);
		CU_ASSERT_EQUAL(got, c->ok);
		if (got && c->ok) {
			CU_ASSERT_EQUAL(m, c->micros);
		}
	}
}

static void test_format(void)
{
	char b[32];

	CU_ASSERT_STRING_EQUAL(money_format(2990000, b, sizeof(b)), "2.990000");
	CU_ASSERT_STRING_EQUAL(money_format(0, b, sizeof(b)), "0.000000");
	CU_ASSERT_STRING_EQUAL(money_format(1, b, sizeof(b)), "0.000001");
	CU_ASSERT_STRING_EQUAL(money_format(-820, b, sizeof(b)), "-0.000820");
	CU_ASSERT_STRING_EQUAL(money_format(-3000000, b, sizeof(b)), "-3.000000");
	CU_ASSERT_STRING_EQUAL(money_format(MONEY_MAX, b, sizeof(b)), "1000000000000.000000");
	/* what parses formats back the same */
	for (long long m = 0; m < 3000000; m += 99991) {
		long long back;
		CU_ASSERT_EQUAL(money_parse(money_format(m, b, sizeof(b)), &back), 0);
		CU_ASSERT_EQUAL(back, m);
	}
}

static void test_cost(void)
{
	CU_ASSERT_EQUAL(money_cost(41, 20000000), 820); /* 41 chars at 20.00/M */
	CU_ASSERT_EQUAL(money_cost(1, 1000000), 1); /* exactly one micro */
	CU_ASSERT_EQUAL(money_cost(1, 1), 1); /* rounded up, never free */
	CU_ASSERT_EQUAL(money_cost(3, 333333), 1);
	CU_ASSERT_EQUAL(money_cost(1000000, 600000), 600000);
	CU_ASSERT_EQUAL(money_cost(0, 20000000), 0);
	CU_ASSERT_EQUAL(money_cost(5, 0), 0);
	CU_ASSERT_EQUAL(money_cost(-1, 5), -1);
	CU_ASSERT_EQUAL(money_cost(5, -1), -1);
	CU_ASSERT_EQUAL(money_cost(1LL << 62, 1LL << 40), -1); /* beyond MONEY_MAX */
}

struct pricing_case {
	int line;
	const char *spec;
	int ok;
};

static const struct pricing_case pricing_cases[] = {
	{ __LINE__, "apertium:characters=1.00", 1 },
	{ __LINE__, "apertium:characters=1, openai/gpt-4o:tokens=10.5,x:requests=0", 1 },
	{ __LINE__, "", 1 },
	{ __LINE__, "apertium:characters=1.00,apertium:characters=2", 0 },
	{ __LINE__, "apertium:bytes=1", 0 },
	{ __LINE__, "apertium=1", 0 },
	{ __LINE__, ":characters=1", 0 },
	{ __LINE__, "Apertium:characters=1", 0 },
	{ __LINE__, "apertium:characters=-1", 0 },
	{ __LINE__, "apertium:characters=1.0000001", 0 },
	{ __LINE__, "apertium:characters=", 0 },
	{ __LINE__, "a b:characters=1", 0 },
};

static void test_pricing(void)
{
	struct pricing p;
	char err[256];

	for (size_t i = 0; i < sizeof(pricing_cases) / sizeof(pricing_cases[0]); i++) {
		int got = pricing_parse(pricing_cases[i].spec, &p, err, sizeof(err)) == 0;
		if (got != pricing_cases[i].ok)
			fprintf(stderr, "\n  line %d: %d (%s)\n", pricing_cases[i].line, got, err);
		CU_ASSERT_EQUAL(got, pricing_cases[i].ok);
	}
	CU_ASSERT_EQUAL_FATAL(pricing_parse(" deepl:characters=20.00 , openai/gpt-4o:tokens=0.6",
	                          &p, err, sizeof(err)),
	    0);
	CU_ASSERT_EQUAL(pricing_find(&p, "deepl", "characters"), 20000000);
	CU_ASSERT_EQUAL(pricing_find(&p, "openai/gpt-4o", "tokens"), 600000);
	CU_ASSERT_EQUAL(pricing_find(&p, "openai/gpt-4o", "characters"), -1);
	CU_ASSERT_EQUAL(pricing_find(&p, "google", "characters"), -1);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "parsing amounts", test_parse },
		{ "formatting amounts", test_format },
		{ "cost of a quantity, rounded up", test_cost },
		{ "the pricing table", test_pricing },
		{ NULL, NULL },
	};
	return cu_run("money", tests);
}
