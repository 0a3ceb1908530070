#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "accounts/apikey.h"
#include "accounts/workspace.h"
#include "core/log.h"
#include "store/db.h"
#include "store/memo.h"

void workspace_cache_key(const char *workspace_id, char *out, size_t outsz)
{
	snprintf(out, outsz, "dgm:ws:%s", workspace_id);
}

/* Returns a JSON string for column col of row 0, or NULL (JSON null) when
 * it is SQL NULL. */
static struct json_object *column(PGresult *res, int col)
{
	if (PQgetisnull(res, 0, col))
		return NULL;
	return json_object_new_string(PQgetvalue(res, 0, col));
}

/* Returns a new JSON string for s, or NULL (JSON null) when s is "". */
static struct json_object *string_or_null(const char *s)
{
	return s[0] != '\0' ? json_object_new_string(s) : NULL;
}

/* Returns column col of row 0 (a comma-separated list, or NULL) as a JSON
 * array of names, or NULL (JSON null). */
static struct json_object *providers_json(PGresult *res, int col)
{
	char buf[256], *save = NULL;
	struct json_object *arr;

	if (PQgetisnull(res, 0, col))
		return NULL;
	arr = json_object_new_array();
	snprintf(buf, sizeof(buf), "%s", PQgetvalue(res, 0, col));
	for (char *p = strtok_r(buf, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save))
		json_object_array_add(arr, json_object_new_string(p));
	return arr;
}

/* Loads the record {id,name,plan,created_at,providers} of workspace_id from
 * PostgreSQL into *out (caller owns it) and caches it. Returns
 * PROBLEM_NONE, PROBLEM_NOT_FOUND, PROBLEM_UNAVAILABLE or PROBLEM_INTERNAL. */
static enum problem workspace_load(struct worker *w, const char *workspace_id,
    struct json_object **out)
{
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(w->db, STMT_WORKSPACE_GET, params);
	enum problem p = PROBLEM_NONE;
	char ckey[64];
	size_t len;

	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_msg(LOG_LEVEL_ERROR, "workspace get: %s", PQresultErrorMessage(res));
		p = PROBLEM_INTERNAL;
	} else if (PQntuples(res) != 1) {
		p = PROBLEM_NOT_FOUND;
	} else {
		*out = json_object_new_object();
		json_object_object_add(*out, "id", column(res, 0));
		json_object_object_add(*out, "name", column(res, 1));
		json_object_object_add(*out, "plan", column(res, 2));
		json_object_object_add(*out, "created_at", column(res, 3));
		json_object_object_add(*out, "providers", providers_json(res, 4));
		json_object_object_add(*out, "time_zone", column(res, 5));
		const char *text = json_object_to_json_string_length(*out,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		workspace_cache_key(workspace_id, ckey, sizeof(ckey));
		(void)memo_set_through(w->cache, ckey, text, len, WORKSPACE_CACHE_TTL,
		    w->cfg->local_cache_ms);
	}
	PQclear(res);
	return p;
}

/* Returns the cached record of workspace_id (caller owns it), or NULL. */
static struct json_object *workspace_cached(struct worker *w, const char *workspace_id)
{
	char ckey[64], buf[2048];
	size_t len;

	workspace_cache_key(workspace_id, ckey, sizeof(ckey));
	if (memo_get_through(w->cache, ckey, buf, sizeof(buf), &len, w->cfg->local_cache_ms) != 1)
		return NULL;
	struct json_object *o = json_tokener_parse(buf);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

enum problem workspace_describe(struct worker *w, const struct identity *id,
    struct json_object **out)
{
	struct json_object *ws = workspace_cached(w, id->workspace_id), *key;
	enum problem p;

	*out = NULL;
	if (ws == NULL && (p = workspace_load(w, id->workspace_id, &ws)) != PROBLEM_NONE)
		return p == PROBLEM_NOT_FOUND ? PROBLEM_UNAUTHORIZED : p;
	key = json_object_new_object();
	*out = json_object_new_object();
	json_object_object_add(*out, "workspace", ws);
	if (id->user_id[0] != '\0') {
		/* signed in with a token: the user, not a key */
		json_object_object_add(key, "id", json_object_new_string(id->user_id));
		json_object_object_add(key, "role", json_object_new_string(role_name(id->role)));
		json_object_object_add(key, "platform_admin",
		    json_object_new_boolean(id->platform));
		json_object_object_add(*out, "user", key);
		return PROBLEM_NONE;
	}
	json_object_object_add(key, "id", json_object_new_string(id->key_id));
	json_object_object_add(key, "prefix", json_object_new_string(id->key_prefix));
	json_object_object_add(key, "role", json_object_new_string(role_name(id->role)));
	json_object_object_add(key, "created_at", json_object_new_string(id->key_created_at));
	json_object_object_add(key, "last_used_at", string_or_null(id->key_last_used_at));
	json_object_object_add(*out, "key", key);
	return PROBLEM_NONE;
}

int workspace_time_zone(struct worker *w, const char *workspace_id, char *buf, size_t bufsz)
{
	struct json_object *ws = workspace_cached(w, workspace_id), *tz;

	if (ws == NULL && workspace_load(w, workspace_id, &ws) != PROBLEM_NONE)
		return -1;
	snprintf(buf, bufsz, "%s",
	    json_object_object_get_ex(ws, "time_zone", &tz) && tz != NULL
	        ? json_object_get_string(tz)
	        : "UTC");
	json_object_put(ws);
	return 0;
}

int workspace_providers(struct worker *w, const char *workspace_id, char *buf, size_t bufsz)
{
	struct json_object *ws = workspace_cached(w, workspace_id), *list;
	size_t len = 0;

	if (ws == NULL && workspace_load(w, workspace_id, &ws) != PROBLEM_NONE)
		return -1;
	buf[0] = '\0';
	if (json_object_object_get_ex(ws, "providers", &list) &&
	    json_object_is_type(list, json_type_array))
		for (size_t i = 0; i < json_object_array_length(list) && len < bufsz; i++)
			len += (size_t)snprintf(buf + len, bufsz - len, "%s%s", i ? "," : "",
			    json_object_get_string(json_object_array_get_idx(list, i)));
	json_object_put(ws);
	return 0;
}

enum problem workspace_update(struct worker *w, const char *workspace_id, const char *name,
    const char *providers, const char *time_zone)
{
	const char *params[] = { workspace_id, name, providers, time_zone };
	PGresult *res = db_exec(w->db, STMT_WORKSPACE_UPDATE, params);
	enum problem p = PROBLEM_NONE;
	char ckey[64];

	if (res == NULL)
		return PROBLEM_UNAVAILABLE;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (time_zone != NULL && state != NULL &&
		    (strcmp(state, "22023") == 0 || strcmp(state, "23514") == 0)) {
			p = PROBLEM_INVALID_FIELD; /* not a zone PostgreSQL knows */
		} else {
			log_msg(LOG_LEVEL_ERROR, "workspace update: %s", PQresultErrorMessage(res));
			p = PROBLEM_INTERNAL;
		}
	} else if (PQntuples(res) != 1)
		p = PROBLEM_NOT_FOUND;
	PQclear(res);
	workspace_cache_key(workspace_id, ckey, sizeof(ckey));
	if (p == PROBLEM_NONE && memo_delete_through(w->cache, ckey) < 0)
		log_msg(LOG_LEVEL_WARN,
		    "workspace %s renamed; other workers may show the "
		    "old name for up to %ds",
		    workspace_id, WORKSPACE_CACHE_TTL);
	return p;
}

int workspace_plan_valid(const char *plan)
{
	return plan != NULL &&
	    (strcmp(plan, "freemium") == 0 || strcmp(plan, "pro") == 0 ||
	        strcmp(plan, "enterprise") == 0);
}

int workspace_create(struct db *db, const char *name, const char *plan, char id[UUID_STR_LEN + 1],
    char *key, size_t keysz, char *err, size_t errsz)
{
	const struct apikey_spec first = { ROLE_ADMIN, NULL, NULL, NULL, NULL };
	const char *params[] = { name, plan };
	struct apikey_made made;
	PGresult *res = NULL;

	if (keysz < sizeof(made.key) || db_command(db, "BEGIN") < 0) {
		snprintf(err, errsz, "database unavailable: %s", db_error(db));
		return -1;
	}
	res = db_exec(db, STMT_WORKSPACE_INSERT, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errsz, "cannot create workspace: %s",
		    res != NULL ? PQresultErrorMessage(res) : db_error(db));
		goto fail;
	}
	snprintf(id, UUID_STR_LEN + 1, "%s", PQgetvalue(res, 0, 0));
	if (apikey_create(db, id, &first, &made, err, errsz) < 0)
		goto fail;
	if (db_command(db, "COMMIT") < 0) {
		snprintf(err, errsz, "commit failed: %s", db_error(db));
		goto fail;
	}
	PQclear(res);
	memcpy(key, made.key, sizeof(made.key));
	return 0;
fail:
	PQclear(res);
	(void)db_command(db, "ROLLBACK");
	return -1;
}
