/* Authentication of "Authorization: Bearer <api key>": looked up by the
 * key's SHA-256, cached in memcached for at most key_cache_ttl seconds. */
#ifndef DRAGOMAN_AUTH_H
#define DRAGOMAN_AUTH_H

#include <stddef.h>

#include "core/identity.h"
#include "core/problem.h"
#include "proc/worker.h"

/* Fills id from the header value authorization (may be NULL).
 * Returns PROBLEM_NONE, PROBLEM_UNAUTHORIZED (missing, malformed, unknown
 * or revoked key), or PROBLEM_UNAVAILABLE / PROBLEM_INTERNAL when the key
 * could not be checked; detail is set on failure. */
enum problem auth_bearer(struct worker *w, const char *authorization, struct identity *id,
    char *detail, size_t dsz);

/* Authenticates the API key token itself (from whatever carried it).
 * Same results as auth_bearer(). */
enum problem auth_api_key(struct worker *w, const char *token, struct identity *id, char *detail,
    size_t dsz);

/* Returns the credentials of the header value "<scheme> <token>" (scheme
 * in any case, one or more spaces), borrowed from header, or NULL when
 * header is NULL or names another scheme. */
const char *auth_token(const char *header, const char *scheme);

/* Writes the memcached key under which the key with hash_hex is cached
 * into out (outsz >= 80). */
void auth_cache_key(const char *hash_hex, char *out, size_t outsz);

/* Caches what a database lookup of the key with hash_hex found: id when
 * found is 1, a negative entry when 0 (nothing when key_cache_ttl is 0).
 * It never replaces an entry already in memcached, so a revocation's
 * mark (auth_key_forget()) outlives every lookup that was in flight.
 * This is the second half of auth_api_key(), exposed so that a test can
 * replay a lookup that was in flight. */
void auth_key_remember(struct worker *w, const char *hash_hex, const struct identity *id,
    int found);

/* Marks the key with hash_hex revoked in memcached (an hour, which no
 * lookup outlasts) and forgets it in this process's memo: every worker
 * refuses it once its own memo (local_cache_ms) is spent. Call after the
 * revocation is committed. Returns 0, or -1 when memcached was not reached
 * (then it may work for up to key_cache_ttl). */
int auth_key_forget(struct cache *c, const char *hash_hex);

#endif
