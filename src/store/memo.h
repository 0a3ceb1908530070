/* A small per-process memo in front of memcached for hot, small values
 * that rarely or never change (key identities, workspace records, cached
 * translations). Never
 * authoritative: entries live at most their TTL (local_cache_ms, about a
 * second), losing it loses nothing, and no other process needs to see it. */
#ifndef DRAGOMAN_MEMO_H
#define DRAGOMAN_MEMO_H

#include <stddef.h>

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

#endif
