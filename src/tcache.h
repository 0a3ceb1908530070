/* The translation cache: memcached (hot, TRANSLATION_CACHE_TTL) in front
 * of PostgreSQL (long-term), keyed by the SHA-256 of everything that
 * decides a translation: source, target, format, context and the text. */
#ifndef DRAGOMAN_TCACHE_H
#define DRAGOMAN_TCACHE_H

#include <stddef.h>

#include "worker.h"

#define TRANSLATION_CACHE_TTL 86400

/* One text of a request. key and the inputs are set by tcache_prepare();
 * on a hit, tcache_lookup() sets hit and the owned translated/provider/
 * model. */
struct tcache_entry {
	char key[65];
	const char *text;           /* borrowed */
	int hit;
	char *translated;           /* owned; NULL until known */
	char provider[32];
	char model[64];
};

/* Computes the keys of the n entries for one request. */
void tcache_prepare(struct tcache_entry *e, size_t n, const char *source,
    const char *target, const char *format, const char *context);

/* Fills the hits of e[0..n): this process's memo (local_cache_ms), then
 * memcached (one round trip for all), then one PostgreSQL query
 * for the rest (those found there are copied into memcached). A pinned
 * provider (NULL: any) only accepts its own translations. Cache faults
 * count as misses. Returns the number of hits. */
size_t tcache_lookup(struct worker *w, struct tcache_entry *e, size_t n, const char *provider);

/* Stores the translations of the entries that were not hits in memcached
 * and PostgreSQL (failures are logged, never fatal). */
void tcache_store(struct worker *w, const struct tcache_entry *e, size_t n,
    const char *source, const char *target, const char *format);

/* Frees what the entries own. */
void tcache_release(struct tcache_entry *e, size_t n);

#endif
