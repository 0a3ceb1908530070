/* The caller's workspace: GET /v1/workspace, PATCH /v1/workspace. */
#include "autoconfig.h"

#include <stdio.h>

#include "accounts/workspace.h"
#include "core/reply.h"
#include "handlers.h"
#include "proc/worker.h"
#include "translate/provider.h"

/* 200 with the workspace and the calling key. */
static enum problem workspace_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *body = NULL;
	enum problem p = workspace_describe(w, &r->ident, &body);

	if (p == PROBLEM_NONE)
		reply_json(rp, 200, body);
	return p;
}

enum {
	F_NAME,
	F_PROVIDERS,
	F_TIME_ZONE
};
static const struct param_spec patch_fields[] = {
	[F_NAME] = { "name", PARAM_STRING, 0, 1, 100, 0 },
	[F_PROVIDERS] = { "providers", PARAM_TEXT_ARRAY, 0, 0, PROVIDERS_MAX, 32 },
	[F_TIME_ZONE] = { "time_zone", PARAM_STRING, 0, 1, 63, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Renames the workspace, sets its provider order (an empty list returns
 * to the server's) and/or its time zone (for reports); 200 with the same
 * body as GET. */
static enum problem workspace_patch(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *name = &r->fields[F_NAME], *prov = &r->fields[F_PROVIDERS],
	                         *tz = &r->fields[F_TIME_ZONE];
	const char *names[PROVIDERS_MAX];
	char list[256];
	long n;
	enum problem p;

	if (!name->present && !prov->present && !tz->present) {
		snprintf(rp->detail, sizeof(rp->detail), "send name, providers and/or time_zone");
		return PROBLEM_INVALID_FIELD;
	}
	n = params_texts(prov, names, PROVIDERS_MAX);
	if (prov->present &&
	    provider_list_from_names(w->cfg->providers, names, (size_t)n, list, sizeof(list),
	        rp->detail, sizeof(rp->detail)) < 0)
		return PROBLEM_INVALID_FIELD;
	p = workspace_update(w, r->ident.workspace_id, name->present ? name->str : NULL,
	    prov->present ? list : NULL, tz->present ? tz->str : NULL);
	if (p == PROBLEM_INVALID_FIELD)
		snprintf(rp->detail, sizeof(rp->detail),
		    "time_zone: not a time zone name (e.g. Europe/Vilnius)");
	return p != PROBLEM_NONE ? p : workspace_get(w, r, rp);
}

const struct route workspace_routes[] = {
	{ .method = HTTP_GET,
	    .pattern = "/v1/workspace",
	    .handler = workspace_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "workspace.get",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_PATCH,
	    .pattern = "/v1/workspace",
	    .handler = workspace_patch,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .fields = patch_fields,
	    .name = "workspace.patch",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
