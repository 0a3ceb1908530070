/* Workspaces: the billing and tenancy unit that API keys belong to. */
#ifndef DRAGOMAN_WORKSPACE_H
#define DRAGOMAN_WORKSPACE_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/identity.h"
#include "core/problem.h"
#include "proc/worker.h"

struct db;

/* Builds {"workspace":{id,name,plan,created_at,providers,time_zone},"key":{id,prefix,role,
 * created_at,last_used_at}} for the caller id into *out (caller owns it).
 * The workspace record comes from this process's memo (local_cache_ms)
 * or memcached (WORKSPACE_CACHE_TTL seconds, dropped on every change),
 * else from PostgreSQL; other workers see a change within local_cache_ms. Returns PROBLEM_NONE, PROBLEM_UNAUTHORIZED (workspace
 * gone), PROBLEM_UNAVAILABLE or PROBLEM_INTERNAL. */
enum problem workspace_describe(struct worker *w, const struct identity *id,
    struct json_object **out);

/* Changes workspace_id's name (NULL: kept), provider order (a
 * comma-separated list of known names; "" for the server's; NULL: kept),
 * both already validated, and time zone (NULL: kept), and drops its
 * cached record. Returns PROBLEM_NONE, PROBLEM_INVALID_FIELD (a time zone
 * PostgreSQL does not know), PROBLEM_NOT_FOUND, PROBLEM_UNAVAILABLE or
 * PROBLEM_INTERNAL. */
enum problem workspace_update(struct worker *w, const char *workspace_id, const char *name,
    const char *providers, const char *time_zone);

/* Writes workspace_id's time zone (an IANA name, "UTC" by default) into
 * buf, from the cached record when there. Returns 0, or -1 when the
 * record cannot be had. */
int workspace_time_zone(struct worker *w, const char *workspace_id, char *buf, size_t bufsz);

/* Writes workspace_id's own provider order (comma-separated; "" when it
 * has none) into buf, from the cached record when there. Returns 0, or -1
 * when the record cannot be had. */
int workspace_providers(struct worker *w, const char *workspace_id, char *buf, size_t bufsz);

#define WORKSPACE_CACHE_TTL 60

/* Writes the memcached key of workspace_id's record into out (outsz >= 64). */
void workspace_cache_key(const char *workspace_id, char *out, size_t outsz);

/* Returns 1 when plan names a plan (freemium, pro, enterprise), else 0. */
int workspace_plan_valid(const char *plan);

/* Creates a workspace with its first (admin) API key in one transaction.
 * Returns 0 with the new workspace id and key written, or -1 with a
 * message in err. */
int workspace_create(struct db *db, const char *name, const char *plan, char id[UUID_STR_LEN + 1],
    char *key, size_t keysz, char *err, size_t errsz) __attribute__((warn_unused_result));

#endif
