#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "apikey.h"
#include "auth.h"
#include "log.h"

/* Cached value: "key\t<key id>\t<workspace id>\t<role>", or "none" for a
 * key that does not authenticate. */
#define CACHED_NONE "none"

void auth_cache_key(const char *hash_hex, char *out, size_t outsz)
{
	snprintf(out, outsz, "dgm:key:%s", hash_hex);
}

/* Parses a cached value into id. Returns 1 for a valid identity, 0 for a
 * negative entry, -1 for anything else. */
static int cached_parse(const char *v, struct identity *id)
{
	char kid[64], wid[64], role[16];

	if (strcmp(v, CACHED_NONE) == 0)
		return 0;
	if (sscanf(v, "key\t%63[^\t]\t%63[^\t]\t%15s", kid, wid, role) != 3 ||
	    strlen(kid) != UUID_STR_LEN || strlen(wid) != UUID_STR_LEN ||
	    role_parse(role) == ROLE__MAX)
		return -1;
	memcpy(id->key_id, kid, UUID_STR_LEN + 1);
	memcpy(id->workspace_id, wid, UUID_STR_LEN + 1);
	id->role = role_parse(role);
	id->authenticated = 1;
	return 1;
}

/* Looks the key up in PostgreSQL (touching last_used_at at most once a
 * minute). Returns 1 found, 0 unknown/revoked, -1 unavailable, -2 error. */
static int db_lookup(struct worker *w, const char *hash_hex, struct identity *id)
{
	const char *params[] = { hash_hex };
	PGresult *res = db_exec(w->db, STMT_KEY_AUTHENTICATE, params);
	int rc;

	if (res == NULL)
		return -1;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg(LOG_LEVEL_ERROR, "key lookup: %s", PQresultErrorMessage(res));
		rc = -2;
	} else if (PQntuples(res) == 0) {
		rc = 0;
	} else {
		snprintf(id->key_id, sizeof(id->key_id), "%s", PQgetvalue(res, 0, 0));
		snprintf(id->workspace_id, sizeof(id->workspace_id), "%s", PQgetvalue(res, 0, 1));
		id->role = role_parse(PQgetvalue(res, 0, 2));
		id->authenticated = id->role != ROLE__MAX;
		rc = id->authenticated ? 1 : -2;
	}
	PQclear(res);
	return rc;
}

/* Returns a pointer to the token of "Bearer <token>" (scheme in any case,
 * one or more spaces), or NULL. */
static const char *bearer_token(const char *h)
{
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

enum problem auth_bearer(struct worker *w, const char *authorization,
    struct identity *id, char *detail, size_t dsz)
{
	char hash[APIKEY_HASH_HEX_LEN + 1], ckey[96], val[256];
	const char *token = bearer_token(authorization);
	size_t len = 0;
	int found;

	memset(id, 0, sizeof(*id));
	if (token == NULL) {
		snprintf(detail, dsz, "send 'Authorization: Bearer <api key>'");
		return PROBLEM_UNAUTHORIZED;
	}
	if (!apikey_well_formed(token, strlen(token))) {
		snprintf(detail, dsz, "the API key is malformed");
		return PROBLEM_UNAUTHORIZED;
	}
	apikey_hash_hex(token, APIKEY_LEN, hash);
	auth_cache_key(hash, ckey, sizeof(ckey));
	if (w->cfg->key_cache_ttl > 0 &&
	    cache_get(w->cache, ckey, val, sizeof(val), &len) == 1 &&
	    (found = cached_parse(val, id)) >= 0)
		goto decided;
	found = db_lookup(w, hash, id);
	if (found == -1) {
		snprintf(detail, dsz, "credentials cannot be checked right now");
		return PROBLEM_UNAVAILABLE;
	}
	if (found < 0) {
		snprintf(detail, dsz, "credentials cannot be checked");
		return PROBLEM_INTERNAL;
	}
	if (w->cfg->key_cache_ttl > 0) {
		int n = found ? snprintf(val, sizeof(val), "key\t%s\t%s\t%s", id->key_id,
		    id->workspace_id, role_name(id->role))
		    : snprintf(val, sizeof(val), "%s", CACHED_NONE);
		(void)cache_set(w->cache, ckey, val, (size_t)n, w->cfg->key_cache_ttl);
	}
decided:
	if (!found) {
		snprintf(detail, dsz, "the API key is unknown or revoked");
		return PROBLEM_UNAUTHORIZED;
	}
	return PROBLEM_NONE;
}
