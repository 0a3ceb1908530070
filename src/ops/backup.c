#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ops/backup.h"

#define PREFIX "dragoman-"
#define SUFFIX ".dump"

/* Returns conninfo as a new key='value' string (caller frees) without its
 * password, which is copied into password (or "" when it has none), and
 * with dbname replaced by dbname when that is not NULL. Returns NULL when
 * conninfo does not parse or memory ran out (err says which). */
static char *conninfo_rewrite(const char *conninfo, const char *dbname, char *password, size_t pwsz,
    char *err, size_t errsz)
{
	char *perr = NULL, *out = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	size_t len = 0;
	FILE *f;

	password[0] = '\0';
	if (opts == NULL) {
		snprintf(err, errsz, "database_url: %s", perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		return NULL;
	}
	if ((f = open_memstream(&out, &len)) == NULL) {
		PQconninfoFree(opts);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	if (dbname != NULL)
		fprintf(f, "dbname='%s' ", dbname);
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || (dbname != NULL && strcmp(o->keyword, "dbname") == 0))
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			snprintf(password, pwsz, "%s", o->val);
			continue;
		}
		fprintf(f, "%s='", o->keyword);
		for (const char *v = o->val; *v != '\0'; v++) {
			if (*v == '\'' || *v == '\\')
				fputc('\\', f);
			fputc(*v, f);
		}
		fputs("' ", f);
	}
	fclose(f);
	PQconninfoFree(opts);
	return out;
}

/* Runs argv (argv[0] found on PATH) with PGPASSWORD set to password when
 * it is not empty. Returns its exit status, or -1 when it could not run. */
static int run_tool(char *const argv[], const char *password)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (password[0] != '\0')
			setenv("PGPASSWORD", password, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "dragoman-admin: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Writes the SHA-256 of file path as hex into hex. Returns 0, or -1. */
static int sha256_file(const char *path, char hex[65])
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t n;
	int ok = f != NULL && ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, n) == 1;
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	for (unsigned int i = 0; ok && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (f != NULL)
		fclose(f);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* Returns 1 when name is one of our dumps' names. */
static int is_dump(const char *name)
{
	size_t n = strlen(name);

	return strncmp(name, PREFIX, strlen(PREFIX)) == 0 && n > strlen(SUFFIX) &&
	    strcmp(name + n - strlen(SUFFIX), SUFFIX) == 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Removes all but the keep newest dumps of dir (names sort by time) and
 * their checksums, printing each removed one to out. */
static void prune(const char *dir, long keep, FILE *out)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, by_name), dumps = 0, seen = 0;
	char path[4096];

	for (int i = 0; i < n; i++)
		dumps += is_dump(names[i]->d_name);
	for (int i = 0; i < n; i++) {
		if (is_dump(names[i]->d_name) && seen++ < dumps - keep) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (unlink(path) == 0)
				fprintf(out, "removed=%s\n", path);
			snprintf(path, sizeof(path), "%s/%s.sha256", dir, names[i]->d_name);
			(void)unlink(path);
		}
		free(names[i]);
	}
	free(names);
}

int backup_run(const char *conninfo, const char *dir, long keep, FILE *out, char *err, size_t errsz)
{
	char name[128], path[4096], tmp[4200], sumpath[4200], sumtmp[4300], hex[65];
	char password[256], dbarg[4200], *ci;
	struct timeval now;
	struct tm tm;
	struct stat st;
	FILE *f;
	int rc = -1;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "%s is not a directory", dir);
		return -1;
	}
	if ((ci = conninfo_rewrite(conninfo, NULL, password, sizeof(password), err, errsz)) == NULL)
		return -1;
	gettimeofday(&now, NULL);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(name, sizeof(name), PREFIX "%04d%02d%02dT%02d%02d%02d.%03ldZ" SUFFIX,
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (long)now.tv_usec / 1000);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.partial", path);
	snprintf(dbarg, sizeof(dbarg), "--dbname=%s", ci);
	char *argv[] = { "pg_dump", "--format=custom", "--no-password", "--file", tmp, dbarg,
		NULL };
	/* a backup holds password hashes and sealed keys: for its owner only */
	mode_t mask = umask(077);
	int st_dump = run_tool(argv, password);
	if (st_dump != 0) {
		snprintf(err, errsz, "pg_dump failed (exit status %d)", st_dump);
		goto out;
	}
	if (sha256_file(tmp, hex) < 0) {
		snprintf(err, errsz, "cannot read %s", tmp);
		goto out;
	}
	snprintf(sumpath, sizeof(sumpath), "%s.sha256", path);
	snprintf(sumtmp, sizeof(sumtmp), "%s.partial", sumpath);
	if ((f = fopen(sumtmp, "w")) == NULL || fprintf(f, "%s  %s\n", hex, name) < 0 ||
	    fclose(f) != 0) {
		snprintf(err, errsz, "cannot write %s: %s", sumtmp, strerror(errno));
		goto out;
	}
	/* the dump appears whole, with its checksum beside it, or not at all */
	if (rename(tmp, path) < 0 || rename(sumtmp, sumpath) < 0) {
		snprintf(err, errsz, "cannot rename into %s: %s", path, strerror(errno));
		goto out;
	}
	fprintf(out, "backup=%s\nsha256=%s\n", path, hex);
	prune(dir, keep, out);
	rc = 0;
out:
	umask(mask);
	if (rc < 0) {
		(void)unlink(tmp);
		(void)unlink(sumtmp);
	}
	OPENSSL_cleanse(password, sizeof(password));
	free(ci);
	return rc;
}

/* Compares file with the checksum in file.sha256. Returns 0 when they
 * match, or -1 (err says why). */
static int checksum_matches(const char *file, char *err, size_t errsz)
{
	char sumpath[4200], want[65] = "", got[65];
	FILE *f;

	snprintf(sumpath, sizeof(sumpath), "%s.sha256", file);
	if ((f = fopen(sumpath, "r")) == NULL) {
		snprintf(err, errsz, "cannot open %s: %s", sumpath, strerror(errno));
		return -1;
	}
	if (fscanf(f, "%64s", want) != 1)
		want[0] = '\0';
	fclose(f);
	if (sha256_file(file, got) < 0) {
		snprintf(err, errsz, "cannot read %s", file);
		return -1;
	}
	if (strlen(want) != 64 || strcmp(want, got) != 0) {
		snprintf(err, errsz, "%s does not match its checksum (%s): it is damaged", file,
		    sumpath);
		return -1;
	}
	return 0;
}

/* Runs fixed SQL sql (no parameters) on conn. Returns the result (caller
 * PQclear()s) or NULL with err set when it failed. */
static PGresult *query(PGconn *conn, const char *sql, char *err, size_t errsz)
{
	PGresult *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(res);

	if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
		snprintf(err, errsz, "%s", PQerrorMessage(conn));
		err[strcspn(err, "\n")] = '\0';
		PQclear(res);
		return NULL;
	}
	return res;
}

/* The checks of a restored database: every chain of the ledger (a
 * workspace's main balance, lane 0, and each of its credit lanes) sums to
 * its balance and continues itself row by row. */
static const char checks_sql[] =
    "WITH sums AS (SELECT workspace_id, lane, sum(amount_micros) AS s, count(*) AS n FROM ledger"
    "  GROUP BY 1, 2),"
    " chains AS (SELECT id AS workspace_id, 0::smallint AS lane, balance_micros AS b"
    "  FROM workspaces UNION ALL SELECT workspace_id, lane, balance_micros FROM credit_lanes),"
    " bad AS (SELECT DISTINCT coalesce(c.workspace_id, s.workspace_id) AS id FROM chains c"
    "  FULL JOIN sums s ON s.workspace_id = c.workspace_id AND s.lane = c.lane"
    "  WHERE coalesce(c.b, 0) <> coalesce(s.s, 0)),"
    " chain AS (SELECT balance_before, coalesce(lag(balance_after) OVER (PARTITION BY"
    "  workspace_id, lane ORDER BY id), 0) AS prev FROM ledger)"
    " SELECT (SELECT count(*) FROM workspaces),"
    "  (SELECT coalesce(sum(n), 0) FROM sums),"
    "  (SELECT count(*) FROM bad),"
    "  (SELECT count(*) FROM chain WHERE prev <> balance_before),"
    "  (SELECT count(*) FROM workspaces WHERE balance_micros < 0 OR reserved_micros < 0)"
    "   + (SELECT count(*) FROM credit_lanes WHERE balance_micros < 0),"
    "  (SELECT coalesce(max(version)::text, '') FROM schema_migrations)";
/* The same checks on a database from before credit lanes (schema < 28):
 * one chain per workspace. */
static const char checks_before_lanes_sql[] =
    "WITH sums AS (SELECT workspace_id, sum(amount_micros) AS s, count(*) AS n FROM ledger"
    "  GROUP BY 1),"
    " chain AS (SELECT balance_before, coalesce(lag(balance_after) OVER (PARTITION BY"
    "  workspace_id ORDER BY id), 0) AS prev FROM ledger)"
    " SELECT (SELECT count(*) FROM workspaces),"
    "  (SELECT coalesce(sum(n), 0) FROM sums),"
    "  (SELECT count(*) FROM workspaces w LEFT JOIN sums s ON s.workspace_id = w.id"
    "   WHERE w.balance_micros <> coalesce(s.s, 0)),"
    "  (SELECT count(*) FROM chain WHERE prev <> balance_before),"
    "  (SELECT count(*) FROM workspaces WHERE balance_micros < 0 OR reserved_micros < 0),"
    "  (SELECT coalesce(max(version)::text, '') FROM schema_migrations)";
static const char has_lanes_sql[] = "SELECT to_regclass('credit_lanes') IS NOT NULL";
static const char mismatches_sql[] =
    "WITH sums AS (SELECT workspace_id, lane, sum(amount_micros) AS s FROM ledger GROUP BY 1, 2),"
    " chains AS (SELECT id AS workspace_id, 0::smallint AS lane, balance_micros AS b"
    "  FROM workspaces UNION ALL SELECT workspace_id, lane, balance_micros FROM credit_lanes)"
    " SELECT coalesce(c.workspace_id, s.workspace_id), coalesce(c.lane, s.lane),"
    "  coalesce(c.b, 0), coalesce(s.s, 0) FROM chains c FULL JOIN sums s"
    "  ON s.workspace_id = c.workspace_id AND s.lane = c.lane"
    " WHERE coalesce(c.b, 0) <> coalesce(s.s, 0) ORDER BY 1, 2 LIMIT 20";
static const char mismatches_before_lanes_sql[] =
    "SELECT w.id, 0, w.balance_micros, coalesce(s.s, 0) FROM workspaces w"
    " LEFT JOIN (SELECT workspace_id, sum(amount_micros) AS s FROM ledger GROUP BY 1) s"
    "  ON s.workspace_id = w.id WHERE w.balance_micros <> coalesce(s.s, 0) ORDER BY 1 LIMIT 20";

/* Runs the checks on the restored database conn and prints them to out.
 * Returns 0 all hold, 1 some do not, -1 they could not run (err). */
static int check_restored(PGconn *conn, FILE *out, char *err, size_t errsz)
{
	PGresult *res = query(conn, has_lanes_sql, err, errsz);
	long long ws, rows, bad, breaks, negative;
	int lanes;

	if (res == NULL)
		return -1;
	lanes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	res = query(conn, lanes ? checks_sql : checks_before_lanes_sql, err, errsz);
	if (res == NULL)
		return -1;
	ws = atoll(PQgetvalue(res, 0, 0));
	rows = atoll(PQgetvalue(res, 0, 1));
	bad = atoll(PQgetvalue(res, 0, 2));
	breaks = atoll(PQgetvalue(res, 0, 3));
	negative = atoll(PQgetvalue(res, 0, 4));
	fprintf(out,
	    "schema=%s\nworkspaces=%lld\nledger_rows=%lld\n"
	    "balances_equal_to_ledger=%lld\nledger_chain_breaks=%lld\nnegative=%lld\n",
	    PQgetvalue(res, 0, 5), ws, rows, ws - bad, breaks, negative);
	PQclear(res);
	if (bad > 0 &&
	    (res = query(conn, lanes ? mismatches_sql : mismatches_before_lanes_sql, err, errsz)) !=
	        NULL) {
		for (int i = 0; i < PQntuples(res); i++)
			fprintf(out, "mismatch=%s lane=%s balance_micros=%s ledger_sum_micros=%s\n",
			    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
			    PQgetvalue(res, i, 3));
		PQclear(res);
	}
	return bad == 0 && breaks == 0 && negative == 0 ? 0 : 1;
}

int backup_verify(const char *conninfo, const char *file, FILE *out, char *err, size_t errsz)
{
	char scratch[64], sql[128], password[256], dbarg[4200], *ci = NULL;
	PGconn *server = NULL, *db = NULL;
	PGresult *res;
	int rc = -1, created = 0;

	if (checksum_matches(file, err, errsz) < 0)
		return -1;
	fprintf(out, "checksum=ok\n");
	/* the name is made of numbers only: no client text reaches the SQL */
	snprintf(scratch, sizeof(scratch), "dragoman_verify_%ld_%ld", (long)getpid(),
	    (long)time(NULL));
	server = PQconnectdb(conninfo);
	if (PQstatus(server) != CONNECTION_OK) {
		snprintf(err, errsz, "%s", PQerrorMessage(server));
		err[strcspn(err, "\n")] = '\0';
		goto out;
	}
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", scratch);
	if ((res = query(server, sql, err, errsz)) == NULL)
		goto out;
	PQclear(res);
	created = 1;
	if ((ci = conninfo_rewrite(conninfo, scratch, password, sizeof(password), err, errsz)) ==
	    NULL)
		goto out;
	snprintf(dbarg, sizeof(dbarg), "--dbname=%s", ci);
	char *argv[] = { "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
		"--no-password", dbarg, (char *)file, NULL };
	int st = run_tool(argv, password);
	OPENSSL_cleanse(password, sizeof(password));
	if (st != 0) {
		snprintf(err, errsz, "pg_restore into %s failed (exit status %d)", scratch, st);
		goto out;
	}
	fprintf(out, "restored_into=%s\n", scratch);
	db = PQconnectdb(ci);
	if (PQstatus(db) != CONNECTION_OK) {
		snprintf(err, errsz, "%s", PQerrorMessage(db));
		err[strcspn(err, "\n")] = '\0';
		goto out;
	}
	rc = check_restored(db, out, err, errsz);
out:
	PQfinish(db);
	if (created) {
		snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", scratch);
		char derr[256];
		if ((res = query(server, sql, derr, sizeof(derr))) == NULL)
			fprintf(stderr, "dragoman-admin: cannot drop %s: %s\n", scratch, derr);
		PQclear(res);
	}
	PQfinish(server);
	free(ci);
	return rc;
}
