/* API keys: "dgm_" + 8 hex digits (the visible prefix) + "_" + 48 hex
 * digits of secret (192 bits). Only the SHA-256 of the whole key is
 * stored. */
#ifndef DRAGOMAN_APIKEY_H
#define DRAGOMAN_APIKEY_H

#include <stddef.h>

#include "core/identity.h"

struct db;

#define APIKEY_LEN 61
#define APIKEY_PREFIX_LEN 12
#define APIKEY_HASH_HEX_LEN 64

/* Writes a new random key into key and its visible prefix into prefix.
 * Returns 0, or -1 when no randomness was available. */
int apikey_generate(char key[APIKEY_LEN + 1], char prefix[APIKEY_PREFIX_LEN + 1])
    __attribute__((warn_unused_result));

/* Returns 1 when s (len bytes) has the exact form of a key, else 0. */
int apikey_well_formed(const char *s, size_t len);

/* Writes the lowercase hex SHA-256 of key (len bytes) into out. */
void apikey_hash_hex(const char *key, size_t len, char out[APIKEY_HASH_HEX_LEN + 1]);

/* What a new key is: its role, and optionally a name, its scopes (as a
 * PostgreSQL array literal, "{translate,reports}"; NULL: every scope) and
 * the key that made it (NULL: an operator or a user), whose monthly quota
 * bounds the new key's and whose own rate limits it gets (unless that key
 * is exempt). All borrowed. */
struct apikey_spec {
	enum key_role role;
	const char *name;
	const char *scopes;
	const char *created_by;
	const char *quota; /* monthly characters, as text; NULL: none */
};

/* A key as created: the secret (shown once, never stored), its id,
 * creation time and monthly character quota (0: none). */
struct apikey_made {
	char key[APIKEY_LEN + 1];
	char id[UUID_STR_LEN + 1];
	char created_at[TIMESTAMP_MAX + 1];
	long long quota;
};

/* Creates the key spec describes for workspace_id into *out. Returns 0,
 * or -1 with a message in err. */
int apikey_create(struct db *db, const char *workspace_id, const struct apikey_spec *spec,
    struct apikey_made *out, char *err, size_t errsz) __attribute__((warn_unused_result));

#endif
