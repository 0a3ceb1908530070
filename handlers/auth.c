/* Users and their sessions: POST /v1/auth/login, /v1/auth/refresh,
 * /v1/auth/logout; POST /v1/users (a workspace admin adds a user);
 * GET/PUT /v1/preferences; GET /v1/account/export, DELETE /v1/account. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "accounts/password.h"
#include "accounts/principal.h"
#include "accounts/session.h"
#include "core/log.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "store/db.h"
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

enum { L_EMAIL, L_PASSWORD };
static const struct param_spec login_fields[] = {
	[L_EMAIL] = { "email", PARAM_STRING, 1, 3, 254, 0 },
	[L_PASSWORD] = { "password", PARAM_STRING, 1, 1, PASSWORD_MAX_LEN, 0 },
	{ NULL, 0, 0, 0, 0, 0 }
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
	{ NULL, 0, 0, 0, 0, 0 }
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
	snprintf(rp->detail, sizeof(rp->detail), "this is for a signed-in user: send an access "
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

enum { U_EMAIL, U_PASSWORD, U_ROLE, U_SCOPES };
static const struct param_spec user_fields[] = {
	[U_EMAIL] = { "email", PARAM_STRING, 1, 3, 254, 0 },
	[U_PASSWORD] = { "password", PARAM_STRING, 1, PASSWORD_MIN_LEN, PASSWORD_MAX_LEN, 0 },
	[U_ROLE] = { "role", PARAM_STRING, 0, 1, 16, 0 },
	[U_SCOPES] = { "scopes", PARAM_TEXT_ARRAY, 0, 1, SCOPE__MAX - 1, 32 },
	{ NULL, 0, 0, 0, 0, 0 }
};

/* Returns PROBLEM_NONE when r's caller may add a user of role want, else
 * PROBLEM_INVALID_FIELD or PROBLEM_FORBIDDEN with rp->detail set. */
static enum problem user_role_check(const struct request *r, const char *role,
    enum key_role want, struct reply *rp)
{
	if (want != ROLE_MEMBER && want != ROLE_ADMIN && want != ROLE_OWNER) {
		snprintf(rp->detail, sizeof(rp->detail), "role: member, admin or owner");
		return PROBLEM_INVALID_FIELD;
	}
	if (want > r->ident.role) {
		snprintf(rp->detail, sizeof(rp->detail), "a user with role %s can only be added by an "
		    "%s or above", role, role);
		return PROBLEM_FORBIDDEN;
	}
	return PROBLEM_NONE;
}

/* Answers STMT_USER_INSERT's result res for the user email. Returns
 * PROBLEM_NONE with 201 {id,email,role,scopes,created_at}, or the problem
 * with rp->detail set. */
static enum problem user_inserted(const PGresult *res, const char *email, const char *role,
    unsigned mask, struct reply *rp)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	struct json_object *o;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
		json_object_object_add(o, "email", json_object_new_string(email));
		json_object_object_add(o, "role", json_object_new_string(role));
		json_object_object_add(o, "scopes", principal_scopes_json(mask));
		json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(res, 0, 1)));
		reply_json(rp, 201, o);
		return PROBLEM_NONE;
	}
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		snprintf(rp->detail, sizeof(rp->detail), "a key with a monthly character quota or "
		    "rate limits of its own cannot add users: they would be bound by neither");
		return PROBLEM_FORBIDDEN;
	}
	if (state != NULL && strcmp(state, "23505") == 0) {
		snprintf(rp->detail, sizeof(rp->detail), "a user with this email exists");
		return PROBLEM_CONFLICT;
	}
	if (state != NULL && strcmp(state, "23514") == 0) {
		snprintf(rp->detail, sizeof(rp->detail), "email: not an email address");
		return PROBLEM_INVALID_FIELD;
	}
	log_msg(LOG_LEVEL_ERROR, "user insert: %s", PQresultErrorMessage(res));
	return PROBLEM_INTERNAL;
}

/* 201 {id,email,role,scopes,created_at}: a user of the caller's
 * workspace, with a role no higher than the caller's (member by default)
 * and scopes no wider (the caller's by default); 403 otherwise, and for a
 * calling key with a quota or rate limits of its own. 400 for a bad
 * email, 409 when it is taken. */
static enum problem users_post(struct worker *w, struct request *r, struct reply *rp)
{
	const char *role = r->fields[U_ROLE].present ? r->fields[U_ROLE].str : "member";
	char hash[PASSWORD_HASH_MAX], literal[96];
	const char *params[7];
	unsigned mask;
	enum problem p;
	PGresult *res;

	if ((p = user_role_check(r, role, role_parse(role), rp)) != PROBLEM_NONE ||
	    (p = principal_scopes(&r->fields[U_SCOPES], r->ident.scopes, &mask, rp->detail,
	    sizeof(rp->detail))) != PROBLEM_NONE)
		return p;
	if (password_hash(r->fields[U_PASSWORD].str, (int)w->cfg->password_log2n, hash,
	    sizeof(hash)) < 0)
		return PROBLEM_INTERNAL;
	params[0] = r->ident.workspace_id;
	params[1] = r->fields[U_EMAIL].str;
	params[2] = role;
	params[3] = hash;
	params[4] = "off";
	params[5] = principal_scopes_literal(mask, literal, sizeof(literal));
	params[6] = r->ident.key_id[0] != '\0' ? r->ident.key_id : NULL;
	res = db_exec(w->db, STMT_USER_INSERT, params);
	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	p = user_inserted(res, r->fields[U_EMAIL].str, role, mask, rp);
	PQclear(res);
	return p;
}

/* Returns the preferences of the signed-in caller as a new object. */
static struct json_object *prefs_json(const char *target, int enabled)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "target_language", target[0] != '\0'
	    ? json_object_new_string(target) : NULL);
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

enum { P_TARGET, P_ENABLED };
static const struct param_spec prefs_fields[] = {
	[P_TARGET] = { "target_language", PARAM_STRING, 0, 0, 2, 0 },
	[P_ENABLED] = { "translation_enabled", PARAM_BOOL, 0, 0, 1, 0 },
	{ NULL, 0, 0, 0, 0, 0 }
};

/* 200 with the new preferences; target_language "" clears it. They apply
 * to the user's next request in every worker. */
static enum problem prefs_put(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *t = &r->fields[P_TARGET], *e = &r->fields[P_ENABLED];
	const char *params[] = { r->ident.user_id, t->present ? t->str : NULL,
	    e->present ? (e->num ? "on" : "off") : NULL };
	enum problem p = need_user(r, rp);
	PGresult *res;

	if (p != PROBLEM_NONE)
		return p;
	if (t->present && t->len != 0 && (t->len != 2 || t->str[0] < 'a' || t->str[0] > 'z' ||
	    t->str[1] < 'a' || t->str[1] > 'z')) {
		snprintf(rp->detail, sizeof(rp->detail), "target_language: an ISO 639-1 code such "
		    "as es, or \"\" for none");
		return PROBLEM_INVALID_FIELD;
	}
	res = db_exec(w->db, STMT_PREFS_SET, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return PROBLEM_UNAVAILABLE;
	}
	reply_json(rp, 200, prefs_json(PQgetvalue(res, 0, 0), strcmp(PQgetvalue(res, 0, 1),
	    "true") == 0));
	PQclear(res);
	session_forget_user(w, r->ident.user_id);
	return PROBLEM_NONE;
}

/* 200 with everything kept about the caller: profile, preferences,
 * sessions and usage events. */
static enum problem export_get(struct worker *w, struct request *r, struct reply *rp)
{
	const char *params[] = { r->ident.user_id };
	enum problem p = need_user(r, rp);
	PGresult *res;

	if (p != PROBLEM_NONE)
		return p;
	res = db_exec(w->db, STMT_USER_EXPORT, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return PROBLEM_UNAVAILABLE;
	}
	p = reply_raw(rp, 200, "application/json", PQgetvalue(res, 0, 0)) == 0 ? PROBLEM_NONE
	    : PROBLEM_INTERNAL;
	reply_header(rp, "Content-Disposition", "attachment; filename=\"dragoman-account.json\"");
	PQclear(res);
	return p;
}

/* 204 once the caller is gone: every session ended, usage events kept
 * without them, the ledger untouched. */
static enum problem account_delete(struct worker *w, struct request *r, struct reply *rp)
{
	const char *params[] = { r->ident.user_id };
	enum problem p = need_user(r, rp);
	PGresult *res;

	if (p != PROBLEM_NONE)
		return p;
	/* their sessions stop first, everywhere */
	res = db_exec(w->db, STMT_USER_SESSIONS, params);
	for (int i = 0; res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    i < PQntuples(res); i++)
		(void)session_revoke(w, PQgetvalue(res, i, 0), "account deleted");
	PQclear(res);
	res = db_exec(w->db, STMT_USER_DELETE, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_msg(LOG_LEVEL_ERROR, "user delete: %s", PQresultErrorMessage(res));
		PQclear(res);
		return PROBLEM_UNAVAILABLE;
	}
	PQclear(res);
	rp->status = 204;
	return PROBLEM_NONE;
}

const struct route auth_routes[] = {
	{ .method = HTTP_POST, .pattern = "/v1/auth/login", .handler = login_post, .auth = AUTH_NONE,
	  .min_role = ROLE_MEMBER, .body = BODY_JSON, .fields = login_fields, .name = "auth.login",
	  .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .method = HTTP_POST, .pattern = "/v1/auth/refresh", .handler = refresh_post,
	  .auth = AUTH_NONE, .min_role = ROLE_MEMBER, .body = BODY_JSON, .fields = refresh_fields,
	  .name = "auth.refresh", .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE,
	  .scope = SCOPE_NONE },
	{ .method = HTTP_POST, .pattern = "/v1/auth/logout", .handler = logout_post, .auth = AUTH_KEY,
	  .min_role = ROLE_MEMBER, .body = BODY_NONE, .name = "auth.logout", .dialect = DIALECT_NATIVE,
	  .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .method = HTTP_POST, .pattern = "/v1/users", .handler = users_post, .auth = AUTH_KEY,
	  .min_role = ROLE_ADMIN, .body = BODY_JSON, .fields = user_fields, .name = "users.create",
	  .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .method = HTTP_GET, .pattern = "/v1/preferences", .handler = prefs_get, .auth = AUTH_KEY,
	  .min_role = ROLE_MEMBER, .body = BODY_NONE, .name = "preferences.get",
	  .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .method = HTTP_PUT, .pattern = "/v1/preferences", .handler = prefs_put, .auth = AUTH_KEY,
	  .min_role = ROLE_MEMBER, .body = BODY_JSON, .fields = prefs_fields,
	  .name = "preferences.put", .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE,
	  .scope = SCOPE_NONE },
	{ .method = HTTP_GET, .pattern = "/v1/account/export", .handler = export_get, .auth = AUTH_KEY,
	  .min_role = ROLE_MEMBER, .body = BODY_NONE, .name = "account.export",
	  .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .method = HTTP_DELETE, .pattern = "/v1/account", .handler = account_delete, .auth = AUTH_KEY,
	  .min_role = ROLE_MEMBER, .body = BODY_NONE, .name = "account.delete",
	  .dialect = DIALECT_NATIVE, .idempotency = IDEM_NONE, .scope = SCOPE_NONE },
	{ .pattern = NULL }
};
