#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "accounts/apikey.h"
#include "core/random.h"
#include "store/db.h"

int apikey_generate(char key[APIKEY_LEN + 1], char prefix[APIKEY_PREFIX_LEN + 1])
{
	unsigned char raw[4 + 24];
	char hex[2 * sizeof(raw) + 1];

	if (random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	hex_encode(raw, sizeof(raw), hex);
	snprintf(key, APIKEY_LEN + 1, "dgm_%.8s_%s", hex, hex + 8);
	snprintf(prefix, APIKEY_PREFIX_LEN + 1, "dgm_%.8s", hex);
	return 0;
}

int apikey_well_formed(const char *s, size_t len)
{
	return len == APIKEY_LEN && memcmp(s, "dgm_", 4) == 0 && s[12] == '_' &&
	    hex_is_lower(s + 4, 8) && hex_is_lower(s + 13, 48);
}

void apikey_hash_hex(const char *key, size_t len, char out[APIKEY_HASH_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		memset(md, 0, sizeof(md));
	hex_encode(md, 32, out);
}

int apikey_create(struct db *db, const char *workspace_id, const struct apikey_spec *spec,
    struct apikey_made *out, char *err, size_t errsz)
{
	char prefix[APIKEY_PREFIX_LEN + 1], hash[APIKEY_HASH_HEX_LEN + 1];
	PGresult *res;
	int rc = -1;

	if (apikey_generate(out->key, prefix) < 0) {
		snprintf(err, errsz, "no randomness available");
		return -1;
	}
	apikey_hash_hex(out->key, APIKEY_LEN, hash);
	const char *params[] = { workspace_id, prefix, hash, role_name(spec->role), spec->name,
		spec->scopes, spec->created_by, spec->quota };
	res = db_exec(db, STMT_KEY_INSERT, params);
	if (res == NULL)
		snprintf(err, errsz, "database unavailable: %s", db_error(db));
	else if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		snprintf(err, errsz, "cannot create key: %s", PQresultErrorMessage(res));
	else {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->created_at, sizeof(out->created_at), "%s", PQgetvalue(res, 0, 1));
		out->quota = db_num(res, 0, 2);
		rc = 0;
	}
	PQclear(res);
	return rc;
}
