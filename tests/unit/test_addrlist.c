/* Client addresses against lists of addresses and networks (metrics_allow). */
#include "autoconfig.h"

#include <stdio.h>

#include "core/addrlist.h"
#include "cu_run.h"

static const struct {
	int line;
	const char *list, *addr;
	int want;
} cases[] = {
	{ __LINE__, "127.0.0.1 ::1", "127.0.0.1", 1 },
	{ __LINE__, "127.0.0.1 ::1", "::1", 1 },
	{ __LINE__, "127.0.0.1 ::1", "127.0.0.2", 0 },
	{ __LINE__, "127.0.0.1,::1", "::2", 0 },
	{ __LINE__, "10.0.0.0/8", "10.255.3.4", 1 },
	{ __LINE__, "10.0.0.0/8", "11.0.0.1", 0 },
	{ __LINE__, "192.168.4.0/22", "192.168.7.255", 1 },
	{ __LINE__, "192.168.4.0/22", "192.168.8.0", 0 },
	{ __LINE__, "0.0.0.0/0", "203.0.113.9", 1 },
	{ __LINE__, "0.0.0.0/0", "2001:db8::1", 0 },
	{ __LINE__, "2001:db8::/32", "2001:db8:ffff::1", 1 },
	{ __LINE__, "2001:db8::/32", "2001:db9::1", 0 },
	{ __LINE__, "2001:db8::/33", "2001:db8:8000::1", 0 },
	{ __LINE__, "127.0.0.1", "::ffff:127.0.0.1", 1 },
	{ __LINE__, "127.0.0.0/8", "::ffff:127.9.9.9", 1 },
	/* IPv4 entries never match IPv6 addresses and the other way round */
	{ __LINE__, "::/0", "127.0.0.1", 0 },
	/* malformed entries and addresses match nothing */
	{ __LINE__, "10.0.0.0/33", "10.0.0.1", 0 },
	{ __LINE__, "10.0.0.0/", "10.0.0.1", 0 },
	{ __LINE__, "10.0.0.0/8x", "10.0.0.1", 0 },
	{ __LINE__, "localhost", "127.0.0.1", 0 },
	{ __LINE__, "127.0.0.1", "127.0.0.1 ", 0 },
	{ __LINE__, "127.0.0.1", "", 0 },
	{ __LINE__, "127.0.0.1", NULL, 0 },
	{ __LINE__, NULL, "127.0.0.1", 0 },
	{ __LINE__, "", "127.0.0.1", 0 },
	{ __LINE__, " , 10.1.2.3 ,, ", "10.1.2.3", 1 },
};

static void test_match(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = addrlist_match(cases[i].list, cases[i].addr);
		if (got != cases[i].want)
			fprintf(stderr, "\n  line %d: '%s' in '%s' gave %d\n", cases[i].line,
			    cases[i].addr ? cases[i].addr : "(null)",
			    cases[i].list ? cases[i].list : "(null)", got);
		CU_ASSERT_EQUAL(got, cases[i].want);
	}
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "addresses and CIDR networks, v4 and v6", test_match }, { NULL, NULL }
	};

	return cu_run("addrlist", tests);
}
