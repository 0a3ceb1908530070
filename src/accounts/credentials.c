#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "accounts/credentials.h"
#include "accounts/secrets.h"
#include "core/log.h"
#include "core/random.h"
#include "proc/worker.h"
#include "store/db.h"
#include "store/memo.h"

#define CRED_CACHE_TTL 60
#define CRED_NONE "none"

void credentials_aad(const char *workspace_id, const char *provider, char *out, size_t outsz)
{
	snprintf(out, outsz, "dragoman:provider-credential:%s:%s", workspace_id, provider);
}

/* Writes the memcached key of the sealed credential into out (128 bytes). */
static void cred_key(const char *workspace_id, const char *provider, char *out)
{
	snprintf(out, 128, "dgm:cred:%s:%s", workspace_id, provider);
}

void credentials_forget(struct worker *w, const char *workspace_id, const char *provider)
{
	char k[128];

	cred_key(workspace_id, provider, k);
	(void)memo_delete_through(w->cache, k);
}

int credentials_sealed_parse(const char *key_id, const char *nonce_hex, const char *data_hex,
    struct sealed *s)
{
	size_t n = strlen(data_hex) / 2;

	if (strlen(key_id) != SECRETS_KEY_ID_LEN || n > sizeof(s->data) ||
	    strlen(nonce_hex) != 2 * SECRETS_NONCE_LEN || strlen(data_hex) != 2 * n ||
	    hex_decode(nonce_hex, SECRETS_NONCE_LEN, s->nonce) < 0 ||
	    hex_decode(data_hex, n, s->data) < 0)
		return -1;
	memcpy(s->key_id, key_id, SECRETS_KEY_ID_LEN + 1);
	s->len = n;
	return 0;
}

/* Reads the sealed credential into val ("none" when there is none):
 * memcached (and this process's memo), else PostgreSQL, then cached.
 * Returns 0, or -1 when the database cannot be read. */
static int sealed_fetch(struct worker *w, const char *ws, const char *provider, char *val,
    size_t valsz)
{
	const char *params[] = { ws, provider };
	char k[128];
	size_t len = 0;
	PGresult *res;
	int n;

	cred_key(ws, provider, k);
	if (memo_get_through(w->cache, k, val, valsz, &len, w->cfg->local_cache_ms) == 1)
		return 0;
	res = db_exec(w->db, STMT_CRED_GET, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	n = PQntuples(res) == 1 ? snprintf(val, valsz, "%s:%s:%s", PQgetvalue(res, 0, 0),
	                              PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2))
	                        : snprintf(val, valsz, "%s", CRED_NONE);
	PQclear(res);
	if (n < 0 || (size_t)n >= valsz)
		return -1;
	(void)memo_set_through(w->cache, k, val, (size_t)n, CRED_CACHE_TTL, w->cfg->local_cache_ms);
	return 0;
}

int credentials_get(struct worker *w, const char *workspace_id, const char *provider, char *out,
    size_t outsz)
{
	char val[2 * (SECRET_MAX + SECRETS_TAG_LEN) + 64], aad[160], err[256];
	char plain[SECRET_MAX + 1], *nonce, *data;
	struct sealed s;
	long n;

	if (workspace_id == NULL || workspace_id[0] == '\0')
		return 0;
	if (sealed_fetch(w, workspace_id, provider, val, sizeof(val)) < 0)
		return -1;
	if (strcmp(val, CRED_NONE) == 0)
		return 0;
	nonce = strchr(val, ':');
	data = nonce != NULL ? strchr(nonce + 1, ':') : NULL;
	if (data == NULL)
		return -1;
	*nonce++ = '\0';
	*data++ = '\0';
	if (secrets_load(w->cfg->master_keys_file, err, sizeof(err)) < 0) {
		log_msg(LOG_LEVEL_ERROR, "workspace %s has its own %s key, but %s", workspace_id,
		    provider, err);
		return -1;
	}
	credentials_aad(workspace_id, provider, aad, sizeof(aad));
	if (credentials_sealed_parse(val, nonce, data, &s) < 0 ||
	    (n = secrets_open(aad, &s, plain)) < 0 || (size_t)n >= outsz) {
		log_msg(LOG_LEVEL_ERROR,
		    "workspace %s: its own %s key cannot be opened (master key %s "
		    "not loaded, or the row was altered)",
		    workspace_id, provider, val);
		return -1;
	}
	memcpy(out, plain, (size_t)n + 1);
	OPENSSL_cleanse(plain, sizeof(plain));
	return 1;
}

enum problem credentials_put(struct worker *w, const char *workspace_id, const char *provider,
    const char *secret, char *updated_at)
{
	char aad[160], err[256], nonce[2 * SECRETS_NONCE_LEN + 1],
	    data[2 * sizeof(((struct sealed *)0)->data) + 1];
	char hint[5];
	const char *params[] = { workspace_id, provider, NULL, nonce, data, hint };
	size_t n = strlen(secret);
	struct sealed s;
	PGresult *res;
	enum problem p = PROBLEM_NONE;

	if (secrets_load(w->cfg->master_keys_file, err, sizeof(err)) < 0) {
		log_msg(LOG_LEVEL_ERROR, "provider credentials: %s", err);
		return PROBLEM_UNAVAILABLE;
	}
	credentials_aad(workspace_id, provider, aad, sizeof(aad));
	if (secrets_seal(aad, secret, n, &s) < 0)
		return PROBLEM_INTERNAL;
	hex_encode(s.nonce, SECRETS_NONCE_LEN, nonce);
	hex_encode(s.data, s.len, data);
	snprintf(hint, sizeof(hint), "%s", n >= 8 ? secret + n - 4 : "");
	params[2] = s.key_id;
	res = db_exec(w->db, STMT_CRED_PUT, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		p = PROBLEM_UNAVAILABLE;
	else
		snprintf(updated_at, 40, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	OPENSSL_cleanse(&s, sizeof(s));
	credentials_forget(w, workspace_id, provider);
	return p;
}

enum problem credentials_delete(struct worker *w, const char *workspace_id, const char *provider)
{
	const char *params[] = { workspace_id, provider };
	PGresult *res = db_exec(w->db, STMT_CRED_DELETE, params);
	enum problem p = res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK ? PROBLEM_UNAVAILABLE
	    : PQntuples(res) == 0                                              ? PROBLEM_NOT_FOUND
	                                                                       : PROBLEM_NONE;

	PQclear(res);
	credentials_forget(w, workspace_id, provider);
	return p;
}

enum problem credentials_list(struct worker *w, const char *workspace_id, credential_row_fn fn,
    void *arg)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_CRED_LIST, params);
	struct credential_row c;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return PROBLEM_UNAVAILABLE;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		c.provider = PQgetvalue(res, i, 0);
		c.hint = PQgetvalue(res, i, 1)[0] != '\0' ? PQgetvalue(res, i, 1) : NULL;
		c.updated_at = PQgetvalue(res, i, 2);
		fn(&c, arg);
	}
	PQclear(res);
	return PROBLEM_NONE;
}
