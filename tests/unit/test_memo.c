/* The per-process memo: expiry, replacement, bounds. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cu_run.h"
#include "store/memo.h"

static void test_hit_and_expiry(void)
{
	char buf[64];
	size_t len = 0;

	memo_clear();
	CU_ASSERT_EQUAL(memo_get("a", buf, sizeof(buf), &len), 0);
	memo_put("a", "value", 5, 100);
	CU_ASSERT_EQUAL(memo_get("a", buf, sizeof(buf), &len), 1);
	CU_ASSERT_EQUAL(len, 5);
	CU_ASSERT_STRING_EQUAL(buf, "value");
	usleep(150 * 1000);
	CU_ASSERT_EQUAL(memo_get("a", buf, sizeof(buf), &len), 0);
}

static void test_forget_and_replace(void)
{
	char buf[64];
	size_t len;

	memo_clear();
	memo_put("k", "one", 3, 10000);
	memo_put("k", "two", 3, 10000);
	CU_ASSERT_EQUAL(memo_get("k", buf, sizeof(buf), &len), 1);
	CU_ASSERT_STRING_EQUAL(buf, "two");
	memo_forget("k");
	CU_ASSERT_EQUAL(memo_get("k", buf, sizeof(buf), &len), 0);
	/* forgetting another key that shares nothing leaves k alone */
	memo_put("k", "three", 5, 10000);
	memo_forget("other");
	CU_ASSERT_EQUAL(memo_get("k", buf, sizeof(buf), &len), 1);
}

static void test_bounds(void)
{
	char big[MEMO_VALUE_MAX + 2], key[MEMO_KEY_MAX + 2], buf[8];
	size_t len;

	memo_clear();
	memset(big, 'v', sizeof(big));
	memo_put("big", big, MEMO_VALUE_MAX + 1, 10000);
	CU_ASSERT_EQUAL(memo_get("big", buf, sizeof(buf), &len), 0);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	memo_put(key, "v", 1, 10000);
	CU_ASSERT_EQUAL(memo_get(key, buf, sizeof(buf), &len), 0);
	memo_put("z", "v", 1, 0);
	CU_ASSERT_EQUAL(memo_get("z", buf, sizeof(buf), &len), 0);
	/* a value that does not fit the caller's buffer is a miss */
	memo_put("long", "123456789", 9, 10000);
	CU_ASSERT_EQUAL(memo_get("long", buf, sizeof(buf), &len), 0);
}

static void test_many_keys(void)
{
	char key[32], buf[32];
	size_t len;
	int hits = 0;

	memo_clear();
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		memo_put(key, key, strlen(key), 10000);
	}
	/* a slot holds only its latest key: never a wrong value */
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "key-%d", i);
		if (memo_get(key, buf, sizeof(buf), &len)) {
			hits++;
			CU_ASSERT_STRING_EQUAL(buf, key);
		}
	}
	CU_ASSERT(hits > 0 && hits <= MEMO_SLOTS);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "hit and expiry", test_hit_and_expiry },
		{ "forget and replace", test_forget_and_replace },
		{ "size bounds", test_bounds },
		{ "many keys, one slot each", test_many_keys },
		{ NULL, NULL }
	};
	return cu_run("memo", tests);
}
