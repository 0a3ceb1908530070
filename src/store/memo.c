#include "autoconfig.h"

#include <string.h>

#include "core/clock.h"
#include "store/cache.h"
#include "store/memo.h"

struct memo_slot {
	double expires_ms; /* 0: empty */
	size_t len;
	char key[MEMO_KEY_MAX + 1];
	char value[MEMO_VALUE_MAX + 1];
};

static struct memo_slot slots[MEMO_SLOTS];

/* Returns the slot key maps to (FNV-1a over the key, direct-mapped). */
static struct memo_slot *memo_slot(const char *key)
{
	unsigned h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return &slots[h % MEMO_SLOTS];
}

int memo_get(const char *key, char *buf, size_t bufsz, size_t *len)
{
	struct memo_slot *s = memo_slot(key);

	if (s->expires_ms == 0 || strcmp(s->key, key) != 0)
		return 0;
	if (clock_now_ms() >= s->expires_ms) {
		s->expires_ms = 0;
		return 0;
	}
	if (s->len >= bufsz)
		return 0;
	memcpy(buf, s->value, s->len + 1);
	*len = s->len;
	return 1;
}

void memo_put(const char *key, const char *value, size_t len, long ttl_ms)
{
	struct memo_slot *s = memo_slot(key);
	size_t klen = strlen(key);

	if (ttl_ms <= 0 || klen > MEMO_KEY_MAX || len > MEMO_VALUE_MAX)
		return;
	memcpy(s->key, key, klen + 1);
	memcpy(s->value, value, len);
	s->value[len] = '\0';
	s->len = len;
	s->expires_ms = clock_now_ms() + (double)ttl_ms;
}

void memo_forget(const char *key)
{
	struct memo_slot *s = memo_slot(key);

	if (strcmp(s->key, key) == 0)
		s->expires_ms = 0;
}

void memo_clear(void)
{
	memset(slots, 0, sizeof(slots));
}

int memo_get_through(struct cache *c, const char *key, char *buf, size_t bufsz, size_t *len,
    long memo_ms)
{
	int rc;

	if (memo_ms > 0 && memo_get(key, buf, bufsz, len))
		return 1;
	rc = cache_get(c, key, buf, bufsz, len);
	if (rc == 1)
		memo_put(key, buf, *len, memo_ms);
	return rc;
}

int memo_set_through(struct cache *c, const char *key, const char *value, size_t len, long ttl,
    long memo_ms)
{
	memo_put(key, value, len, memo_ms);
	return ttl >= 1 ? cache_set(c, key, value, len, ttl) : 0;
}

int memo_delete_through(struct cache *c, const char *key)
{
	memo_forget(key);
	return cache_delete(c, key);
}
