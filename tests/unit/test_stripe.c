/* Stripe webhook signatures: the matrix of valid and invalid headers. The
 * reference signature was made by the official stripe npm package
 * (webhooks.generateTestHeaderString); the integration suite checks more
 * of its output against the running server. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "billing/stripe.h"
#include "cu_run.h"

#define BODY "{\"a\":1}"
#define T0 1700000000LL
#define GOOD "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
#define OTHER "0000000000000000000000000000000000000000000000000000000000000000"

struct sig_case {
	int line;
	const char *header;
	const char *body;
	const char *secret;
	long long now;
	int want;
};

static const struct sig_case cases[] = {
	{ __LINE__, "t=1700000000,v1=" GOOD, BODY, "whsec_test", T0, 1 },
	{ __LINE__, "t=1700000000,v1=" GOOD, BODY, "whsec_test", T0 + 300, 1 },
	{ __LINE__, "t=1700000000,v1=" GOOD, BODY, "whsec_test", T0 - 300, 1 },
	{ __LINE__, "t=1700000000,v1=" GOOD, BODY, "whsec_test", T0 + 301, 0 }, /* too old */
	{ __LINE__, "t=1700000000,v1=" GOOD, BODY, "whsec_test", T0 - 301,
	    0 }, /* from the future */
	{ __LINE__, "t=1700000000,v1=" GOOD, BODY, "whsec_other", T0, 0 }, /* wrong secret */
	{ __LINE__, "t=1700000000,v1=" GOOD, "{\"a\":2}", "whsec_test", T0, 0 }, /* flipped byte */
	{ __LINE__, "t=1700000000,v1=" GOOD, BODY " ", "whsec_test", T0, 0 },
	{ __LINE__, "t=1700000000,v1=" OTHER ",v1=" GOOD, BODY, "whsec_test", T0,
	    1 }, /* several v1 */
	{ __LINE__, "t=1700000000,v0=" GOOD, BODY, "whsec_test", T0, 0 }, /* v0 only */
	{ __LINE__, "t=1700000001,v1=" GOOD, BODY, "whsec_test", T0, 0 }, /* t not signed */
	{ __LINE__, "v1=" GOOD, BODY, "whsec_test", T0, 0 },
	{ __LINE__, "t=1700000000", BODY, "whsec_test", T0, 0 },
	{ __LINE__, "t=17e8,v1=" GOOD, BODY, "whsec_test", T0, 0 },
	{ __LINE__, "t=1700000000,v1=" GOOD "00", BODY, "whsec_test", T0, 0 },
	{ __LINE__,
	    "t=1700000000,v1=38877139021993B830AF32FEEA6E18A8DA83EB2F6E49EE50BD9E4CF4CA4D3789",
	    BODY, "whsec_test", T0, 0 },
	{ __LINE__, "", BODY, "whsec_test", T0, 0 },
	{ __LINE__, NULL, BODY, "whsec_test", T0, 0 },
	{ __LINE__, "t=1700000000,v1=" GOOD, BODY, NULL, T0, 0 },
};

static void test_matrix(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sig_case *c = &cases[i];
		int got = stripe_signature_valid(c->header, c->body, strlen(c->body), c->secret,
		    c->now, STRIPE_TOLERANCE_S);
		if (got != c->want)
			fprintf(stderr, "\n  line %d: got %d\n", c->line, got);
		CU_ASSERT_EQUAL(got, c->want);
	}
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "webhook signature matrix", test_matrix },
		{ NULL, NULL },
	};
	return cu_run("stripe", tests);
}
