/* The translation cache: this process's memo (local_cache_ms) and
 * memcached (hot, for cache_ttl) in front of PostgreSQL (long-term),
 * keyed by the SHA-256 of everything that decides a translation: provider
 * family, scope (a workspace, or global), source, target, format, context
 * and the text. The walk of one batch through it is told at the top of
 * tcache.c. */
#ifndef DRAGOMAN_TCACHE_H
#define DRAGOMAN_TCACHE_H

#include <stddef.h>

#include <json-c/json.h>

#include "proc/worker.h"

/* One text of a request. key and the inputs are set by tcache_prepare();
 * on a hit, tcache_lookup() sets hit and the owned translated/provider/
 * model. */
struct tcache_entry {
	char key[65];
	const char *text; /* borrowed */
	int hit;
	int degraded; /* a hit of a provider not asked for */
	char *translated; /* owned; NULL until known */
	char provider[32];
	char model[64];
};

/* What decides a translation besides its text. scope is "" for the
 * cache shared by all workspaces, else a workspace id. */
struct tcache_query {
	const char *family; /* provider name */
	const char *scope;
	const char *source;
	const char *target;
	const char *format; /* "text" or "html" */
	const char *context; /* "" when none */
};

/* Computes the keys of the entries of e[0..n) that are not hits yet. */
void tcache_prepare(struct tcache_entry *e, size_t n, const struct tcache_query *q);

/* Fills the hits among the entries of e[0..n) not hit yet: this process's
 * memo (local_cache_ms), then memcached (one round trip for all), then
 * one PostgreSQL query for the rest (those found there are copied into
 * memcached). Hits from PostgreSQL add one to the row's hit counter, one
 * in TCACHE_HIT_SAMPLE of the others adds TCACHE_HIT_SAMPLE. Cache faults
 * count as misses. Returns the number of new hits. */
size_t tcache_lookup(struct worker *w, struct tcache_entry *e, size_t n);

#define TCACHE_HIT_SAMPLE 64

/* Stores the translations of the entries that were not hits in memcached
 * and PostgreSQL (failures are logged, never fatal). */
void tcache_store(struct worker *w, const struct tcache_entry *e, size_t n,
    const struct tcache_query *q);

/* Copies the limit most-hit translations from PostgreSQL into memcached.
 * Returns how many, or -1 when they could not be read. */
long tcache_warm(struct worker *w, long limit);

/* Returns the cache statistics of the translation requests of workspace
 * workspace_id (NULL: of all, and then also the long-term table's and
 * memcached's own counters) over the last hours, as a new JSON object
 * (caller owns): requests, segments, hits (cached segments), misses and
 * hit_rate. NULL when PostgreSQL cannot be read. */
struct json_object *tcache_stats(struct worker *w, const char *workspace_id, long hours);

/* Frees what the entries own. */
void tcache_release(struct tcache_entry *e, size_t n);

#endif
