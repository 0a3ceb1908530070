/* Users and their sessions: POST /v1/auth/login, /v1/auth/refresh,
 * /v1/auth/logout; POST /v1/users (a workspace admin adds a user);
 * GET/PUT /v1/preferences; GET /v1/account/export, DELETE /v1/account. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "accounts/password.h"
#include "accounts/principal.h"
#include "accounts/session.h"
#include "accounts/users.h"
#include "core/reply.h"
#include "handlers.h"

/* 200 {"access_token","token_type","expires_in","refresh_token"}. */
static void tokens_reply(struct reply *rp, const struct session_tokens *t)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "access_token", json_object_new_string(t->access));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in", json_object_new_int64(t->expires_in));
	json_object_object_add(o, "refresh_token", json_object_new_string(t->refresh));
	reply_json(rp, 200, o);
}

enum {
	L_EMAIL,
	L_PASSWORD
};
static const struct param_spec login_fields[] = {
	[L_EMAIL] = { "email", PARAM_STRING, 1, 3, 254, 0 },
	[L_PASSWORD] = { "password", PARAM_STRING, 1, 1, PASSWORD_MAX_LEN, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with a new session's tokens; 401 for a wrong email or password
 * (the same answer for both); 429 after too many failures. */
static enum problem login_post(struct worker *w, struct request *r, struct reply *rp)
{
	struct session_tokens t;
	enum problem p = session_login(w, r->fields[L_EMAIL].str, r->fields[L_PASSWORD].str,
	    r->remote_addr, &t, &rp->retry_after, rp->detail, sizeof(rp->detail));

	if (p == PROBLEM_NONE)
		tokens_reply(rp, &t);
	return p;
}

static const struct param_spec refresh_fields[] = {
	{ "refresh_token", PARAM_STRING, 1, 1, 128, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with the rotated pair; 401 for a token not usable (a reused one
 * ends its session). */
static enum problem refresh_post(struct worker *w, struct request *r, struct reply *rp)
{
	struct session_tokens t;
	enum problem p = session_refresh(w, r->fields[0].str, &t, rp->detail, sizeof(rp->detail));

	if (p == PROBLEM_NONE)
		tokens_reply(rp, &t);
	return p;
}

/* Returns PROBLEM_NONE when r's caller signed in with a token, else
 * PROBLEM_FORBIDDEN with rp->detail set (an API key has no user). */
static enum problem need_user(const struct request *r, struct reply *rp)
{
	if (r->ident.user_id[0] != '\0')
		return PROBLEM_NONE;
	snprintf(rp->detail, sizeof(rp->detail),
	    "this is for a signed-in user: send an access "
	    "token from POST /v1/auth/login, not an API key");
	return PROBLEM_FORBIDDEN;
}

/* 204 once the caller's session is revoked: its access tokens stop at
 * once everywhere, and its refresh tokens with them. */
static enum problem logout_post(struct worker *w, struct request *r, struct reply *rp)
{
	enum problem p = need_user(r, rp);

	if (p != PROBLEM_NONE)
		return p;
	if (session_revoke(w, r->ident.session_id, "logout") < 0)
		return PROBLEM_UNAVAILABLE;
	rp->status = 204;
	return PROBLEM_NONE;
}

enum {
	U_EMAIL,
	U_PASSWORD,
	U_ROLE,
	U_SCOPES
};
static const struct param_spec user_fields[] = {
	[U_EMAIL] = { "email", PARAM_STRING, 1, 3, 254, 0 },
	[U_PASSWORD] = { "password", PARAM_STRING, 1, PASSWORD_MIN_LEN, PASSWORD_MAX_LEN, 0 },
	[U_ROLE] = { "role", PARAM_STRING, 0, 1, 16, 0 },
	[U_SCOPES] = { "scopes", PARAM_TEXT_ARRAY, 0, 1, SCOPE__MAX - 1, 32 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 201 {id,email,role,scopes,created_at}: a user of the caller's
 * workspace, with a role no higher than the caller's (member by default)
 * and scopes no wider (the caller's by default); 403 otherwise, and for a
 * calling key with a quota or rate limits of its own. 400 for a bad
 * email, 409 when it is taken. */
static enum problem users_post(struct worker *w, struct request *r, struct reply *rp)
{
	const struct user_request req = { r->fields[U_EMAIL].str, r->fields[U_PASSWORD].str,
		r->fields[U_ROLE].present ? r->fields[U_ROLE].str : NULL, &r->fields[U_SCOPES] };
	struct user_created u;
	struct json_object *o;
	enum problem p = users_create(w, &r->ident, &req, &u, rp->detail, sizeof(rp->detail));

	if (p != PROBLEM_NONE)
		return p;
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(u.id));
	json_object_object_add(o, "email", json_object_new_string(req.email));
	json_object_object_add(o, "role", json_object_new_string(u.role));
	json_object_object_add(o, "scopes", principal_scopes_json(u.scopes));
	json_object_object_add(o, "created_at", json_object_new_string(u.created_at));
	reply_json(rp, 201, o);
	return PROBLEM_NONE;
}

/* Returns the preferences of the signed-in caller as a new object. */
static struct json_object *prefs_json(const char *target, int enabled)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "target_language",
	    target[0] != '\0' ? json_object_new_string(target) : NULL);
	json_object_object_add(o, "translation_enabled", json_object_new_boolean(enabled));
	return o;
}

/* 200 {target_language, translation_enabled}. */
static enum problem prefs_get(struct worker *w, struct request *r, struct reply *rp)
{
	enum problem p = need_user(r, rp);

	(void)w;
	if (p == PROBLEM_NONE)
		reply_json(rp, 200, prefs_json(r->ident.pref_target, !r->ident.translation_off));
	return p;
}

enum {
	P_TARGET,
	P_ENABLED
};
static const struct param_spec prefs_fields[] = {
	[P_TARGET] = { "target_language", PARAM_STRING, 0, 0, 2, 0 },
	[P_ENABLED] = { "translation_enabled", PARAM_BOOL, 0, 0, 1, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* 200 with the new preferences; target_language "" clears it. They apply
 * to the user's next request in every worker. */
static enum problem prefs_put(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *t = &r->fields[P_TARGET], *e = &r->fields[P_ENABLED];
	struct user_prefs prefs;
	enum problem p = need_user(r, rp);

	if (p != PROBLEM_NONE)
		return p;
	if (t->present && t->len != 0 &&
	    (t->len != 2 || t->str[0] < 'a' || t->str[0] > 'z' || t->str[1] < 'a' ||
	        t->str[1] > 'z')) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "target_language: an ISO 639-1 code such "
		    "as es, or \"\" for none");
		return PROBLEM_INVALID_FIELD;
	}
	p = users_prefs_set(w, r->ident.user_id, t->present ? t->str : NULL,
	    e->present ? (e->num ? 1 : 0) : -1, &prefs);
	if (p == PROBLEM_NONE)
		reply_json(rp, 200, prefs_json(prefs.target_language, prefs.translation_enabled));
	return p;
}

/* 200 with everything kept about the caller: profile, preferences,
 * sessions and usage events. */
static enum problem export_get(struct worker *w, struct request *r, struct reply *rp)
{
	enum problem p = need_user(r, rp);
	char *json = NULL;

	if (p != PROBLEM_NONE || (p = users_export(w, r->ident.user_id, &json)) != PROBLEM_NONE)
		return p;
	p = reply_raw(rp, 200, "application/json", json) == 0 ? PROBLEM_NONE : PROBLEM_INTERNAL;
	reply_header(rp, "Content-Disposition", "attachment; filename=\"dragoman-account.json\"");
	free(json);
	return p;
}

/* 204 once the caller is gone: every session ended, usage events kept
 * without them, the ledger untouched. */
static enum problem account_delete(struct worker *w, struct request *r, struct reply *rp)
{
	enum problem p = need_user(r, rp);

	if (p != PROBLEM_NONE || (p = users_delete(w, r->ident.user_id)) != PROBLEM_NONE)
		return p;
	rp->status = 204;
	return PROBLEM_NONE;
}

const struct route auth_routes[] = {
	{ .method = HTTP_POST,
	    .pattern = "/v1/auth/login",
	    .handler = login_post,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_JSON,
	    .fields = login_fields,
	    .name = "auth.login",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_POST,
	    .pattern = "/v1/auth/refresh",
	    .handler = refresh_post,
	    .auth = AUTH_NONE,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_JSON,
	    .fields = refresh_fields,
	    .name = "auth.refresh",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_POST,
	    .pattern = "/v1/auth/logout",
	    .handler = logout_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "auth.logout",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_POST,
	    .pattern = "/v1/users",
	    .handler = users_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_ADMIN,
	    .body = BODY_JSON,
	    .fields = user_fields,
	    .name = "users.create",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/preferences",
	    .handler = prefs_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "preferences.get",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_PUT,
	    .pattern = "/v1/preferences",
	    .handler = prefs_put,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_JSON,
	    .fields = prefs_fields,
	    .name = "preferences.put",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/account/export",
	    .handler = export_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "account.export",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .method = HTTP_DELETE,
	    .pattern = "/v1/account",
	    .handler = account_delete,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "account.delete",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_NONE },
	{ .pattern = NULL },
};
