/* The memcached client: one handle per process (binary protocol, server
 * list from the configuration). Failures are reported to the caller, which
 * treats the cache as empty; a change between up and down is logged once.
 * The per-process memo in front of it is store/memo.h. */
#ifndef DRAGOMAN_CACHE_H
#define DRAGOMAN_CACHE_H

#include <stddef.h>

struct cache;

/* Returns a handle for the comma-separated "host:port" list servers, or
 * NULL (message in err) when the list is malformed. Free with cache_close(). */
struct cache *cache_open(const char *servers, long timeout_ms, char *err, size_t errsz)
    __attribute__((warn_unused_result));

/* Looks key up. Returns 1 with the value copied into buf (NUL-terminated,
 * length in *len), 0 when absent or longer than bufsz - 1, -1 on error. */
int cache_get(struct cache *c, const char *key, char *buf, size_t bufsz, size_t *len);

/* Looks the n keys up in one round trip. values[i] becomes a new string
 * (caller frees) for each key found, NULL otherwise. Returns the number
 * found, or -1 on error (then every values[i] is NULL). */
int cache_get_multi(struct cache *c, const char *const *keys, size_t n, char **values);

/* Stores value (len bytes) under key for ttl seconds. Returns 0 or -1. */
int cache_set(struct cache *c, const char *key, const char *value, size_t len, long ttl);

/* Adds 1 to the counter key, creating it at 1 with a lifetime of ttl
 * seconds. Returns the new value, or -1 on error. */
long cache_incr(struct cache *c, const char *key, long ttl);

/* Adds n (> 0) to the counter key, creating it at n with a lifetime of ttl
 * seconds. Returns the new value, or -1 on error. */
long cache_incr_by(struct cache *c, const char *key, long n, long ttl);

/* Takes 1 from the counter key (never below 0). Returns the new value, or
 * -1 on error or when key is absent. */
long cache_decr(struct cache *c, const char *key);

/* Takes n (> 0) from the counter key (never below 0). As cache_decr(). */
long cache_decr_by(struct cache *c, const char *key, long n);

/* Stores value under key for ttl seconds only if key is absent. Returns 1
 * when stored, 0 when the key existed, -1 on error. */
int cache_add(struct cache *c, const char *key, const char *value, long ttl);

/* Removes key from memcached (memo_delete_through() also forgets it in
 * this process's memo). Returns 0 (also when it was absent) or -1. */
int cache_delete(struct cache *c, const char *key);

/* memcached's own counters, summed over the servers. */
struct cache_server_stats {
	unsigned long long get_hits, get_misses, curr_items, bytes, evictions;
	unsigned servers_up, servers;
};

/* Fills out from every server's "stats". Returns 0, or -1 when no server
 * answered. */
int cache_server_stats(struct cache *c, struct cache_server_stats *out);

/* Returns 1 when every server answers, else 0. */
int cache_ping(struct cache *c);

/* Frees c; NULL is allowed. */
void cache_close(struct cache *c);

#endif
