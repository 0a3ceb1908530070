/* Authentication of "Authorization: Bearer <api key>": looked up by the
 * key's SHA-256, cached in memcached for at most key_cache_ttl seconds. */
#ifndef DRAGOMAN_AUTH_H
#define DRAGOMAN_AUTH_H

#include <stddef.h>

#include "identity.h"
#include "problem.h"
#include "worker.h"

/* Fills id from the header value authorization (may be NULL).
 * Returns PROBLEM_NONE, PROBLEM_UNAUTHORIZED (missing, malformed, unknown
 * or revoked key), or PROBLEM_UNAVAILABLE / PROBLEM_INTERNAL when the key
 * could not be checked; detail is set on failure. */
enum problem auth_bearer(struct worker *w, const char *authorization,
    struct identity *id, char *detail, size_t dsz);

/* Writes the memcached key under which the key with hash_hex is cached
 * into out (outsz >= 80). */
void auth_cache_key(const char *hash_hex, char *out, size_t outsz);

#endif
