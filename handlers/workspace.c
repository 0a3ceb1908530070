/* The caller's workspace: GET /v1/workspace, PATCH /v1/workspace. */
#include "autoconfig.h"

#include "../src/reply.h"
#include "../src/worker.h"
#include "../src/workspace.h"
#include "handlers.h"

/* 200 with the workspace and the calling key. */
static enum problem workspace_get(struct worker *w, struct request *r,
    struct reply *rp)
{
	struct json_object *body = NULL;
	enum problem p = workspace_describe(w, &r->ident, &body);

	if (p == PROBLEM_NONE)
		reply_json(rp, 200, body);
	return p;
}

enum { F_NAME };
static const struct param_spec patch_fields[] = {
	[F_NAME] = { "name", PARAM_STRING, 1, 1, 100, 0 },
	{ NULL, 0, 0, 0, 0, 0 }
};

/* Renames the workspace; 200 with the same body as GET. */
static enum problem workspace_patch(struct worker *w, struct request *r,
    struct reply *rp)
{
	enum problem p = workspace_rename(w, r->ident.workspace_id,
	    r->fields[F_NAME].str);

	return p != PROBLEM_NONE ? p : workspace_get(w, r, rp);
}

const struct route workspace_routes[] = {
	{ HTTP_GET, "/v1/workspace", workspace_get, AUTH_KEY, ROLE_MEMBER, BODY_NONE,
	  NULL, NULL, "workspace.get", 0, DIALECT_NATIVE },
	{ HTTP_PATCH, "/v1/workspace", workspace_patch, AUTH_KEY, ROLE_ADMIN, BODY_JSON,
	  patch_fields, NULL, "workspace.patch", 0, DIALECT_NATIVE },
	{ 0, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, 0, 0 }
};
