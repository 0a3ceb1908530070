/* A workspace's own provider credentials (bring your own key):
 * PUT /v1/providers/{name}, GET /v1/providers, DELETE /v1/providers/{name}.
 * The key is sealed at rest and never returned or logged. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "accounts/credentials.h"
#include "accounts/secrets.h"
#include "core/reply.h"
#include "handlers.h"
#include "translate/provider.h"

/* Returns the provider named by the path's capture when it takes a
 * workspace's own key, else NULL with rp->detail set. */
static const struct provider *own_key_provider(const struct request *r, struct reply *rp)
{
	const struct provider *pr = provider_find(r->captures[0]);

	if (pr != NULL && pr->takes_own_key)
		return pr;
	snprintf(rp->detail, sizeof(rp->detail),
	    "no provider %.32s takes a workspace's own key "
	    "(deepl, google, libretranslate, openai)",
	    r->captures[0]);
	return NULL;
}

static const struct param_spec put_fields[] = {
	{ "api_key", PARAM_STRING, 1, 1, SECRET_MAX, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 {provider, configured, hint, updated_at}: the key, sealed, replaces
 * the server's for this workspace's requests to that provider. */
static enum problem provider_put(struct worker *w, struct request *r, struct reply *rp)
{
	const struct provider *pr = own_key_provider(r, rp);
	char updated[40];
	size_t n = r->fields[0].len;
	struct json_object *o;
	enum problem p;

	if (pr == NULL)
		return PROBLEM_NOT_FOUND;
	p = credentials_put(w, r->ident.workspace_id, pr->name, r->fields[0].str, updated);
	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "provider", json_object_new_string(pr->name));
	json_object_object_add(o, "configured", json_object_new_boolean(1));
	json_object_object_add(o, "hint",
	    n >= 8 ? json_object_new_string(r->fields[0].str + n - 4) : NULL);
	json_object_object_add(o, "updated_at", json_object_new_string(updated));
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

/* Adds credential c to the JSON array arg as a new object. */
static void credential_json(const struct credential_row *c, void *arg)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "provider", json_object_new_string(c->provider));
	json_object_object_add(e, "hint", c->hint != NULL ? json_object_new_string(c->hint) : NULL);
	json_object_object_add(e, "updated_at", json_object_new_string(c->updated_at));
	json_object_array_add(arg, e);
}

/* 200 {"providers": [{provider, hint, updated_at}]}: which own keys the
 * workspace has, never the keys. */
static enum problem providers_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *o, *list = json_object_new_array();
	enum problem p = credentials_list(w, r->ident.workspace_id, credential_json, list);

	if (p != PROBLEM_NONE) {
		json_object_put(list);
		return p;
	}
	o = json_object_new_object();
	json_object_object_add(o, "providers", list);
	reply_json(rp, 200, o);
	return PROBLEM_NONE;
}

/* 204 once the workspace's own key is gone (the server's applies again);
 * 404 when it had none. */
static enum problem provider_delete(struct worker *w, struct request *r, struct reply *rp)
{
	const struct provider *pr = own_key_provider(r, rp);
	enum problem p;

	if (pr == NULL)
		return PROBLEM_NOT_FOUND;
	p = credentials_delete(w, r->ident.workspace_id, pr->name);
	if (p == PROBLEM_NOT_FOUND)
		snprintf(rp->detail, sizeof(rp->detail), "this workspace has no own %s key",
		    pr->name);
	if (p == PROBLEM_NONE)
		rp->status = 204;
	return p;
}

const struct route provider_routes[] = {
	{ .method = HTTP_PUT,
	    .pattern = "/v1/providers/{name}",
	    .handler = provider_put,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .fields = put_fields,
	    .name = "providers.put",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/providers",
	    .handler = providers_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_NONE,
	    .name = "providers.list",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_DELETE,
	    .pattern = "/v1/providers/{name}",
	    .handler = provider_delete,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_NONE,
	    .name = "providers.delete",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
