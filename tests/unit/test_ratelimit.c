/* The sliding-window estimate of the rate limiter, and its role list. */
#include "autoconfig.h"

#include <stdio.h>

#include "accounts/ratelimit.h"
#include "cu_run.h"

struct estimate_case {
	int line;
	struct rate_sample s; /* limit, window_ms, elapsed_ms, prev, curr */
	int admitted;
	long remaining, reset_s;
};

static const struct estimate_case cases[] = {
	/* a fresh window: the first request leaves limit - 1 */
	{ __LINE__, { 60, 60000, 0, 0, 1 }, 1, 59, 60 },
	{ __LINE__, { 60, 60000, 30000, 0, 60 }, 1, 0, 30 },
	{ __LINE__, { 60, 60000, 59001, 0, 1 }, 1, 59, 1 },
	/* the 61st in a window with nothing before: the next window, where
	 * 60 * (60 - t) / 60 + 1 <= 60 holds from t = 1 s */
	{ __LINE__, { 60, 60000, 30000, 0, 61 }, 0, 0, 31 },
	/* half the previous window still weighs: 60 * 0.5 + 30 = 60 */
	{ __LINE__, { 60, 60000, 30000, 60, 30 }, 1, 0, 30 },
	/* one more than that waits until the previous one's weight drops by
	 * one request: 60 * (60 - t) / 60 + 30 + 1 <= 60 from t = 31 s */
	{ __LINE__, { 60, 60000, 30000, 60, 31 }, 0, 0, 1 },
	/* three quarters in, a quarter of the previous one weighs */
	{ __LINE__, { 100, 3600000, 2700000, 100, 70 }, 1, 5, 900 },
	{ __LINE__, { 100, 3600000, 2700000, 100, 76 }, 0, 0, 36 },
	/* a limit of one */
	{ __LINE__, { 1, 60000, 0, 0, 1 }, 1, 0, 60 },
	/* the one of this window weighs fully until the next one ends */
	{ __LINE__, { 1, 60000, 10000, 0, 2 }, 0, 0, 110 },
	{ __LINE__, { 1, 60000, 10000, 1, 1 }, 0, 0, 50 },
	/* a day: a huge previous count never overflows */
	{ __LINE__, { 1000000000, 86400000, 0, 1000000000, 1 }, 0, 0, 1 },
};

static void test_estimate(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct estimate_case *c = &cases[i];
		struct rate_estimate e = rate_estimate(&c->s);
		if (e.admitted != c->admitted || e.remaining != c->remaining ||
		    e.reset_s != c->reset_s)
			fprintf(stderr, "\n  line %d: admitted %d remaining %ld reset %ld\n",
			    c->line, e.admitted, e.remaining, e.reset_s);
		CU_ASSERT_EQUAL(e.admitted, c->admitted);
		CU_ASSERT_EQUAL(e.remaining, c->remaining);
		CU_ASSERT_EQUAL(e.reset_s, c->reset_s);
	}
}

/* Whatever the counts, a refusal names a wait after which the same
 * sample (time moved on, the window rolled over when due) admits one. */
static void test_refusal_wait_admits(void)
{
	for (long prev = 0; prev <= 12; prev += 3)
		for (long curr = 1; curr <= 14; curr++)
			for (long e = 0; e < 60000; e += 7919) {
				struct rate_sample s = { 10, 60000, e, prev, curr }, later;
				struct rate_estimate r = rate_estimate(&s), a;
				if (r.admitted)
					continue;
				long t = e + r.reset_s * 1000;
				if (t < 60000)
					later = (struct rate_sample){ 10, 60000, t, prev, curr };
				else
					later = (struct rate_sample){ 10, 60000, t - 60000,
						curr - 1, 1 };
				a = rate_estimate(&later);
				if (!a.admitted)
					fprintf(stderr,
					    "\n  prev %ld curr %ld e %ld: wait %ld s too short\n",
					    prev, curr, e, r.reset_s);
				CU_ASSERT(a.admitted);
			}
}

static void test_roles(void)
{
	CU_ASSERT(ratelimit_role_listed("platform", "platform"));
	CU_ASSERT(ratelimit_role_listed("admin, platform", "platform"));
	CU_ASSERT(ratelimit_role_listed("admin,platform", "admin"));
	CU_ASSERT(!ratelimit_role_listed("platform", "admin"));
	CU_ASSERT(!ratelimit_role_listed("platformer", "platform"));
	CU_ASSERT(!ratelimit_role_listed("none", "member"));
	CU_ASSERT(!ratelimit_role_listed("", "member"));
	CU_ASSERT(!ratelimit_role_listed(NULL, "member"));
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "sliding-window estimates", test_estimate },
		{ "a refusal's wait is long enough", test_refusal_wait_admits },
		{ "exempt role lists", test_roles },
		{ NULL, NULL },
	};

	return cu_run("ratelimit", tests);
}
