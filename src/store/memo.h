/* A small per-process memo in front of memcached for hot, small values
 * that rarely or never change (key identities, workspace records, cached
 * translations). Never
 * authoritative: entries live at most their TTL (local_cache_ms, about a
 * second), losing it loses nothing, and no other process needs to see it.
 *
 * memo_get/put/forget/clear touch the memo alone; the *_through functions
 * are the two tiers together: a read tries the memo, then memcached
 * (memoizing a hit), and a write or delete goes to both. */
#ifndef DRAGOMAN_MEMO_H
#define DRAGOMAN_MEMO_H

#include <stddef.h>

struct cache; /* store/cache.h */

#define MEMO_SLOTS 2048
#define MEMO_KEY_MAX 95
#define MEMO_VALUE_MAX 1023

/* Copies the live value of key into buf (bufsz bytes, NUL-terminated,
 * length in *len). Returns 1 on a hit, 0 on a miss or when it does not fit. */
int memo_get(const char *key, char *buf, size_t bufsz, size_t *len);

/* Remembers value (len bytes) under key for ttl_ms milliseconds, replacing
 * whatever shared its slot. Keys or values over the size limits and
 * ttl_ms <= 0 are not remembered. */
void memo_put(const char *key, const char *value, size_t len, long ttl_ms);

/* Forgets key in this process. */
void memo_forget(const char *key);

/* Forgets everything (tests, configuration reload). */
void memo_clear(void);

/* Looks key up in this process's memo (unless memo_ms is 0), then in
 * memcached; a memcached hit is memoized for memo_ms. Returns what
 * cache_get() does: 1 with the value in buf (NUL-terminated, length in
 * *len), 0 when absent or too long for bufsz, -1 on a memcached error. */
int memo_get_through(struct cache *c, const char *key, char *buf, size_t bufsz, size_t *len,
    long memo_ms);

/* Memoizes value (len bytes) for memo_ms and stores it in memcached for
 * ttl seconds (skipped when ttl < 1). Returns cache_set()'s result, 0
 * when skipped. */
int memo_set_through(struct cache *c, const char *key, const char *value, size_t len, long ttl,
    long memo_ms);

/* Forgets key in this process's memo and removes it from memcached.
 * Returns cache_delete()'s result: 0 (also when absent) or -1. */
int memo_delete_through(struct cache *c, const char *key);

#endif
