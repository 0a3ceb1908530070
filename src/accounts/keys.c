#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "accounts/auth.h"
#include "accounts/keys.h"
#include "accounts/principal.h"
#include "core/log.h"
#include "proc/worker.h"
#include "store/db.h"

enum problem keys_create(struct worker *w, const struct identity *maker,
    const struct key_request *req, struct key_created *out, char *detail, size_t dsz)
{
	struct apikey_spec spec = { ROLE_MEMBER, req->name, NULL,
		maker->key_id[0] != '\0' ? maker->key_id : NULL, NULL };
	char literal[96], err[256], quota[24];
	enum problem p;

	if (req->role != NULL && (spec.role = role_parse(req->role)) != ROLE_MEMBER &&
	    spec.role != ROLE_ADMIN) {
		snprintf(detail, dsz, "role: member or admin");
		return PROBLEM_INVALID_FIELD;
	}
	p = principal_scopes(req->scopes, maker->scopes, &out->scopes, detail, dsz);
	if (p != PROBLEM_NONE)
		return p;
	if (spec.role > maker->role ||
	    (req->quota > 0 && maker->char_quota > 0 && req->quota > maker->char_quota)) {
		snprintf(detail, dsz,
		    "a key cannot make a key with a higher role "
		    "or a larger monthly_character_quota than its own");
		return PROBLEM_FORBIDDEN;
	}
	if (req->quota > 0) {
		snprintf(quota, sizeof(quota), "%lld", req->quota);
		spec.quota = quota;
	}
	spec.scopes = principal_scopes_literal(out->scopes, literal, sizeof(literal));
	if (apikey_create(w->db, maker->workspace_id, &spec, &out->made, err, sizeof(err)) < 0) {
		log_msg(LOG_LEVEL_ERROR, "key create: %s", err);
		return PROBLEM_UNAVAILABLE;
	}
	out->role = spec.role;
	out->restricted = spec.scopes != NULL;
	return PROBLEM_NONE;
}

/* Returns column col of row of res, or NULL when it is NULL or empty
 * (borrowed from res). */
static const char *text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) || PQgetvalue(res, row, col)[0] == '\0'
	    ? NULL
	    : PQgetvalue(res, row, col);
}

/* Fills k from row of STMT_KEY_LIST's res (its strings borrowed from res). */
static void key_row_read(const PGresult *res, int row, struct key_row *k)
{
	char list[96];

	k->scopes = SCOPES_ALL;
	k->restricted = !PQgetisnull(res, row, 7);
	if (k->restricted) {
		/* '{translate,reports}': names hold no quotes or commas */
		snprintf(list, sizeof(list), "%.*s", (int)strcspn(PQgetvalue(res, row, 7) + 1, "}"),
		    PQgetvalue(res, row, 7) + 1);
		if (scope_list_parse(list, &k->scopes) < 0)
			k->scopes = 0;
	}
	k->id = PQgetvalue(res, row, 0);
	k->prefix = PQgetvalue(res, row, 1);
	k->role = PQgetvalue(res, row, 2);
	k->created_at = PQgetvalue(res, row, 3);
	k->last_used_at = text_or_null(res, row, 4);
	k->revoked_at = text_or_null(res, row, 5);
	k->name = text_or_null(res, row, 6);
	k->has_quota = !PQgetisnull(res, row, 8);
	k->quota = db_num(res, row, 8);
	k->characters_this_month = db_num(res, row, 9);
}

enum problem keys_list(struct worker *w, const char *workspace_id, key_row_fn fn, void *arg)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_KEY_LIST, params);
	struct key_row k;

	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg(LOG_LEVEL_ERROR, "key list: %s", PQresultErrorMessage(res));
		PQclear(res);
		return PROBLEM_INTERNAL;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		key_row_read(res, i, &k);
		fn(&k, arg);
	}
	PQclear(res);
	return PROBLEM_NONE;
}

enum problem keys_revoke(struct worker *w, const char *workspace_id, const char *key_id,
    char *detail, size_t dsz)
{
	const char *params[] = { key_id, workspace_id };
	PGresult *res = db_exec(w->db, STMT_KEY_REVOKE_OWN, params);
	enum problem p = PROBLEM_NONE;

	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg(LOG_LEVEL_ERROR, "key revoke: %s", PQresultErrorMessage(res));
		p = PROBLEM_INTERNAL;
	} else if (PQntuples(res) == 0) {
		snprintf(detail, dsz, "no active key %.40s in this workspace", key_id);
		p = PROBLEM_NOT_FOUND;
	} else if (auth_key_forget(w->cache, PQgetvalue(res, 0, 1)) < 0) {
		log_msg(LOG_LEVEL_WARN,
		    "key %s revoked; memcached not reached, so it may work "
		    "for up to %lds more",
		    PQgetvalue(res, 0, 0), w->cfg->key_cache_ttl);
	}
	PQclear(res);
	return p;
}
