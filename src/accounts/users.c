#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/password.h"
#include "accounts/principal.h"
#include "accounts/session.h"
#include "accounts/users.h"
#include "core/log.h"
#include "proc/worker.h"
#include "store/db.h"

/* Returns PROBLEM_NONE when maker may add a user of role (want, its
 * parsed value), else PROBLEM_INVALID_FIELD or PROBLEM_FORBIDDEN with
 * detail set. */
static enum problem user_role_check(const struct identity *maker, const char *role,
    enum key_role want, char *detail, size_t dsz)
{
	if (want != ROLE_MEMBER && want != ROLE_ADMIN && want != ROLE_OWNER) {
		snprintf(detail, dsz, "role: member, admin or owner");
		return PROBLEM_INVALID_FIELD;
	}
	if (want > maker->role) {
		snprintf(detail, dsz, "a user with role %s can only be added by an %s or above",
		    role, role);
		return PROBLEM_FORBIDDEN;
	}
	return PROBLEM_NONE;
}

/* Reads STMT_USER_INSERT's result res into out. Returns PROBLEM_NONE, or
 * the problem with detail set. */
static enum problem user_inserted(const PGresult *res, struct user_created *out, char *detail,
    size_t dsz)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
		snprintf(out->created_at, sizeof(out->created_at), "%s", PQgetvalue(res, 0, 1));
		return PROBLEM_NONE;
	}
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		snprintf(detail, dsz,
		    "a key with a monthly character quota or rate limits of its "
		    "own cannot add users: they would be bound by neither");
		return PROBLEM_FORBIDDEN;
	}
	if (state != NULL && strcmp(state, "23505") == 0) {
		snprintf(detail, dsz, "a user with this email exists");
		return PROBLEM_CONFLICT;
	}
	if (state != NULL && strcmp(state, "23514") == 0) {
		snprintf(detail, dsz, "email: not an email address");
		return PROBLEM_INVALID_FIELD;
	}
	log_msg(LOG_LEVEL_ERROR, "user insert: %s", PQresultErrorMessage(res));
	return PROBLEM_INTERNAL;
}

enum problem users_create(struct worker *w, const struct identity *maker,
    const struct user_request *req, struct user_created *out, char *detail, size_t dsz)
{
	char hash[PASSWORD_HASH_MAX], literal[96];
	const char *params[7];
	enum problem p;
	PGresult *res;

	out->role = req->role != NULL ? req->role : "member";
	if ((p = user_role_check(maker, out->role, role_parse(out->role), detail, dsz)) !=
	        PROBLEM_NONE ||
	    (p = principal_scopes(req->scopes, maker->scopes, &out->scopes, detail, dsz)) !=
	        PROBLEM_NONE)
		return p;
	if (password_hash(req->password, (int)w->cfg->password_log2n, hash, sizeof(hash)) < 0)
		return PROBLEM_INTERNAL;
	params[0] = maker->workspace_id;
	params[1] = req->email;
	params[2] = out->role;
	params[3] = hash;
	params[4] = "off";
	params[5] = principal_scopes_literal(out->scopes, literal, sizeof(literal));
	params[6] = maker->key_id[0] != '\0' ? maker->key_id : NULL;
	res = db_exec(w->db, STMT_USER_INSERT, params);
	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	p = user_inserted(res, out, detail, dsz);
	PQclear(res);
	return p;
}

enum problem users_prefs_set(struct worker *w, const char *user_id, const char *target, int enabled,
    struct user_prefs *out)
{
	const char *params[] = { user_id, target, enabled < 0 ? NULL : enabled ? "on" : "off" };
	PGresult *res = db_exec(w->db, STMT_PREFS_SET, params);

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return PROBLEM_UNAVAILABLE;
	}
	snprintf(out->target_language, sizeof(out->target_language), "%s", PQgetvalue(res, 0, 0));
	out->translation_enabled = strcmp(PQgetvalue(res, 0, 1), "true") == 0;
	PQclear(res);
	session_forget_user(w, user_id);
	return PROBLEM_NONE;
}

enum problem users_export(struct worker *w, const char *user_id, char **json)
{
	const char *params[] = { user_id };
	PGresult *res;

	/* the events still in the usage spool are theirs too */
	(void)worker_spool_load_all(w, WORKER_READER_WAIT_MS);
	res = db_exec(w->db, STMT_USER_EXPORT, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return PROBLEM_UNAVAILABLE;
	}
	*json = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return *json != NULL ? PROBLEM_NONE : PROBLEM_INTERNAL;
}

enum problem users_delete(struct worker *w, const char *user_id)
{
	const char *params[] = { user_id };
	PGresult *res;

	/* their sessions stop first, everywhere */
	res = db_exec(w->db, STMT_USER_SESSIONS, params);
	for (int i = 0; res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res);
	     i++)
		(void)session_revoke(w, PQgetvalue(res, i, 0), "account deleted");
	PQclear(res);
	/* their events still in the usage spool lose their name with the rest */
	(void)worker_spool_load_all(w, WORKER_READER_WAIT_MS);
	res = db_exec(w->db, STMT_USER_DELETE, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (res != NULL)
			log_msg(LOG_LEVEL_ERROR, "user delete: %s", PQresultErrorMessage(res));
		PQclear(res);
		return PROBLEM_UNAVAILABLE;
	}
	PQclear(res);
	return PROBLEM_NONE;
}
