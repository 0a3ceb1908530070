/* A workspace's API keys as its admins manage them (POST, GET and DELETE
 * /v1/keys): a new key is no stronger than the key that makes it, the
 * list never holds a secret, and a revoked key stops in every worker. */
#ifndef DRAGOMAN_KEYS_H
#define DRAGOMAN_KEYS_H

#include <stddef.h>

#include "accounts/apikey.h"
#include "core/identity.h"
#include "core/params.h"
#include "core/problem.h"

struct worker;

/* What the caller asks for, all borrowed. */
struct key_request {
	const char *name; /* NULL: none */
	const char *role; /* NULL: member */
	const struct param_value *scopes; /* the validated "scopes" field */
	long long quota; /* monthly characters (>= 1); 0: not asked */
};

/* A key as made: its secret (shown once), id, creation time and quota,
 * with the role and scopes it got. */
struct key_created {
	struct apikey_made made;
	enum key_role role;
	unsigned scopes; /* bit (1 << scope) per scope held */
	int restricted; /* made with fewer than every scope */
};

/* Makes the key req asks for in maker's workspace, on behalf of maker
 * (its calling key, if any, becomes the new key's creator). The role is
 * member or admin (member by default), the scopes the maker's by
 * default, and neither the role nor the scopes nor the quota can exceed
 * the maker's. Returns PROBLEM_NONE with out filled; PROBLEM_INVALID_FIELD
 * or PROBLEM_FORBIDDEN with detail set; PROBLEM_UNAVAILABLE (logged) when
 * the key could not be stored. */
enum problem keys_create(struct worker *w, const struct identity *maker,
    const struct key_request *req, struct key_created *out, char *detail, size_t dsz);

/* One key of a workspace as listed. Every string is borrowed for the
 * duration of the callback. */
struct key_row {
	const char *id, *prefix, *role, *created_at;
	const char *name; /* NULL: none */
	const char *last_used_at; /* NULL: never used */
	const char *revoked_at; /* NULL: active */
	unsigned scopes; /* bit (1 << scope) per scope held */
	int restricted; /* made with a list of scopes */
	int has_quota; /* quota applies */
	long long quota; /* monthly characters */
	long long characters_this_month; /* used in the current UTC month */
};

/* Called once per key, in order. */
typedef void (*key_row_fn)(const struct key_row *k, void *arg);

/* Calls fn(row, arg) for each key of workspace_id, oldest first, revoked
 * ones included. Returns PROBLEM_NONE, PROBLEM_UNAVAILABLE (database not
 * reached) or PROBLEM_INTERNAL (logged); fn is not called on failure. */
enum problem keys_list(struct worker *w, const char *workspace_id, key_row_fn fn, void *arg);

/* Revokes key_id, an active key of workspace_id: at once in memcached,
 * within local_cache_ms in every worker (a warning is logged when
 * memcached was not reached). Returns PROBLEM_NONE; PROBLEM_NOT_FOUND
 * with detail set when it is no active key of this workspace (another
 * workspace's looks the same); PROBLEM_UNAVAILABLE or PROBLEM_INTERNAL
 * (logged). */
enum problem keys_revoke(struct worker *w, const char *workspace_id, const char *key_id,
    char *detail, size_t dsz);

#endif
