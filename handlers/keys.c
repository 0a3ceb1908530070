/* The workspace's API keys, managed by its admin keys: POST /v1/keys
 * (the secret is shown once), GET /v1/keys, DELETE /v1/keys/{id}. */
#include "autoconfig.h"

#include "accounts/keys.h"
#include "accounts/principal.h"
#include "core/reply.h"
#include "handlers.h"

enum {
	F_NAME,
	F_ROLE,
	F_SCOPES,
	F_QUOTA
};
static const struct param_spec create_fields[] = {
	[F_NAME] = { "name", PARAM_STRING, 0, 1, 100, 0 },
	[F_ROLE] = { "role", PARAM_STRING, 0, 1, 16, 0 },
	[F_SCOPES] = { "scopes", PARAM_TEXT_ARRAY, 0, 1, SCOPE__MAX - 1, 32 },
	[F_QUOTA] = { "monthly_character_quota", PARAM_INT, 0, 1, 999999999999LL, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 201 with the new key, its secret shown this once. Its role (member by
 * default) and scopes (the caller's by default) can be no more than the
 * caller's own, nor its monthly quota more than a calling key's (which it
 * gets by default, with the calling key's own rate limits): 403
 * otherwise. */
static enum problem keys_post(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *name = &r->fields[F_NAME], *role = &r->fields[F_ROLE];
	const struct param_value *quota = &r->fields[F_QUOTA];
	struct key_request req = { name->present ? name->str : NULL,
		role->present ? role->str : NULL, &r->fields[F_SCOPES],
		quota->present ? quota->num : 0 };
	struct key_created k;
	struct json_object *o;
	enum problem p = keys_create(w, &r->ident, &req, &k, rp->detail, sizeof(rp->detail));

	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(k.made.id));
	json_object_object_add(o, "name", req.name ? json_object_new_string(req.name) : NULL);
	json_object_object_add(o, "prefix",
	    json_object_new_string_len(k.made.key, APIKEY_PREFIX_LEN));
	json_object_object_add(o, "role", json_object_new_string(role_name(k.role)));
	json_object_object_add(o, "scopes", principal_scopes_json(k.scopes));
	json_object_object_add(o, "restricted", json_object_new_boolean(k.restricted));
	json_object_object_add(o, "monthly_character_quota",
	    k.made.quota > 0 ? json_object_new_int64(k.made.quota) : NULL);
	json_object_object_add(o, "created_at", json_object_new_string(k.made.created_at));
	json_object_object_add(o, "key", json_object_new_string(k.made.key));
	reply_json(rp, 201, o);
	return PROBLEM_NONE;
}

/* Returns a new JSON string for s, or NULL (JSON null) when s is NULL. */
static struct json_object *string_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/* Adds key k to the JSON array arg as a new object. */
static void key_json(const struct key_row *k, void *arg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(k->id));
	json_object_object_add(o, "name", string_or_null(k->name));
	json_object_object_add(o, "prefix", json_object_new_string(k->prefix));
	json_object_object_add(o, "role", json_object_new_string(k->role));
	json_object_object_add(o, "scopes", principal_scopes_json(k->scopes));
	json_object_object_add(o, "restricted", json_object_new_boolean(k->restricted));
	json_object_object_add(o, "created_at", json_object_new_string(k->created_at));
	json_object_object_add(o, "last_used_at", string_or_null(k->last_used_at));
	json_object_object_add(o, "revoked_at", string_or_null(k->revoked_at));
	json_object_object_add(o, "monthly_character_quota",
	    k->has_quota ? json_object_new_int64(k->quota) : NULL);
	json_object_object_add(o, "characters_this_month",
	    json_object_new_int64(k->characters_this_month));
	json_object_array_add(arg, o);
}

/* 200 with the workspace's keys, oldest first, revoked ones included;
 * never a secret. */
static enum problem keys_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *o, *list = json_object_new_array();
	enum problem p = keys_list(w, r->ident.workspace_id, key_json, list);

	if (p != PROBLEM_NONE) {
		json_object_put(list);
		return p;
	}
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
	enum problem p =
	    keys_revoke(w, r->ident.workspace_id, r->captures[0], rp->detail, sizeof(rp->detail));

	if (p == PROBLEM_NONE)
		rp->status = 204;
	return p;
}

const struct route keys_routes[] = {
	{ .method = HTTP_POST,
	    .pattern = "/v1/keys",
	    .handler = keys_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .fields = create_fields,
	    .name = "keys.create",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/keys",
	    .handler = keys_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_NONE,
	    .name = "keys.list",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_DELETE,
	    .pattern = "/v1/keys/{id}",
	    .handler = keys_delete,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_NONE,
	    .name = "keys.revoke",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
