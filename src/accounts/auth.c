#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accounts/apikey.h"
#include "accounts/auth.h"
#include "core/log.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/memo.h"

/* Cached value: "key" and the identity's fields, tab-separated, or "none"
 * for a key that does not authenticate. */
#define CACHED_NONE "none"
#define CACHED_FIELDS 12

/* How long a revoked key's "none" is kept: longer than any lookup can be
 * in flight (db_statement_timeout_ms is at most 600 s, db_connect_timeout
 * at most 60 s), so that no lookup that read the key before its
 * revocation can store it after. */
#define REVOKED_TTL 3600

void auth_cache_key(const char *hash_hex, char *out, size_t outsz)
{
	snprintf(out, outsz, "dgm:key:%s", hash_hex);
}

/* Copies src into dst (dstsz bytes). Returns 0, or -1 when it does not
 * fit or is empty while required. */
static int copy_field(char *dst, size_t dstsz, const char *src, int required)
{
	size_t n = strlen(src);

	if (n >= dstsz || (required && n == 0))
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Returns the whole number s (0 to 10^9), or -1. */
static long count_field(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return end != s && *end == '\0' && v >= 0 && v <= 1000000000L ? v : -1;
}

/* Fills id from the CACHED_FIELDS strings f (id, workspace, role, prefix,
 * created_at, last_used_at, the minute, hour and day rate limits, exempt,
 * the scopes: "*" or a list, the monthly character quota). Returns 1, or -1
 * when one is unusable. */
static int identity_fill(struct identity *id, char *const *f)
{
	for (int i = 0; i < RATE_WINDOW__MAX; i++)
		if ((id->rate_limit[i] = count_field(f[6 + i])) < 0)
			return -1;
	id->rate_exempt = strcmp(f[9], "1") == 0;
	if (scope_list_parse(f[10], &id->scopes) < 0)
		return -1;
	id->char_quota = atoll(f[11]);
	if (id->char_quota < 0)
		return -1;
	id->role = role_parse(f[2]);
	if (strlen(f[0]) != UUID_STR_LEN || strlen(f[1]) != UUID_STR_LEN || id->role == ROLE__MAX ||
	    copy_field(id->key_id, sizeof(id->key_id), f[0], 1) < 0 ||
	    copy_field(id->workspace_id, sizeof(id->workspace_id), f[1], 1) < 0 ||
	    copy_field(id->key_prefix, sizeof(id->key_prefix), f[3], 1) < 0 ||
	    copy_field(id->key_created_at, sizeof(id->key_created_at), f[4], 1) < 0 ||
	    copy_field(id->key_last_used_at, sizeof(id->key_last_used_at), f[5], 0) < 0)
		return -1;
	id->authenticated = 1;
	return 1;
}

/* Parses a cached value (modified in place) into id. Returns 1 for a valid
 * identity, 0 for a negative entry, -1 for anything else. */
static int cached_parse(char *v, struct identity *id)
{
	char *f[CACHED_FIELDS + 1];
	int n = 0;

	if (strcmp(v, CACHED_NONE) == 0)
		return 0;
	if (strncmp(v, "key\t", 4) != 0)
		return -1;
	for (char *p = v + 4; n <= CACHED_FIELDS; n++) {
		f[n] = p;
		p = strchr(p, '\t');
		if (p == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	return n == CACHED_FIELDS ? identity_fill(id, f) : -1;
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
		char *f[CACHED_FIELDS];
		for (int i = 0; i < CACHED_FIELDS; i++)
			f[i] = PQgetvalue(res, 0, i);
		rc = identity_fill(id, f) == 1 ? 1 : -2;
	}
	PQclear(res);
	return rc;
}

const char *auth_token(const char *header, const char *scheme)
{
	size_t n = strlen(scheme);

	if (header == NULL || strncasecmp(header, scheme, n) != 0 || header[n] != ' ')
		return NULL;
	header += n;
	while (*header == ' ')
		header++;
	return header;
}

enum problem auth_bearer(struct worker *w, const char *authorization, struct identity *id,
    char *detail, size_t dsz)
{
	const char *token = auth_token(authorization, "Bearer");

	if (token == NULL) {
		memset(id, 0, sizeof(*id));
		snprintf(detail, dsz, "send 'Authorization: Bearer <api key>'");
		return PROBLEM_UNAUTHORIZED;
	}
	return auth_api_key(w, token, id, detail, dsz);
}

/* The lifetimes of a cached key lookup: the memo's (*memo_ms) is carved
 * out of key_cache_ttl, so that a key revoked behind the cache's back
 * stops within key_cache_ttl; memcached keeps it the rest (*mc_ttl). */
static void cache_times(const struct worker *w, long *memo_ms, long *mc_ttl)
{
	long ttl = w->cfg->key_cache_ttl;

	*memo_ms = w->cfg->local_cache_ms < ttl * 500 ? w->cfg->local_cache_ms : ttl * 500;
	*mc_ttl = ttl - (*memo_ms + 999) / 1000;
}

void auth_key_remember(struct worker *w, const char *hash_hex, const struct identity *id, int found)
{
	char ckey[96], val[512], scopes[96];
	long memo_ms, mc_ttl;
	int n;

	if (w->cfg->key_cache_ttl <= 0)
		return;
	cache_times(w, &memo_ms, &mc_ttl);
	auth_cache_key(hash_hex, ckey, sizeof(ckey));
	scope_list_format(id->scopes, scopes, sizeof(scopes));
	n = found
	    ? snprintf(val, sizeof(val), "key\t%s\t%s\t%s\t%s\t%s\t%s\t%ld\t%ld\t%ld\t%d\t%s\t%lld",
	          id->key_id, id->workspace_id, role_name(id->role), id->key_prefix,
	          id->key_created_at, id->key_last_used_at, id->rate_limit[RATE_MINUTE],
	          id->rate_limit[RATE_HOUR], id->rate_limit[RATE_DAY], id->rate_exempt, scopes,
	          id->char_quota)
	    : snprintf(val, sizeof(val), "%s", CACHED_NONE);
	/* add, never set: a revocation's "none" written since this lookup
	 * read the database stays (auth_key_forget()); only what memcached
	 * took (or could not be asked) is memoized */
	if (mc_ttl < 1 || cache_add(w->cache, ckey, val, mc_ttl) != 0)
		memo_put(ckey, val, (size_t)n, memo_ms);
}

int auth_key_forget(struct cache *c, const char *hash_hex)
{
	char ckey[96];

	auth_cache_key(hash_hex, ckey, sizeof(ckey));
	memo_forget(ckey);
	return cache_set(c, ckey, CACHED_NONE, strlen(CACHED_NONE), REVOKED_TTL);
}

enum problem auth_api_key(struct worker *w, const char *token, struct identity *id, char *detail,
    size_t dsz)
{
	char hash[APIKEY_HASH_HEX_LEN + 1], ckey[96], val[512];
	long memo_ms, mc_ttl;
	size_t len = 0;
	int found;

	memset(id, 0, sizeof(*id));
	if (!apikey_well_formed(token, strlen(token))) {
		snprintf(detail, dsz, "the API key is malformed");
		return PROBLEM_UNAUTHORIZED;
	}
	apikey_hash_hex(token, APIKEY_LEN, hash);
	auth_cache_key(hash, ckey, sizeof(ckey));
	cache_times(w, &memo_ms, &mc_ttl);
	if (w->cfg->key_cache_ttl > 0 &&
	    memo_get_through(w->cache, ckey, val, sizeof(val), &len, memo_ms) == 1 &&
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
	auth_key_remember(w, hash, id, found);
decided:
	if (!found) {
		snprintf(detail, dsz, "the API key is unknown or revoked");
		return PROBLEM_UNAUTHORIZED;
	}
	return PROBLEM_NONE;
}
