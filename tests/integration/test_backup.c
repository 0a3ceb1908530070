/* Backups: dragoman-admin backup writes a pg_dump (custom format) with its
 * SHA-256, owner-only, keeping the newest backup_keep; restore --verify
 * refuses a damaged file, restores into a scratch database and finds a
 * balance that does not equal its ledger. */
#include "autoconfig.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

static char ws[64], key[128], dir[512];

/* Runs the admin CLI with args, its stdout and stderr into out. Returns
 * its exit status (-1: it did not run). */
static int admin_status(const char *args, char *out, size_t outsz)
{
	char cmd[2048];
	size_t n = 0, got;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' --config '%s' %s 2>&1", getenv("DRAGOMAN_ADMIN"),
	    getenv("DRAGOMAN_CONFIG"), args);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while (n + 1 < outsz && (got = fread(out + n, 1, outsz - 1 - n, p)) > 0)
		n += got;
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Returns how many of dir's files end with suffix. */
static int files_ending(const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		n += l > strlen(suffix) && strcmp(e->d_name + l - strlen(suffix), suffix) == 0;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* Writes the SHA-256 of path in hex into hex. Returns 0, or -1. */
static int file_sha256(const char *path, char hex[65])
{
	unsigned char buf[8192], md[32];
	unsigned int len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL || ctx == NULL)
		return -1;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	fclose(f);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static void test_backup_and_verify(void)
{
	char out[8192], args[700], path[600], sum[65] = "", got[65] = "", v[64];
	struct http_response r;
	struct stat st;

	/* something charged, so that the ledger has rows of its own */
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", key,
	                    "{\"text\":\"The backup house is "
	                    "red.\",\"source\":\"en\",\"target\":\"es\"}",
	                    &r),
	    200);
	http_free(&r);
	snprintf(args, sizeof(args), "backup --dir '%s'", dir);
	CU_ASSERT_EQUAL_FATAL(admin_status(args, out, sizeof(out)), 0);
	field(out, "backup=", path, sizeof(path));
	field(out, "sha256=", sum, sizeof(sum));
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(file_sha256(path, got), 0);
	CU_ASSERT_STRING_EQUAL(got, sum);
	snprintf(args, sizeof(args), "restore --verify '%s'", path);
	CU_ASSERT_EQUAL(admin_status(args, out, sizeof(out)), 0);
	fprintf(stderr, "\n%s", out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "checksum=ok\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "verified=yes\n"));
	/* every workspace of the live database was in it, each balanced */
	snprintf(v, sizeof(v), "workspaces=%lld\n",
	    pg_num("SELECT count(*) FROM workspaces", NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, v));
	snprintf(v, sizeof(v), "balances_equal_to_ledger=%lld\n",
	    pg_num("SELECT count(*) FROM workspaces", NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, v));
	snprintf(v, sizeof(v), "ledger_rows=%lld\n", pg_num("SELECT count(*) FROM ledger", NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, v));
	/* and the scratch database is gone */
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM pg_database WHERE datname LIKE "
	                       "'dragoman_verify_%'",
	                    NULL),
	    0);
}

static void test_damaged_backup_refused(void)
{
	char out[8192], args[1400], path[600], copy[700], cmd[3000];
	FILE *f;

	snprintf(args, sizeof(args), "backup --dir '%s'", dir);
	CU_ASSERT_EQUAL_FATAL(admin_status(args, out, sizeof(out)), 0);
	field(out, "backup=", path, sizeof(path));
	snprintf(copy, sizeof(copy), "%s/damaged.dump", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && cp '%s.sha256' '%s.sha256'", path, copy, path,
	    copy);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	/* one byte in the middle changed */
	f = fopen(copy, "r+b");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size / 2, SEEK_SET);
	int c = fgetc(f);
	fseek(f, size / 2, SEEK_SET);
	fputc(c ^ 0x01, f);
	fclose(f);
	snprintf(args, sizeof(args), "restore --verify '%s'", copy);
	CU_ASSERT_EQUAL(admin_status(args, out, sizeof(out)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "damaged"));
	CU_ASSERT_PTR_NULL(strstr(out, "restored_into="));
	unlink(copy);
	snprintf(copy, sizeof(copy), "%s/damaged.dump.sha256", dir);
	unlink(copy);
	/* a file without its checksum is refused too */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/bare.dump'", path, dir);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	snprintf(args, sizeof(args), "restore --verify '%s/bare.dump'", dir);
	CU_ASSERT_EQUAL(admin_status(args, out, sizeof(out)), 1);
	snprintf(copy, sizeof(copy), "%s/bare.dump", dir);
	unlink(copy);
}

/* Runs sql as a replica session (no triggers fire: the ledger's guard
 * is off) on a connection of its own. Returns 0, or -1. */
static int run_unguarded(const char *sql)
{
	PGconn *pg = pg_connect();
	PGresult *res = PQexec(pg, "SET session_replication_role = replica");
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	res = PQexecParams(pg, sql, 1, NULL, (const char *const[]){ ws }, NULL, NULL, 0);
	ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "\n  %s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	return ok ? 0 : -1;
}

/* A balance moved without its ledger row (as only a bug or a hand-made
 * UPDATE could) is found in the backup, by workspace. */
static void test_verify_finds_mismatch(void)
{
	char out[8192], args[700], path[600], want[128];

	CU_ASSERT_EQUAL_FATAL(run_unguarded("UPDATE workspaces SET balance_micros = balance_micros "
	                                    "+ 1 WHERE id = $1::uuid"),
	    0);
	snprintf(args, sizeof(args), "backup --dir '%s'", dir);
	CU_ASSERT_EQUAL(admin_status(args, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(run_unguarded("UPDATE workspaces SET balance_micros = balance_micros - 1 "
	                              "WHERE id = $1::uuid"),
	    0);
	field(out, "backup=", path, sizeof(path));
	snprintf(args, sizeof(args), "restore --verify '%s'", path);
	CU_ASSERT_EQUAL(admin_status(args, out, sizeof(out)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "verified=no\n"));
	snprintf(want, sizeof(want), "mismatch=%s ", ws);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM pg_database WHERE datname LIKE "
	                       "'dragoman_verify_%'",
	                    NULL),
	    0);
}

static void test_retention(void)
{
	char out[8192], args[700];

	for (int i = 0; i < 3; i++) {
		snprintf(args, sizeof(args), "backup --dir '%s' --keep 2", dir);
		CU_ASSERT_EQUAL(admin_status(args, out, sizeof(out)), 0);
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "removed="));
	CU_ASSERT_EQUAL(files_ending(".dump"), 2);
	CU_ASSERT_EQUAL(files_ending(".dump.sha256"), 2);
	/* the newest stays */
	char path[600];
	field(out, "backup=", path, sizeof(path));
	CU_ASSERT_EQUAL(access(path, R_OK), 0);
	/* no directory: a clear refusal */
	CU_ASSERT_EQUAL(admin_status("backup --dir /nonexistent/backups", out, sizeof(out)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "not a directory"));
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "backup, then restore --verify", test_backup_and_verify },
		{ "a damaged or unchecked backup is refused", test_damaged_backup_refused },
		{ "verify finds a balance that is not its ledger's", test_verify_finds_mismatch },
		{ "the newest backup_keep are kept", test_retention },
		{ NULL, NULL },
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(dir, sizeof(dir), "%s/backups-%ld", getenv("DRAGOMAN_STATE"), (long)getpid());
	if (mkdir(dir, 0700) < 0 ||
	    make_workspace("Backup", key, sizeof(key), ws, sizeof(ws)) < 0) {
		fprintf(stderr, "test_backup: cannot make %s or a workspace\n", dir);
		return 99;
	}
	rc = cu_run("backup", tests);
	curl_global_cleanup();
	return rc;
}
