/* The per-process memo: expiry, replacement, bounds, and the memo in
 * front of a memcached that does not answer. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cu_run.h"
#include "store/cache.h"
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

/* The *_through functions with memcached not answering (nothing listens
 * on port 1): the memo still answers what was written through it, a
 * delete forgets it there, and a read that misses the memo reports
 * memcached's error. */
static void test_through_without_memcached(void)
{
	char err[128], buf[32];
	size_t len = 0;
	struct cache *c = cache_open("127.0.0.1:1", 100, err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	memo_clear();
	CU_ASSERT_EQUAL(memo_set_through(c, "w", "record", 6, 60, 10000), -1);
	CU_ASSERT_EQUAL(memo_get_through(c, "w", buf, sizeof(buf), &len, 10000), 1);
	CU_ASSERT_STRING_EQUAL(buf, "record");
	CU_ASSERT_EQUAL(len, 6);
	/* memo_ms 0: the memo is not asked */
	CU_ASSERT_EQUAL(memo_get_through(c, "w", buf, sizeof(buf), &len, 0), -1);
	CU_ASSERT_EQUAL(memo_delete_through(c, "w"), -1);
	CU_ASSERT_EQUAL(memo_get("w", buf, sizeof(buf), &len), 0);
	/* ttl below 1 s: memoized only, memcached not asked */
	CU_ASSERT_EQUAL(memo_set_through(c, "x", "v", 1, 0, 10000), 0);
	CU_ASSERT_EQUAL(memo_get("x", buf, sizeof(buf), &len), 1);
	cache_close(c);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "hit and expiry", test_hit_and_expiry },
		{ "forget and replace", test_forget_and_replace },
		{ "size bounds", test_bounds },
		{ "many keys, one slot each", test_many_keys },
		{ "through to a memcached that does not answer", test_through_without_memcached },
		{ NULL, NULL },
	};
	return cu_run("memo", tests);
}
