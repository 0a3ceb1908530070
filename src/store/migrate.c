#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/migrate.h"

#define MIGRATION_MAX_BYTES (4 << 20)
#define MIGRATIONS_MAX 1000

/* The bookkeeping table; created before anything else. */
static const char bootstrap_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                    " version integer PRIMARY KEY,"
                                    " name text NOT NULL,"
                                    " applied_at timestamptz NOT NULL DEFAULT now())";

/* Arbitrary constant naming dragoman's migration lock. */
static const char lock_sql[] = "SELECT pg_advisory_lock(7243061)";
static const char unlock_sql[] = "SELECT pg_advisory_unlock(7243061)";

/* Runs a fixed command. Returns 0 or -1 with err set. */
static int run(struct db *db, const char *sql, char *err, size_t errsz)
{
	PGresult *res = db_exec_script(db, sql);
	ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		snprintf(err, errsz, "%s", res != NULL ? PQresultErrorMessage(res) : db_error(db));
	PQclear(res);
	return ok ? 0 : -1;
}

/* Returns the version of a file named NNNN_name.sql, or -1. */
static int file_version(const char *name)
{
	size_t n = strlen(name);

	if (n < 10 || strcmp(name + n - 4, ".sql") != 0 || name[4] != '_')
		return -1;
	for (int i = 0; i < 4; i++)
		if (name[i] < '0' || name[i] > '9')
			return -1;
	return atoi(name);
}

/* Reads a whole file into a new NUL-terminated buffer (caller frees).
 * Returns NULL with err set. */
static char *read_file(const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n;

	if (f == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MIGRATION_MAX_BYTES + 1);
	if (buf != NULL) {
		n = fread(buf, 1, MIGRATION_MAX_BYTES + 1, f);
		if (ferror(f) || n > MIGRATION_MAX_BYTES) {
			snprintf(err, errsz, "%s: unreadable or too large", path);
			free(buf);
			buf = NULL;
		} else
			buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

/* Returns 1 when version is recorded, 0 when not, -1 on error. */
static int applied(struct db *db, int version, char *err, size_t errsz)
{
	char v[16];
	const char *params[] = { v };
	PGresult *res;
	int rc;

	snprintf(v, sizeof(v), "%d", version);
	res = db_exec(db, STMT_MIGRATION_APPLIED, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errsz, "%s", res ? PQresultErrorMessage(res) : db_error(db));
		rc = -1;
	} else
		rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

/* Applies one migration file in a transaction. Returns 0 or -1. */
static int apply_one(struct db *db, const char *dir, const char *name, int version, char *err,
    size_t errsz)
{
	char path[4096], v[16], e2[512];
	char *sql;
	PGresult *res;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	sql = read_file(path, err, errsz);
	if (sql == NULL)
		return -1;
	if (run(db, "BEGIN", err, errsz) < 0) {
		free(sql);
		return -1;
	}
	if (run(db, sql, e2, sizeof(e2)) < 0) {
		snprintf(err, errsz, "%s: %s", name, e2);
		free(sql);
		(void)run(db, "ROLLBACK", e2, sizeof(e2));
		return -1;
	}
	free(sql);
	snprintf(v, sizeof(v), "%d", version);
	const char *params[] = { v, name };
	res = db_exec(db, STMT_MIGRATION_RECORD, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || run(db, "COMMIT", err, errsz) < 0) {
		if (!ok)
			snprintf(err, errsz, "%s: cannot record the migration", name);
		(void)run(db, "ROLLBACK", e2, sizeof(e2));
		return -1;
	}
	return 0;
}

/* qsort comparator for migration file names (their versions lead). */
static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int migrate_apply(struct db *db, const char *dir, FILE *out, char *err, size_t errsz)
{
	char *names[MIGRATIONS_MAX];
	int n = 0, done = 0, rc = -1, last = -1;
	struct dirent *de;
	DIR *d = opendir(dir);
	char e2[512];

	if (d == NULL) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < MIGRATIONS_MAX)
		if (file_version(de->d_name) >= 0 && (names[n] = strdup(de->d_name)) != NULL)
			n++;
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	if (run(db, lock_sql, err, errsz) < 0 || run(db, bootstrap_sql, err, errsz) < 0)
		goto out;
	for (int i = 0; i < n; i++) {
		int v = file_version(names[i]);
		if (v == last) {
			snprintf(err, errsz, "two migrations have version %04d", v);
			goto unlock;
		}
		last = v;
		int a = applied(db, v, err, errsz);
		if (a < 0)
			goto unlock;
		if (a)
			continue;
		if (apply_one(db, dir, names[i], v, err, errsz) < 0)
			goto unlock;
		fprintf(out, "applied %s\n", names[i]);
		done++;
	}
	rc = done;
unlock:
	(void)run(db, unlock_sql, e2, sizeof(e2));
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	return rc;
}
