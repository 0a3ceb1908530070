#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "apikey.h"
#include "log.h"
#include "workspace.h"

/* Returns a JSON string for column col of row 0, or JSON null when it is
 * SQL NULL. */
static struct json_object *column(PGresult *res, int col)
{
	if (PQgetisnull(res, 0, col))
		return NULL;
	return json_object_new_string(PQgetvalue(res, 0, col));
}

enum problem workspace_describe(struct db *db, const struct identity *id,
    struct json_object **out)
{
	const char *params[] = { id->key_id, id->workspace_id };
	PGresult *res = db_exec(db, STMT_WORKSPACE_DESCRIBE, params);
	enum problem p = PROBLEM_NONE;

	*out = NULL;
	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg(LOG_LEVEL_ERROR, "workspace describe: %s", PQresultErrorMessage(res));
		p = PROBLEM_INTERNAL;
		goto out;
	}
	if (PQntuples(res) != 1) {
		p = PROBLEM_UNAUTHORIZED;
		goto out;
	}
	struct json_object *ws = json_object_new_object(), *key = json_object_new_object();
	json_object_object_add(ws, "id", column(res, 0));
	json_object_object_add(ws, "name", column(res, 1));
	json_object_object_add(ws, "plan", column(res, 2));
	json_object_object_add(ws, "created_at", column(res, 3));
	json_object_object_add(key, "id", column(res, 4));
	json_object_object_add(key, "prefix", column(res, 5));
	json_object_object_add(key, "role", column(res, 6));
	json_object_object_add(key, "created_at", column(res, 7));
	json_object_object_add(key, "last_used_at", column(res, 8));
	*out = json_object_new_object();
	json_object_object_add(*out, "workspace", ws);
	json_object_object_add(*out, "key", key);
out:
	PQclear(res);
	return p;
}

enum problem workspace_rename(struct db *db, const char *workspace_id,
    const char *name)
{
	const char *params[] = { workspace_id, name };
	PGresult *res = db_exec(db, STMT_WORKSPACE_RENAME, params);
	enum problem p = PROBLEM_NONE;

	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg(LOG_LEVEL_ERROR, "workspace rename: %s", PQresultErrorMessage(res));
		p = PROBLEM_INTERNAL;
	} else if (PQntuples(res) != 1)
		p = PROBLEM_NOT_FOUND;
	PQclear(res);
	return p;
}

int workspace_plan_valid(const char *plan)
{
	return plan != NULL && (strcmp(plan, "freemium") == 0 ||
	    strcmp(plan, "pro") == 0 || strcmp(plan, "enterprise") == 0);
}

/* Runs BEGIN/COMMIT/ROLLBACK. Returns 0 or -1. */
static int tx(struct db *db, const char *cmd)
{
	PGresult *res = db_exec_script(db, cmd);
	int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	return ok ? 0 : -1;
}

int workspace_create(struct db *db, const char *name, const char *plan,
    char id[UUID_STR_LEN + 1], char *key, size_t keysz, char *err, size_t errsz)
{
	char kid[UUID_STR_LEN + 1], k[APIKEY_LEN + 1];
	const char *params[] = { name, plan };
	PGresult *res = NULL;

	if (keysz < sizeof(k) || tx(db, "BEGIN") < 0) {
		snprintf(err, errsz, "database unavailable: %s", db_error(db));
		return -1;
	}
	res = db_exec(db, STMT_WORKSPACE_INSERT, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errsz, "cannot create workspace: %s",
		    res != NULL ? PQresultErrorMessage(res) : db_error(db));
		goto fail;
	}
	snprintf(id, UUID_STR_LEN + 1, "%s", PQgetvalue(res, 0, 0));
	if (apikey_create(db, id, ROLE_ADMIN, k, kid, err, errsz) < 0)
		goto fail;
	if (tx(db, "COMMIT") < 0) {
		snprintf(err, errsz, "commit failed: %s", db_error(db));
		goto fail;
	}
	PQclear(res);
	memcpy(key, k, sizeof(k));
	return 0;
fail:
	PQclear(res);
	(void)tx(db, "ROLLBACK");
	return -1;
}
