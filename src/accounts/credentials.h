/* Workspaces' own provider credentials, sealed at rest (src/accounts/secrets.c).
 * Workers read them only when they are about to call that provider; the
 * sealed form is cached in memcached, never the plain key. */
#ifndef DRAGOMAN_CREDENTIALS_H
#define DRAGOMAN_CREDENTIALS_H

#include <stddef.h>

#include "core/problem.h"

struct worker;

/* Writes workspace_id's own key for provider into out (outsz bytes).
 * Returns 1 when it has one, 0 when it has none, -1 when it cannot be
 * read (database down, its master key not loaded, or tampered with;
 * logged). */
int credentials_get(struct worker *w, const char *workspace_id, const char *provider, char *out,
    size_t outsz);

/* Seals and stores secret as workspace_id's key for provider, writing
 * its update time into updated_at (40 bytes). Returns PROBLEM_NONE,
 * PROBLEM_UNAVAILABLE (no master key, database down) or PROBLEM_INTERNAL. */
enum problem credentials_put(struct worker *w, const char *workspace_id, const char *provider,
    const char *secret, char *updated_at);

/* Removes workspace_id's key for provider. Returns PROBLEM_NONE,
 * PROBLEM_NOT_FOUND or PROBLEM_UNAVAILABLE. */
enum problem credentials_delete(struct worker *w, const char *workspace_id, const char *provider);

/* One of a workspace's own keys as listed: never the key. Every string is
 * borrowed for the duration of the callback. */
struct credential_row {
	const char *provider;
	const char *hint; /* the key's last 4 characters; NULL: none kept */
	const char *updated_at;
};

/* Called once per credential, in order. */
typedef void (*credential_row_fn)(const struct credential_row *c, void *arg);

/* Calls fn(row, arg) for each own key workspace_id has, by provider name.
 * Returns PROBLEM_NONE, or PROBLEM_UNAVAILABLE (fn not called). */
enum problem credentials_list(struct worker *w, const char *workspace_id, credential_row_fn fn,
    void *arg);

/* Writes the additional data a sealed credential is bound to into out. */
void credentials_aad(const char *workspace_id, const char *provider, char *out, size_t outsz);

/* Forgets the cached sealed credential (after a change). */
void credentials_forget(struct worker *w, const char *workspace_id, const char *provider);

/* Hex-decodes the sealed parts read from PostgreSQL or memcached into s.
 * Returns 0 or -1. */
struct sealed;
int credentials_sealed_parse(const char *key_id, const char *nonce_hex, const char *data_hex,
    struct sealed *s);

#endif
