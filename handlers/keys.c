/* The workspace's API keys, managed by its admin keys: POST /v1/keys
 * (the secret is shown once), GET /v1/keys, DELETE /v1/keys/{id}. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "accounts/apikey.h"
#include "accounts/auth.h"
#include "accounts/principal.h"
#include "core/log.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "store/db.h"
#include "handlers.h"

enum { F_NAME, F_ROLE, F_SCOPES, F_QUOTA };
static const struct param_spec create_fields[] = {
	[F_NAME] = { "name", PARAM_STRING, 0, 1, 100, 0 },
	[F_ROLE] = { "role", PARAM_STRING, 0, 1, 16, 0 },
	[F_SCOPES] = { "scopes", PARAM_TEXT_ARRAY, 0, 1, SCOPE__MAX - 1, 32 },
	[F_QUOTA] = { "monthly_character_quota", PARAM_INT, 0, 1, 999999999999LL, 0 },
	{ NULL, 0, 0, 0, 0, 0 }
};

/* 201 with the new key, its secret shown this once. Its role (member by
 * default) and scopes (the caller's by default) can be no more than the
 * caller's own, nor its monthly quota more than a calling key's (which it
 * gets by default, with the calling key's own rate limits): 403
 * otherwise. */
static enum problem keys_post(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *name = &r->fields[F_NAME], *role = &r->fields[F_ROLE];
	const struct param_value *quota_f = &r->fields[F_QUOTA];
	struct apikey_spec spec = { ROLE_MEMBER, name->present ? name->str : NULL, NULL,
	    r->ident.key_id[0] != '\0' ? r->ident.key_id : NULL, NULL };
	unsigned mask;
	char literal[96], err[256], quota[24];
	struct apikey_made made;
	struct json_object *o;
	enum problem p;

	if (role->present && (spec.role = role_parse(role->str)) != ROLE_MEMBER &&
	    spec.role != ROLE_ADMIN) {
		snprintf(rp->detail, sizeof(rp->detail), "role: member or admin");
		return PROBLEM_INVALID_FIELD;
	}
	p = principal_scopes(&r->fields[F_SCOPES], r->ident.scopes, &mask, rp->detail,
	    sizeof(rp->detail));
	if (p != PROBLEM_NONE)
		return p;
	if (spec.role > r->ident.role || (quota_f->present && r->ident.char_quota > 0 &&
	    quota_f->num > r->ident.char_quota)) {
		snprintf(rp->detail, sizeof(rp->detail), "a key cannot make a key with a higher role "
		    "or a larger monthly_character_quota than its own");
		return PROBLEM_FORBIDDEN;
	}
	if (quota_f->present) {
		snprintf(quota, sizeof(quota), "%lld", quota_f->num);
		spec.quota = quota;
	}
	spec.scopes = principal_scopes_literal(mask, literal, sizeof(literal));
	if (apikey_create(w->db, r->ident.workspace_id, &spec, &made, err, sizeof(err)) < 0) {
		log_msg(LOG_LEVEL_ERROR, "key create: %s", err);
		return PROBLEM_UNAVAILABLE;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(made.id));
	json_object_object_add(o, "name", spec.name ? json_object_new_string(spec.name) : NULL);
	json_object_object_add(o, "prefix", json_object_new_string_len(made.key, APIKEY_PREFIX_LEN));
	json_object_object_add(o, "role", json_object_new_string(role_name(spec.role)));
	json_object_object_add(o, "scopes", principal_scopes_json(mask));
	json_object_object_add(o, "restricted", json_object_new_boolean(spec.scopes != NULL));
	json_object_object_add(o, "monthly_character_quota", made.quota > 0
	    ? json_object_new_int64(made.quota) : NULL);
	json_object_object_add(o, "created_at", json_object_new_string(made.created_at));
	json_object_object_add(o, "key", json_object_new_string(made.key));
	reply_json(rp, 201, o);
	return PROBLEM_NONE;
}

/* Returns a new JSON string for a text column, null when it is NULL or
 * empty (caller owns it). */
static struct json_object *text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) || PQgetvalue(res, row, col)[0] == '\0' ? NULL
	    : json_object_new_string(PQgetvalue(res, row, col));
}

/* Returns the key of row res[row] of STMT_KEY_LIST as a new JSON object. */
static struct json_object *key_json(const PGresult *res, int row)
{
	struct json_object *o = json_object_new_object();
	unsigned mask = SCOPES_ALL;
	char list[96];

	if (!PQgetisnull(res, row, 7)) {
		/* '{translate,reports}': names hold no quotes or commas */
		snprintf(list, sizeof(list), "%.*s", (int)strcspn(PQgetvalue(res, row, 7) + 1, "}"),
		    PQgetvalue(res, row, 7) + 1);
		if (scope_list_parse(list, &mask) < 0)
			mask = 0;
	}
	json_object_object_add(o, "id", json_object_new_string(PQgetvalue(res, row, 0)));
	json_object_object_add(o, "name", text_or_null(res, row, 6));
	json_object_object_add(o, "prefix", json_object_new_string(PQgetvalue(res, row, 1)));
	json_object_object_add(o, "role", json_object_new_string(PQgetvalue(res, row, 2)));
	json_object_object_add(o, "scopes", principal_scopes_json(mask));
	json_object_object_add(o, "restricted", json_object_new_boolean(!PQgetisnull(res, row, 7)));
	json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(res, row, 3)));
	json_object_object_add(o, "last_used_at", text_or_null(res, row, 4));
	json_object_object_add(o, "revoked_at", text_or_null(res, row, 5));
	json_object_object_add(o, "monthly_character_quota", PQgetisnull(res, row, 8) ? NULL
	    : json_object_new_int64(db_num(res, row, 8)));
	json_object_object_add(o, "characters_this_month", json_object_new_int64(db_num(res, row, 9)));
	return o;
}

/* 200 with the workspace's keys, oldest first, revoked ones included;
 * never a secret. */
static enum problem keys_get(struct worker *w, struct request *r, struct reply *rp)
{
	const char *params[] = { r->ident.workspace_id };
	PGresult *res = db_exec(w->db, STMT_KEY_LIST, params);
	struct json_object *o, *list;

	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg(LOG_LEVEL_ERROR, "key list: %s", PQresultErrorMessage(res));
		PQclear(res);
		return PROBLEM_INTERNAL;
	}
	list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, key_json(res, i));
	PQclear(res);
	o = json_object_new_object();
	json_object_object_add(o, "keys", list);
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

/* 204 once the key is revoked: at once in memcached, within
 * local_cache_ms in every worker. 404 for a key that is not an active key
 * of this workspace (another workspace's looks the same). */
static enum problem keys_delete(struct worker *w, struct request *r, struct reply *rp)
{
	const char *params[] = { r->captures[0], r->ident.workspace_id };
	PGresult *res = db_exec(w->db, STMT_KEY_REVOKE_OWN, params);
	enum problem p = PROBLEM_NONE;

	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg(LOG_LEVEL_ERROR, "key revoke: %s", PQresultErrorMessage(res));
		p = PROBLEM_INTERNAL;
	} else if (PQntuples(res) == 0) {
		snprintf(rp->detail, sizeof(rp->detail), "no active key %.40s in this workspace",
		    r->captures[0]);
		p = PROBLEM_NOT_FOUND;
	} else {
		if (auth_key_forget(w->cache, PQgetvalue(res, 0, 1)) < 0)
			log_msg(LOG_LEVEL_WARN, "key %s revoked; memcached not reached, so it may work "
			    "for up to %lds more", PQgetvalue(res, 0, 0), w->cfg->key_cache_ttl);
		rp->status = 204;
	}
	PQclear(res);
	return p;
}

const struct route keys_routes[] = {
	{ .method = HTTP_POST, .pattern = "/v1/keys", .handler = keys_post, .auth = AUTH_KEY,
	  .min_role = ROLE_ADMIN, .body = BODY_JSON, .fields = create_fields, .name = "keys.create",
	  .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .method = HTTP_GET, .pattern = "/v1/keys", .handler = keys_get, .auth = AUTH_KEY,
	  .min_role = ROLE_ADMIN, .body = BODY_NONE, .name = "keys.list", .dialect = DIALECT_NATIVE,
	  .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .method = HTTP_DELETE, .pattern = "/v1/keys/{id}", .handler = keys_delete, .auth = AUTH_KEY,
	  .min_role = ROLE_ADMIN, .body = BODY_NONE, .name = "keys.revoke", .dialect = DIALECT_NATIVE,
	  .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .pattern = NULL }
};
