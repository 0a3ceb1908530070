/* dragoman-admin: migrations, workspaces and API keys from the shell. */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/apikey.h"
#include "accounts/auth.h"
#include "accounts/credentials.h"
#include "accounts/password.h"
#include "accounts/ratelimit.h"
#include "accounts/secrets.h"
#include "accounts/workspace.h"
#include "billing/billing.h"
#include "billing/payments.h"
#include "cli/payments_admin.h"
#include "core/config.h"
#include "core/money.h"
#include "core/random.h"
#include "ops/backup.h"
#include "proc/worker.h"
#include "store/cache.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/spool.h"
#include "translate/provider.h"
#include "translate/tcache.h"

#include <openssl/crypto.h>

/* migrations may legitimately run for minutes */
/* how long the CLI waits for a spool segment another process holds */
#define ADMIN_SPOOL_WAIT_MS 30000L
#define ADMIN_STATEMENT_TIMEOUT_MS 3600000L

#ifndef MIGRATIONS_DIR
#define MIGRATIONS_DIR "/usr/local/share/dragoman/migrations"
#endif

struct admin {
	struct config *cfg;
	struct db *db;
	const char *migrations;
	const char *plan;
	const char *role;
	long hours; /* cache stats window */
	long limit; /* cache warm size */
	const char *reason; /* billing adjust */
	int limit_given; /* --limit was on the command line */
	long months; /* partitions ensure: months ahead */
	int rebuild; /* rollup --rebuild */
	const char *rate[RATE_WINDOW__MAX]; /* --per-minute/hour/day; NULL: kept */
	const char *exempt; /* key limits --exempt on|off; NULL: kept */
	const char *scopes; /* key create --scopes a,b; NULL: every scope */
	int platform_admin; /* user create --platform-admin */
	int role_given; /* --role was on the command line */
	const char *quota; /* key limits --monthly-characters N|none */
	int dir_given; /* --dir was on the command line */
	long keep; /* backup --keep N; 0: backup_keep */
	const char *verify; /* restore --verify FILE */
};

/* Returns the whole number s (1 to max), or -1 (reported). */
static long parse_count(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < 1 || v > max) {
		fprintf(stderr, "dragoman-admin: '%s' must be a number from 1 to %ld\n", s, max);
		return -1;
	}
	return v;
}

/* migrate: returns the exit status. */
static int cmd_migrate(struct admin *a, char **args)
{
	char err[1024];

	(void)args;
	/* its advisory lock is held across transactions: a transaction
	 * pooler could take it on one server connection and release it on
	 * another */
	if (!a->cfg->db_prepared_statements) {
		fprintf(stderr,
		    "dragoman-admin: migrate: connect to PostgreSQL directly, not through "
		    "a transaction pooler: DRAGOMAN_DB_PREPARED_STATEMENTS=on "
		    "DRAGOMAN_DATABASE_URL=postgresql://... dragoman-admin migrate\n");
		return 2;
	}
	int n = migrate_apply(a->db, a->migrations, stdout, err, sizeof(err));

	if (n < 0) {
		fprintf(stderr, "dragoman-admin: migrate: %s\n", err);
		return 1;
	}
	printf("%d migration(s) applied; schema is current\n", n);
	/* a statement the schema cannot take is found now, not when a
	 * request first needs it */
	if ((n = db_prepare_all(a->db)) != 0) {
		fprintf(stderr, "dragoman-admin: migrate: %s\n",
		    n < 0 ? db_error(a->db)
		          : "statements do not prepare against the schema (see the log above)");
		return 1;
	}
	printf("%d statements prepare against it\n", STMT__MAX);
	return 0;
}

/* backup: returns the exit status. */
static int cmd_backup(struct admin *a, char **args)
{
	const char *dir = a->dir_given ? a->migrations : a->cfg->backup_dir;
	char err[1024];

	(void)args;
	if (dir == NULL) {
		fprintf(stderr, "dragoman-admin: backup: set backup_dir or give --dir\n");
		return 2;
	}
	if (backup_run(a->cfg->database_url, dir, a->keep > 0 ? a->keep : a->cfg->backup_keep,
	        stdout, err, sizeof(err)) < 0) {
		fprintf(stderr, "dragoman-admin: backup: %s\n", err);
		return 1;
	}
	return 0;
}

/* restore --verify FILE: 0 when the backup holds, 1 when it does not or
 * could not be checked. */
static int cmd_restore(struct admin *a, char **args)
{
	char err[1024];
	int rc;

	(void)args;
	if (a->verify == NULL) {
		fprintf(stderr,
		    "dragoman-admin: restore: only --verify FILE is offered; restore a "
		    "backup with pg_restore (see operations.md in the documentation)\n");
		return 2;
	}
	rc = backup_verify(a->cfg->database_url, a->verify, stdout, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "dragoman-admin: restore --verify: %s\n", err);
	else
		printf("verified=%s\n", rc == 0 ? "yes" : "no");
	return rc == 0 ? 0 : 1;
}

/* workspace create NAME: prints workspace_id= and api_key= lines. */
static int cmd_workspace_create(struct admin *a, char **args)
{
	const char *name = args[0];
	char id[UUID_STR_LEN + 1], key[APIKEY_LEN + 1], err[1024];

	if (!workspace_plan_valid(a->plan)) {
		fprintf(stderr, "dragoman-admin: --plan must be freemium, pro or enterprise\n");
		return 2;
	}
	if (workspace_create(a->db, name, a->plan, id, key, sizeof(key), err, sizeof(err)) < 0) {
		fprintf(stderr, "dragoman-admin: %s\n", err);
		return 1;
	}
	printf("workspace_id=%s\napi_key=%s\n", id, key);
	fprintf(stderr, "The API key is shown only this once; store it now.\n");
	return 0;
}

/* key create WORKSPACE_ID: prints key_id= and api_key= lines. */
static int cmd_key_create(struct admin *a, char **args)
{
	const char *workspace_id = args[0];
	struct apikey_spec spec = { role_parse(a->role), NULL, NULL, NULL, NULL };
	struct apikey_made made;
	char err[1024], literal[96];
	unsigned mask;

	if (spec.role == ROLE__MAX) {
		fprintf(stderr, "dragoman-admin: --role must be member, admin or platform\n");
		return 2;
	}
	if (a->scopes != NULL && strcmp(a->scopes, "*") != 0) {
		if (strlen(a->scopes) > 80 || scope_list_parse(a->scopes, &mask) < 0) {
			fprintf(stderr,
			    "dragoman-admin: --scopes is a comma-separated list of translate, "
			    "billing:read, billing:write, reports\n");
			return 2;
		}
		snprintf(literal, sizeof(literal), "{%s}", a->scopes);
		spec.scopes = literal;
	}
	if (apikey_create(a->db, workspace_id, &spec, &made, err, sizeof(err)) < 0) {
		fprintf(stderr, "dragoman-admin: %s\n", err);
		return 1;
	}
	printf("key_id=%s\napi_key=%s\n", made.id, made.key);
	fprintf(stderr, "The API key is shown only this once; store it now.\n");
	return 0;
}

/* Drops the cached identity of the key with hash_hex from memcached, so
 * that a change to it applies at once, or marks it revoked there (revoked
 * set; see auth_key_forget()); warns that the old one may still (what)
 * for up to key_cache_ttl when memcached cannot be reached. */
static void drop_cached_key(struct admin *a, const char *hash_hex, int revoked, const char *what)
{
	char err[256], ckey[96];
	struct cache *c =
	    cache_open(a->cfg->memcached_servers, a->cfg->memcached_timeout_ms, err, sizeof(err));

	auth_cache_key(hash_hex, ckey, sizeof(ckey));
	if (c == NULL || (revoked ? auth_key_forget(c, hash_hex) : cache_delete(c, ckey)) < 0)
		fprintf(stderr,
		    "dragoman-admin: warning: memcached not reached; "
		    "the key may %s as before for up to %lds more\n",
		    what, a->cfg->key_cache_ttl);
	cache_close(c);
}

/* Checks the --per-* values: a number from 1 to 10^9, or word (plan,
 * none). Returns 0, or -1 (reported). */
static int rate_values_check(const struct admin *a, const char *word)
{
	for (int i = 0; i < RATE_WINDOW__MAX; i++) {
		char *end;
		long v;
		if (a->rate[i] == NULL || strcmp(a->rate[i], word) == 0)
			continue;
		v = strtol(a->rate[i], &end, 10);
		if (end == a->rate[i] || *end != '\0' || v < 1 || v > 1000000000L) {
			fprintf(stderr,
			    "dragoman-admin: --per-%s must be a number from 1 to "
			    "1000000000, or %s\n",
			    rate_window_name((enum rate_window)i), word);
			return -1;
		}
	}
	return 0;
}

/* key limits ID|PREFIX: sets the key's own limits. Returns the exit status. */
static int cmd_key_limits(struct admin *a, char **args)
{
	const char *which = args[0];
	const char *params[] = { which, a->rate[0], a->rate[1], a->rate[2], a->exempt, a->quota };
	PGresult *res;
	int rc = 1;

	if (rate_values_check(a, "plan") < 0)
		return 2;
	if (a->quota != NULL && strcmp(a->quota, "none") != 0 &&
	    (strspn(a->quota, "0123456789") != strlen(a->quota) || strlen(a->quota) > 12 ||
	        atoll(a->quota) < 1)) {
		fprintf(stderr,
		    "dragoman-admin: --monthly-characters must be a number from 1 to "
		    "999999999999, or none\n");
		return 2;
	}
	if (a->exempt != NULL && strcmp(a->exempt, "on") != 0 && strcmp(a->exempt, "off") != 0) {
		fprintf(stderr, "dragoman-admin: --exempt must be on or off\n");
		return 2;
	}
	res = db_exec(a->db, STMT_KEY_LIMITS, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "dragoman-admin: %s\n",
		    res ? PQresultErrorMessage(res) : db_error(a->db));
	else if (PQntuples(res) == 0)
		fprintf(stderr, "dragoman-admin: no active key %s\n", which);
	else {
		drop_cached_key(a, PQgetvalue(res, 0, 1), 0, "be limited");
		printf("key_id=%s\nper_minute=%s\nper_hour=%s\nper_day=%s\nexempt=%s\n"
		       "monthly_characters=%s\n",
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
		    PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 6));
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/* plan limits NAME: sets a plan's limits; keys see them once their cached
 * identity expires (key_cache_ttl). Returns the exit status. */
static int cmd_plan_limits(struct admin *a, char **args)
{
	const char *plan = args[0];
	const char *params[] = { plan, a->rate[0], a->rate[1], a->rate[2] };
	PGresult *res;
	int rc = 1;

	if (rate_values_check(a, "none") < 0)
		return 2;
	res = db_exec(a->db, STMT_PLAN_LIMITS, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "dragoman-admin: %s\n",
		    res ? PQresultErrorMessage(res) : db_error(a->db));
	else if (PQntuples(res) == 0)
		fprintf(stderr, "dragoman-admin: no plan named %s\n", plan);
	else {
		printf("plan=%s\nper_minute=%s\nper_hour=%s\nper_day=%s\n", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
		fprintf(stderr, "Keys see the change within key_cache_ttl (%lds).\n",
		    a->cfg->key_cache_ttl);
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/* Reads a password from $DRAGOMAN_PASSWORD, else one line of stdin, into
 * buf. Returns 0, or -1 (reported) when it is shorter than
 * PASSWORD_MIN_LEN. */
static int read_password(char *buf, size_t bufsz)
{
	const char *env = getenv("DRAGOMAN_PASSWORD");
	size_t n;

	if (env != NULL)
		snprintf(buf, bufsz, "%s", env);
	else if (fgets(buf, (int)bufsz, stdin) == NULL)
		buf[0] = '\0';
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (n < PASSWORD_MIN_LEN) {
		fprintf(stderr, "dragoman-admin: the password needs at least %d characters\n",
		    PASSWORD_MIN_LEN);
		return -1;
	}
	return 0;
}

/* user create WS EMAIL: prints user_id=. Returns the exit status. */
static int cmd_user_create(struct admin *a, char **args)
{
	const char *workspace_id = args[0], *email = args[1];
	char password[PASSWORD_MAX_LEN + 2], hash[PASSWORD_HASH_MAX];
	const char *role = strcmp(a->role, "admin") == 0 && !a->role_given ? "owner" : a->role;
	const char *params[] = { workspace_id, email, role, hash, a->platform_admin ? "on" : "off",
		NULL, NULL };
	PGresult *res;
	int rc = 1;

	if (strcmp(role, "owner") != 0 && strcmp(role, "admin") != 0 &&
	    strcmp(role, "member") != 0) {
		fprintf(stderr, "dragoman-admin: --role must be owner, admin or member\n");
		return 2;
	}
	if (read_password(password, sizeof(password)) < 0)
		return 2;
	if (password_hash(password, (int)a->cfg->password_log2n, hash, sizeof(hash)) < 0) {
		fprintf(stderr, "dragoman-admin: cannot hash the password\n");
		return 1;
	}
	res = db_exec(a->db, STMT_USER_INSERT, params);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		printf("user_id=%s\n", PQgetvalue(res, 0, 0));
		rc = 0;
	} else
		fprintf(stderr, "dragoman-admin: user create: %s",
		    res != NULL ? PQresultErrorMessage(res) : db_error(a->db));
	PQclear(res);
	return rc;
}

/* Re-seals one stale row (columns ws, provider, key_id, nonce, data of
 * res[i]) under the current key. Returns 1 re-sealed, 0 skipped (changed
 * meanwhile), -1 failed (reported). */
static int rekey_row(struct worker *w, const PGresult *res, int i, const char *current)
{
	const char *ws = PQgetvalue(res, i, 0), *pv = PQgetvalue(res, i, 1);
	char aad[160], plain[SECRET_MAX + 1], nonce[2 * SECRETS_NONCE_LEN + 1];
	char data[2 * (SECRET_MAX + SECRETS_TAG_LEN) + 1];
	const char *params[6];
	struct sealed s;
	long n;
	PGresult *up;
	int rc;

	credentials_aad(ws, pv, aad, sizeof(aad));
	if (credentials_sealed_parse(PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
	        PQgetvalue(res, i, 4), &s) < 0 ||
	    (n = secrets_open(aad, &s, plain)) < 0) {
		fprintf(stderr, "dragoman-admin: %s/%s: cannot open it (is key %s in the file?)\n",
		    ws, pv, PQgetvalue(res, i, 2));
		return -1;
	}
	rc = secrets_seal(aad, plain, (size_t)n, &s);
	OPENSSL_cleanse(plain, sizeof(plain));
	if (rc < 0)
		return -1;
	hex_encode(s.nonce, SECRETS_NONCE_LEN, nonce);
	hex_encode(s.data, s.len, data);
	params[0] = ws;
	params[1] = pv;
	params[2] = PQgetvalue(res, i, 2);
	params[3] = current;
	params[4] = nonce;
	params[5] = data;
	up = db_exec(w->db, STMT_CRED_REKEY, params);
	rc = up != NULL && PQresultStatus(up) == PGRES_TUPLES_OK ? PQntuples(up) : -1;
	PQclear(up);
	if (w->cache != NULL)
		credentials_forget(w, ws, pv);
	return rc;
}

/* secrets rotate: re-seals every provider credential not under the first
 * key of master_keys_file. Returns the exit status. */
static int cmd_secrets_rotate(struct admin *a, char **args)
{
	char err[512], current[SECRETS_KEY_ID_LEN + 1];
	const char *params[] = { current };
	struct worker w;
	PGresult *res;
	int done = 0, failed = 0;

	(void)args;
	if (secrets_load(a->cfg->master_keys_file, err, sizeof(err)) < 0 ||
	    secrets_current_id(current) < 0) {
		fprintf(stderr, "dragoman-admin: secrets rotate: %s\n", err);
		return 1;
	}
	res = db_exec(a->db, STMT_CRED_STALE, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "dragoman-admin: secrets rotate: %s\n", db_error(a->db));
		PQclear(res);
		return 1;
	}
	/* memcached only drops the cached sealed rows: without it they age out */
	memset(&w, 0, sizeof(w));
	w.cfg = a->cfg;
	w.db = a->db;
	w.cache =
	    cache_open(a->cfg->memcached_servers, a->cfg->memcached_timeout_ms, err, sizeof(err));
	for (int i = 0; i < PQntuples(res); i++) {
		int rc = rekey_row(&w, res, i, current);
		done += rc == 1;
		failed += rc < 0;
	}
	PQclear(res);
	cache_close(w.cache);
	printf("key=%s\nresealed=%d\nfailed=%d\n", current, done, failed);
	return failed ? 1 : 0;
}

/* key revoke ID|PREFIX: revokes in PostgreSQL and drops the cached entry
 * so that the key stops working at once (within key_cache_ttl at worst,
 * when memcached cannot be reached). */
static int cmd_key_revoke(struct admin *a, char **args)
{
	const char *which = args[0];
	const char *params[] = { which };
	PGresult *res = db_exec(a->db, STMT_KEY_REVOKE, params);
	int rc = 1;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "dragoman-admin: %s\n",
		    res ? PQresultErrorMessage(res) : db_error(a->db));
	} else if (PQntuples(res) == 0) {
		fprintf(stderr, "dragoman-admin: no active key %s\n", which);
	} else {
		drop_cached_key(a, PQgetvalue(res, 0, 1), 1, "work");
		printf("revoked key_id=%s\n", PQgetvalue(res, 0, 0));
		rc = 0;
	}
	PQclear(res);
	return rc;
}

/* key list WORKSPACE_ID: one tab-separated line per key. */
static int cmd_key_list(struct admin *a, char **args)
{
	const char *workspace_id = args[0];
	const char *params[] = { workspace_id };
	PGresult *res = db_exec(a->db, STMT_KEY_LIST, params);

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "dragoman-admin: %s\n",
		    res ? PQresultErrorMessage(res) : db_error(a->db));
		PQclear(res);
		return 1;
	}
	printf("id\tprefix\trole\tcreated_at\tlast_used_at\trevoked_at\n");
	for (int i = 0; i < PQntuples(res); i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    PQgetvalue(res, i, 2), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
		    PQgetvalue(res, i, 5));
	PQclear(res);
	return 0;
}

/* Fills w with a's configuration and database and a new memcached
 * handle. Returns 0, or -1 (reported). */
static int admin_worker(struct admin *a, struct worker *w)
{
	char err[256];

	memset(w, 0, sizeof(*w));
	w->cfg = a->cfg;
	w->db = a->db;
	w->cache =
	    cache_open(a->cfg->memcached_servers, a->cfg->memcached_timeout_ms, err, sizeof(err));
	if (w->cache == NULL) {
		fprintf(stderr, "dragoman-admin: %s\n", err);
		return -1;
	}
	return 0;
}

/* cache stats: prints the statistics as JSON; returns the exit status. */
static int cmd_cache_stats(struct admin *a, char **args)
{
	struct worker w;
	struct json_object *o;

	(void)args;
	if (admin_worker(a, &w) < 0)
		return 1;
	o = tcache_stats(&w, NULL, a->hours);
	cache_close(w.cache);
	if (o == NULL) {
		fprintf(stderr, "dragoman-admin: cache stats: %s\n", db_error(a->db));
		return 1;
	}
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	return 0;
}

/* cache warm: returns the exit status. */
static int cmd_cache_warm(struct admin *a, char **args)
{
	struct worker w;
	long n;

	(void)args;
	if (admin_worker(a, &w) < 0)
		return 1;
	n = tcache_warm(&w, a->limit);
	cache_close(w.cache);
	if (n < 0) {
		fprintf(stderr, "dragoman-admin: cache warm: %s\n", db_error(a->db));
		return 1;
	}
	printf("warmed=%ld\n", n);
	return 0;
}

/* partitions ensure: creates the months ahead and applies the retention.
 * Returns the exit status. */
static int cmd_partitions_ensure(struct admin *a)
{
	char ahead[24], keep[24];
	const char *p1[] = { ahead }, *p2[] = { keep };
	PGresult *res;
	int ok;

	snprintf(ahead, sizeof(ahead), "%ld", a->months);
	res = db_exec(a->db, STMT_USAGE_PARTITIONS_AHEAD, p1);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
	if (ok)
		printf("created=%s\n", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (ok && a->cfg->usage_retention_months > 0) {
		snprintf(keep, sizeof(keep), "%ld", a->cfg->usage_retention_months);
		res = db_exec(a->db, STMT_USAGE_DROP_BEFORE, p2);
		ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
		for (int i = 0; ok && i < PQntuples(res); i++)
			printf("dropped=%s\n", PQgetvalue(res, i, 0));
		PQclear(res);
	}
	if (!ok)
		fprintf(stderr, "dragoman-admin: partitions ensure: %s\n", db_error(a->db));
	return ok ? 0 : 1;
}

/* rollup [--rebuild]: returns the exit status. */
/* Loads the usage spool's events into PostgreSQL (nothing without
 * usage_spool_dir) and prints how many. Returns 0, or -1 when some stay. */
static int usage_load(struct admin *a)
{
	long n = a->cfg->usage_spool_dir != NULL
	    ? spool_load_dir(a->cfg->usage_spool_dir, a->db, ADMIN_SPOOL_WAIT_MS)
	    : 0;

	if (n >= 0)
		printf("usage_events_loaded=%ld\n", n);
	return n >= 0 ? 0 : -1;
}

static int cmd_rollup(struct admin *a, int rebuild)
{
	PGresult *res;
	int ok;

	/* the hours a spooled event may fall in close once it is loaded */
	(void)usage_load(a);
	res = db_exec(a->db, rebuild ? STMT_USAGE_ROLLUP_REBUILD : STMT_USAGE_ROLLUP, NULL);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;

	if (ok)
		printf("hours_rolled_up=%s\n", PQgetvalue(res, 0, 0));
	else
		fprintf(stderr, "dragoman-admin: rollup: %s",
		    res != NULL ? PQresultErrorMessage(res) : db_error(a->db));
	PQclear(res);
	return ok ? 0 : 1;
}

/* usage load: returns the exit status. */
static int cmd_usage_load(struct admin *a, char **args)
{
	(void)args;
	return usage_load(a) == 0 ? 0 : 1;
}

/* usage pending: the spool segments not loaded yet. Returns the exit
 * status. */
static int cmd_usage_pending(struct admin *a, char **args)
{
	PGresult *res = db_exec(a->db, STMT_SPOOL_PENDING, NULL);
	int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;

	(void)args;
	for (int i = 0; ok && i < PQntuples(res); i++)
		printf("%s\tfirst_at=%s\tloaded_bytes=%s\n", PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
	if (!ok)
		fprintf(stderr, "dragoman-admin: usage pending: %s\n", db_error(a->db));
	PQclear(res);
	return ok ? 0 : 1;
}

/* usage abandon SEGMENT: returns the exit status. */
static int cmd_usage_abandon(struct admin *a, char **args)
{
	const char *values[] = { args[0] };
	PGresult *res = db_exec(a->db, STMT_SPOOL_ABANDON, values);
	int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	int n = ok ? atoi(PQcmdTuples(res)) : 0;

	if (ok && n == 0)
		fprintf(stderr, "dragoman-admin: usage abandon: no pending segment %s\n", args[0]);
	else if (!ok)
		fprintf(stderr, "dragoman-admin: usage abandon: %s\n", db_error(a->db));
	PQclear(res);
	return ok && n == 1 ? 0 : 1;
}

/* partitions list: returns the exit status. */
static int cmd_partitions_list(struct admin *a, char **args)
{
	PGresult *res = db_exec(a->db, STMT_USAGE_PARTITION_LIST, NULL);
	int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;

	(void)args;
	for (int i = 0; ok && i < PQntuples(res); i++)
		printf("%s\n", PQgetvalue(res, i, 0));
	PQclear(res);
	return ok ? 0 : 1;
}

/* maintain: partitions ensure (the months ahead, the retention), the
 * usage spool's load and the hourly rollup,
 * releases expired credit holds, moves open payments on (auto-recharges
 * left pending by dead workers, PaymentIntents still processing) and drops idempotency keys older than a day. Returns
 * the exit status. */
static int cmd_maintain(struct admin *a, char **args)
{
	int ok = cmd_partitions_ensure(a) == 0 && cmd_rollup(a, 0) == 0;
	PGresult *res;
	struct worker w;
	long released;

	(void)args;
	memset(&w, 0, sizeof(w));
	w.cfg = a->cfg;
	w.db = a->db;
	released = billing_release_all_expired(&w);
	if (released >= 0)
		printf("workspaces_with_expired_holds=%ld\n", released);
	/* open payments: auto-recharges whose worker died before running
	 * them, PaymentIntents still processing, payments past expiry */
	(void)payments_admin_resolve(a->cfg, a->db);
	res = db_exec(a->db, STMT_IDEM_EXPIRE, NULL);
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK)
		printf("idempotency_keys_dropped=%s\n", PQcmdTuples(res));
	else
		ok = 0;
	PQclear(res);
	res = db_exec(a->db, STMT_SPOOL_FORGET, (const char *const[]){ "7" });
	if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
		ok = 0;
	PQclear(res);
	/* rollups wait for these: a file lost with its machine needs an operator */
	res = db_exec(a->db, STMT_SPOOL_STALE, NULL);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK) {
		printf("usage_segments_pending_over_an_hour=%s\n", PQgetvalue(res, 0, 0));
		if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
			fprintf(stderr,
			    "dragoman-admin: usage spool segments have waited over an hour "
			    "to be loaded, and rollups wait for them: see dragoman-admin usage "
			    "pending\n");
	} else
		ok = 0;
	PQclear(res);
	return ok && released >= 0 ? 0 : 1;
}

/* billing grant|adjust WS AMOUNT: one ledger row and the balance change.
 * Returns the exit status. */
static int cmd_billing_change(struct admin *a, const char *what, const char *ws, const char *amount)
{
	int negative = amount[0] == '-', grant = strcmp(what, "grant") == 0;
	long long micros;
	char m[32], text[256];
	const char *params[6];
	PGresult *res = NULL;
	int ok;

	if (money_parse(amount + negative, &micros) < 0 || micros == 0 || (grant && negative)) {
		fprintf(stderr,
		    "dragoman-admin: amount must be a %snon-zero decimal such as 5.00\n",
		    grant ? "positive " : "");
		return 2;
	}
	if (!grant && a->reason == NULL) {
		fprintf(stderr, "dragoman-admin: an adjustment needs --reason\n");
		return 2;
	}
	snprintf(m, sizeof(m), "%s%lld", negative ? "-" : "", micros);
	snprintf(text, sizeof(text), "%s", a->reason != NULL ? a->reason : "grant by an operator");
	params[0] = ws;
	params[1] = m;
	params[2] = grant ? "grant" : "adjustment";
	params[3] = text;
	params[4] = "dragoman-admin";
	params[5] = NULL;
	/* what is taken away may be in the credit lanes: swept back first,
	 * in the change's transaction (db/migrations/0028) */
	if (negative &&
	    (db_command(a->db, "BEGIN") < 0 ||
	        (res = db_exec(a->db, STMT_LANES_SWEEP, params)) == NULL ||
	        PQresultStatus(res) != PGRES_TUPLES_OK)) {
		fprintf(stderr,
		    "dragoman-admin: billing %s: the credit lanes cannot be swept: %s\n", what,
		    res != NULL ? PQresultErrorMessage(res) : db_error(a->db));
		PQclear(res);
		(void)db_command(a->db, "ROLLBACK");
		return 1;
	}
	if (negative)
		PQclear(res);
	res = db_exec(a->db, STMT_LEDGER_CHANGE, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (negative && db_command(a->db, ok ? "COMMIT" : "ROLLBACK") < 0)
		ok = 0;
	if (ok)
		printf("ledger_id=%s\nbalance=%s\n", PQgetvalue(res, 0, 0),
		    money_format(db_num(res, 0, 1), m, sizeof(m)));
	else
		fprintf(stderr, "dragoman-admin: billing %s: %s\n", what,
		    res == NULL ? db_error(a->db)
		        : PQresultStatus(res) != PGRES_TUPLES_OK
		        ? PQresultErrorMessage(res)
		        : "no such workspace, or the balance would fall below what is reserved");
	PQclear(res);
	return ok ? 0 : 1;
}

/* billing coupon CODE AMOUNT: returns the exit status. */
static int cmd_billing_coupon(struct admin *a, const char *code, const char *amount, int limited)
{
	long long micros;
	char m[32], max[24];
	const char *params[] = { code, m, max, NULL };
	PGresult *res;
	int ok;

	if (money_parse(amount, &micros) < 0 || micros == 0) {
		fprintf(stderr, "dragoman-admin: amount must be a positive decimal such as 5.00\n");
		return 2;
	}
	snprintf(m, sizeof(m), "%lld", micros);
	snprintf(max, sizeof(max), "%ld", limited ? a->limit : 1L);
	res = db_exec(a->db, STMT_COUPON_CREATE, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		printf("coupon=%s\namount=%s\nmax_redemptions=%s\n", code,
		    money_format(micros, m, sizeof(m)), max);
	else
		fprintf(stderr, "dragoman-admin: billing coupon: %s",
		    res != NULL ? PQresultErrorMessage(res) : db_error(a->db));
	PQclear(res);
	return ok ? 0 : 1;
}

/* Tells why the statement of command what gave no workspace row: the
 * database's error, or no such workspace. */
static void workspace_row_failed(struct admin *a, PGresult *res, const char *what)
{
	fprintf(stderr, "dragoman-admin: %s: %s\n", what,
	    res == NULL                                  ? db_error(a->db)
	        : PQresultStatus(res) != PGRES_TUPLES_OK ? PQresultErrorMessage(res)
	                                                 : "no such workspace");
}

/* billing cap WS AMOUNT|plan: returns the exit status. */
static int cmd_billing_cap(struct admin *a, const char *ws, const char *amount)
{
	long long micros = 0;
	char m[32];
	const char *params[] = { ws, NULL };
	PGresult *res;
	int ok;

	if (strcmp(amount, "plan") != 0) {
		if (money_parse(amount, &micros) < 0) {
			fprintf(stderr,
			    "dragoman-admin: cap must be a decimal such as 50.00, or plan\n");
			return 2;
		}
		snprintf(m, sizeof(m), "%lld", micros);
		params[1] = m;
	}
	res = db_exec(a->db, STMT_BILLING_SET_CAP, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (!ok)
		workspace_row_failed(a, res, "billing cap");
	PQclear(res);
	return ok ? 0 : 1;
}

/* billing lanes WS N: gives workspace WS N credit lanes (0: none), its
 * lanes swept back first. Returns the exit status. */
static int cmd_billing_lanes(struct admin *a, char **args)
{
	char *end;
	long n = strtol(args[1], &end, 10);
	const char *params[] = { args[0], args[1] };
	PGresult *res;
	int ok;

	if (*args[1] == '\0' || *end != '\0' || n < 0 || n > 64) {
		fprintf(stderr, "dragoman-admin: lanes must be a number from 0 to 64\n");
		return 2;
	}
	res = db_exec(a->db, STMT_LANES_SET, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok) {
		char m[32];
		printf("lanes=%ld\nswept_back=%s\n", n,
		    money_format(db_num(res, 0, 0), m, sizeof(m)));
	} else
		workspace_row_failed(a, res, "billing lanes");
	PQclear(res);
	return ok ? 0 : 1;
}

/* The commands that only wrap another with a fixed argument. */
static int cmd_partitions_ensure_run(struct admin *a, char **args)
{
	(void)args;
	return cmd_partitions_ensure(a);
}

static int cmd_rollup_run(struct admin *a, char **args)
{
	(void)args;
	return cmd_rollup(a, a->rebuild);
}

static int cmd_billing_grant(struct admin *a, char **args)
{
	return cmd_billing_change(a, "grant", args[0], args[1]);
}

static int cmd_billing_adjust(struct admin *a, char **args)
{
	return cmd_billing_change(a, "adjust", args[0], args[1]);
}

static int cmd_billing_cap_run(struct admin *a, char **args)
{
	return cmd_billing_cap(a, args[0], args[1]);
}

static int cmd_billing_coupon_run(struct admin *a, char **args)
{
	return cmd_billing_coupon(a, args[0], args[1], a->limit_given);
}

/* statement NAME: prints the SQL of a prepared statement. Returns the
 * exit status. */
static int cmd_statement(struct admin *a, char **args)
{
	const struct stmt_def *d = stmt_def_named(args[0]);

	(void)a;
	if (d == NULL) {
		fprintf(stderr, "dragoman-admin: no statement named %s\n", args[0]);
		return 1;
	}
	printf("%s\n", d->sql);
	return 0;
}

/* payments WORDS: src/cli/payments_admin.c. Return the exit status. */
static int cmd_payments_unmatched(struct admin *a, char **args)
{
	(void)args;
	return payments_admin_unmatched(a->db);
}

static int cmd_payments_assign(struct admin *a, char **args)
{
	return payments_admin_assign(a->db, args[0], args[1]);
}

static int cmd_payments_dismiss(struct admin *a, char **args)
{
	return payments_admin_dismiss(a->db, args[0], a->reason);
}

static int cmd_payments_resolve(struct admin *a, char **args)
{
	(void)args;
	return payments_admin_resolve(a->cfg, a->db);
}

/* One command: its words, how many arguments follow them, how it is
 * written and what it does (for usage), and what runs it. */
struct command {
	const char *words;
	int nargs;
	const char *synopsis;
	const char *help;
	int (*run)(struct admin *a, char **args);
};

static const struct command commands[] = {
	{ "migrate", 0, "migrate [--dir DIR]", "apply pending schema migrations", cmd_migrate },
	{ "workspace create", 1, "workspace create NAME [--plan P]",
	    "create a workspace and its first key", cmd_workspace_create },
	{ "key create", 1, "key create WORKSPACE_ID [--role R] [--scopes S,...]",
	    "add a key (role member, admin or platform; scopes translate, billing:read, "
	    "billing:write, reports)",
	    cmd_key_create },
	{ "key revoke", 1, "key revoke KEY_ID|PREFIX", "revoke a key at once", cmd_key_revoke },
	{ "key list", 1, "key list WORKSPACE_ID", "list a workspace's keys", cmd_key_list },
	{ "key limits", 1,
	    "key limits KEY_ID|PREFIX [--per-minute N|plan] [--per-hour N|plan] "
	    "[--per-day N|plan] [--exempt on|off] [--monthly-characters N|none]",
	    "the key's own rate limits and quota", cmd_key_limits },
	{ "user create", 2, "user create WORKSPACE_ID EMAIL [--role R] [--platform-admin]",
	    "add a user (role owner, admin or member); the password is read from "
	    "$DRAGOMAN_PASSWORD or stdin",
	    cmd_user_create },
	{ "plan limits", 1,
	    "plan limits PLAN [--per-minute N|none] [--per-hour N|none] "
	    "[--per-day N|none]",
	    "a plan's rate limits (requests per window)", cmd_plan_limits },
	{ "cache stats", 0, "cache stats [--hours N]", "translation cache hits, misses, hit rate",
	    cmd_cache_stats },
	{ "cache warm", 0, "cache warm [--limit N]",
	    "load the N most-hit translations into memcached", cmd_cache_warm },
	{ "maintain", 0, "maintain",
	    "create the coming months' usage partitions, load the usage "
	    "spool, roll usage up, release expired credit holds, move open payments on, drop old "
	    "idempotency keys",
	    cmd_maintain },
	{ "billing grant", 2, "billing grant WS AMOUNT [--reason R]", "add credit (e.g. 5.00)",
	    cmd_billing_grant },
	{ "billing adjust", 2, "billing adjust WS --reason R -- [-]AMOUNT",
	    "correct a balance either way", cmd_billing_adjust },
	{ "billing cap", 2, "billing cap WS AMOUNT|plan", "set the monthly cap (plan: the plan's)",
	    cmd_billing_cap_run },
	{ "billing lanes", 2, "billing lanes WS N",
	    "split a busy workspace's credit into N lanes that charge side by side (0: none)",
	    cmd_billing_lanes },
	{ "billing coupon", 2, "billing coupon CODE AMOUNT [--limit N]",
	    "create a coupon (N redemptions, 1 unless given)", cmd_billing_coupon_run },
	{ "payments unmatched", 0, "payments unmatched",
	    "Stripe events about money that match no payment", cmd_payments_unmatched },
	{ "payments assign", 2, "payments assign EVENT WS",
	    "credit an unmatched succeeded payment to WS, once", cmd_payments_assign },
	{ "payments dismiss", 1, "payments dismiss EVENT --reason R",
	    "close an unmatched event (e.g. refunded in Stripe)", cmd_payments_dismiss },
	{ "payments resolve", 0, "payments resolve", "move open payments on (retrieve, expire)",
	    cmd_payments_resolve },
	{ "partitions ensure", 0, "partitions ensure [--months N]",
	    "usage partitions for this "
	    "month and N ahead (3), and drop those past usage_retention_months",
	    cmd_partitions_ensure_run },
	{ "partitions list", 0, "partitions list", "the usage partitions", cmd_partitions_list },
	{ "rollup", 0, "rollup [--rebuild]",
	    "load the usage spool, then roll the closed hours' "
	    "usage up (hourly, daily, monthly); --rebuild: again for every day with raw events",
	    cmd_rollup_run },
	{ "usage load", 0, "usage load",
	    "load the usage events spooled in usage_spool_dir that "
	    "no worker is writing at that moment",
	    cmd_usage_load },
	{ "usage pending", 0, "usage pending",
	    "usage spool segments not loaded yet (rollups "
	    "wait for the hours they may hold)",
	    cmd_usage_pending },
	{ "usage abandon", 1, "usage abandon SEGMENT",
	    "give up a pending segment whose file is "
	    "lost, so that rollups stop waiting for it",
	    cmd_usage_abandon },
	{ "secrets rotate", 0, "secrets rotate",
	    "re-seal workspaces' provider keys under the "
	    "first key of master_keys_file",
	    cmd_secrets_rotate },
	{ "statement", 1, "statement NAME", "print the SQL of a prepared statement",
	    cmd_statement },
	{ "backup", 0, "backup [--dir DIR] [--keep N]",
	    "pg_dump (custom format) and its SHA-256 "
	    "into DIR (backup_dir), keeping the N newest (backup_keep)",
	    cmd_backup },
	{ "restore", 0, "restore --verify FILE",
	    "check FILE's checksum, restore it into a scratch "
	    "database and check every balance against the ledger",
	    cmd_restore },
	{ NULL, 0, NULL, NULL, NULL },
};

/* Prints the usage, from the command table, to f. */
static void usage(FILE *f)
{
	fprintf(f, "usage: dragoman-admin [--config FILE] COMMAND\n");
	for (const struct command *c = commands; c->words != NULL; c++)
		fprintf(f, "  %s\n      %s\n", c->synopsis, c->help);
	fprintf(f,
	    "Migrations default to %s; the configuration to $DRAGOMAN_CONFIG, a\n"
	    "dragoman.conf beside the program, else %s.\n",
	    MIGRATIONS_DIR, SYSCONFDIR "/dragoman/dragoman.conf");
}

/* Returns the command whose words start argv[0..argc) with exactly its
 * number of arguments after them (*words set to how many words it has),
 * or NULL. */
static const struct command *command_of(int argc, char **argv, int *words)
{
	for (const struct command *c = commands; c->words != NULL; c++) {
		char w[64];
		int n = 0;
		snprintf(w, sizeof(w), "%s", c->words);
		int match = 1;
		for (char *save = NULL, *t = strtok_r(w, " ", &save); t != NULL && match;
		     t = strtok_r(NULL, " ", &save), n++)
			match = n < argc && strcmp(argv[n], t) == 0;
		if (match && argc == n + c->nargs) {
			*words = n;
			return c;
		}
	}
	return NULL;
}

/* Runs the command in argv[0..argc). Returns the exit status (2 and the
 * usage when there is no such command). */
static int dispatch(struct admin *a, int argc, char **argv)
{
	int words = 0;
	const struct command *c = command_of(argc, argv, &words);
	char *args[4] = { NULL, NULL, NULL, NULL };

	if (c == NULL) {
		usage(stderr);
		return 2;
	}
	for (int i = words, k = 0; i < argc && k < 3; i++, k++)
		args[k] = argv[i];
	return c->run(a, args);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "plan", required_argument, NULL, 'p' },
		{ "role", required_argument, NULL, 'r' },
		{ "hours", required_argument, NULL, 'H' },
		{ "limit", required_argument, NULL, 'l' },
		{ "reason", required_argument, NULL, 'R' },
		{ "months", required_argument, NULL, 'M' },
		{ "rebuild", no_argument, NULL, 'B' },
		{ "per-minute", required_argument, NULL, '1' },
		{ "per-hour", required_argument, NULL, '2' },
		{ "per-day", required_argument, NULL, '3' },
		{ "exempt", required_argument, NULL, 'x' },
		{ "scopes", required_argument, NULL, 's' },
		{ "platform-admin", no_argument, NULL, 'P' },
		{ "monthly-characters", required_argument, NULL, 'Q' },
		{ "keep", required_argument, NULL, 'K' },
		{ "verify", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct admin a = { NULL, NULL, MIGRATIONS_DIR, "freemium", "admin", 24, 10000, NULL, 0, 3,
		0, { NULL, NULL, NULL }, NULL, NULL, 0, 0, NULL, 0, 0, NULL };
	const char *config_path = NULL;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:d:p:r:H:l:R:M:Bh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config_path = optarg;
			break;
		case 'd':
			a.migrations = optarg;
			a.dir_given = 1;
			break;
		case 'p':
			a.plan = optarg;
			break;
		case 'r':
			a.role = optarg;
			a.role_given = 1;
			break;
		case 'R':
			a.reason = optarg;
			break;
		case 'M':
			if ((a.months = parse_count(optarg, 120)) < 0)
				return 2;
			break;
		case 'H':
			if ((a.hours = parse_count(optarg, 24 * 366)) < 0)
				return 2;
			break;
		case 'l':
			if ((a.limit = parse_count(optarg, 10000000)) < 0)
				return 2;
			a.limit_given = 1;
			break;
		case 'B':
			a.rebuild = 1;
			break;
		case '1':
		case '2':
		case '3':
			a.rate[c - '1'] = optarg;
			break;
		case 'x':
			a.exempt = optarg;
			break;
		case 's':
			a.scopes = optarg;
			break;
		case 'P':
			a.platform_admin = 1;
			break;
		case 'Q':
			a.quota = optarg;
			break;
		case 'K':
			if ((a.keep = parse_count(optarg, 10000)) < 0)
				return 2;
			break;
		case 'V':
			a.verify = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	a.cfg = provider_config_load(config_path, err, sizeof(err));
	if (a.cfg == NULL) {
		fprintf(stderr, "dragoman-admin: %s\n", err);
		return 1;
	}
	a.db = db_open(a.cfg->database_url, a.cfg->db_connect_timeout, ADMIN_STATEMENT_TIMEOUT_MS);
	if (a.db != NULL)
		db_set_unprepared(a.db, !a.cfg->db_prepared_statements);
	rc = a.db != NULL ? dispatch(&a, argc - optind, argv + optind) : 1;
	db_close(a.db);
	config_free(a.cfg);
	return rc;
}
