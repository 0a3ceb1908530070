/* Workspaces' own provider keys through a real web server: stored sealed
 * (AES-256-GCM), never returned or logged, used for that workspace's
 * calls only (the DeepL stand-in names the key it got), refused when
 * altered or moved to another workspace, and re-sealed under a new master
 * key while requests go on (dragoman-admin secrets rotate). */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

#define OWN_KEY "byok-workspace-a-7f3c9d:fx"
#define SERVER_KEY "fixture-deepl:fx"

static char ws_a[64], key_a[128], ws_b[64], key_b[128];
static int texts;

/* Translates a text never sent before with DeepL pinned, as k. Returns
 * the status; *used gets the key the DeepL stand-in saw last. */
static long deepl_translate(const char *k, char *used, size_t usedsz)
{
	char body[200];
	struct http_response r;
	long st;

	snprintf(body, sizeof(body),
	    "{\"text\":\"Hello number %d from %ld\",\"source\":\"en\","
	    "\"target\":\"de\",\"provider\":\"deepl\"}",
	    ++texts, (long)getpid());
	st = request_as("POST", "/v1/translate", k, body, &r);
	http_free(&r);
	if (fixture_state("DRAGOMAN_FIXTURE_DEEPL", "last_key", used, usedsz) < 0)
		used[0] = '\0';
	return st;
}

static void test_stored_sealed(void)
{
	struct http_response r;
	char used[128];

	CU_ASSERT_EQUAL_FATAL(request_as("PUT", "/v1/providers/deepl", key_a,
	                          "{\"api_key\":\"" OWN_KEY "\"}", &r),
	    200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "hint"), "d:fx");
	CU_ASSERT_PTR_NULL(strstr(r.body, OWN_KEY));
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/providers", key_a, NULL, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"deepl\""));
	CU_ASSERT_PTR_NULL(strstr(r.body, OWN_KEY));
	http_free(&r);
	/* neither the ciphertext nor any column holds the key */
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM provider_credentials WHERE position("
	                       "convert_to($1, 'UTF8') IN ciphertext) > 0 OR hint = $1",
	                    OWN_KEY),
	    0);
	CU_ASSERT_EQUAL(pg_num("SELECT octet_length(ciphertext) FROM provider_credentials WHERE "
	                       "workspace_id = $1",
	                    ws_a),
	    (long long)strlen(OWN_KEY) + 16);
	/* it is what workspace A's calls carry, and only A's */
	CU_ASSERT_EQUAL(deepl_translate(key_a, used, sizeof(used)), 200);
	CU_ASSERT_STRING_EQUAL(used, OWN_KEY);
	CU_ASSERT_EQUAL(deepl_translate(key_b, used, sizeof(used)), 200);
	CU_ASSERT_STRING_EQUAL(used, SERVER_KEY);
	CU_ASSERT_EQUAL(log_lines(OWN_KEY), 0);
	/* only providers that take a key */
	CU_ASSERT_EQUAL(request_as("PUT", "/v1/providers/apertium", key_a, "{\"api_key\":\"x\"}",
	                    &r),
	    404);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("PUT", "/v1/providers/deepl", key_a, "{\"api_key\":\"\"}", &r),
	    400);
	http_free(&r);
}

static void test_altered_or_moved_is_refused(void)
{
	PGconn *pg = pg_connect();
	char used[128], calls0[32] = "", calls1[32] = "";
	struct http_response r;

	/* a flipped byte: the tag fails, and the server's key is not used instead */
	PQclear(PQexec(pg,
	    "UPDATE provider_credentials SET ciphertext = set_byte(ciphertext, 0, "
	    "get_byte(ciphertext, 0) # 1)"));
	CU_ASSERT_EQUAL(stack("mc-flush"), 0);
	usleep(1100 * 1000);
	fixture_state("DRAGOMAN_FIXTURE_DEEPL", "translate_calls", calls0, sizeof(calls0));
	CU_ASSERT_EQUAL(deepl_translate(key_a, used, sizeof(used)), 503);
	fixture_state("DRAGOMAN_FIXTURE_DEEPL", "translate_calls", calls1, sizeof(calls1));
	CU_ASSERT_STRING_EQUAL(calls0, calls1);
	CU_ASSERT(log_lines("its own deepl key cannot be opened") >= 1);
	/* sealed again, then moved to workspace B: bound to A, it opens for no one */
	CU_ASSERT_EQUAL(request_as("PUT", "/v1/providers/deepl", key_a,
	                    "{\"api_key\":\"" OWN_KEY "\"}", &r),
	    200);
	http_free(&r);
	char sql[256];
	snprintf(sql, sizeof(sql),
	    "UPDATE provider_credentials SET workspace_id = '%s' WHERE "
	    "workspace_id = '%s'",
	    ws_b, ws_a);
	PQclear(PQexec(pg, sql));
	CU_ASSERT_EQUAL(stack("mc-flush"), 0);
	usleep(1100 * 1000);
	CU_ASSERT_EQUAL(deepl_translate(key_b, used, sizeof(used)), 503);
	snprintf(sql, sizeof(sql), "DELETE FROM provider_credentials WHERE workspace_id = '%s'",
	    ws_b);
	PQclear(PQexec(pg, sql));
	PQfinish(pg);
	CU_ASSERT_EQUAL(request_as("PUT", "/v1/providers/deepl", key_a,
	                    "{\"api_key\":\"" OWN_KEY "\"}", &r),
	    200);
	http_free(&r);
	CU_ASSERT_EQUAL(stack("mc-flush"), 0);
	usleep(1100 * 1000);
	CU_ASSERT_EQUAL(deepl_translate(key_b, used, sizeof(used)), 200);
	CU_ASSERT_STRING_EQUAL(used, SERVER_KEY);
}

/* Writes text as the stack's master key file. Returns 0 or -1. */
static int write_keys(const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/master.keys", getenv("DRAGOMAN_STATE"));
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

static void test_rotation_without_downtime(void)
{
	char path[512], old[80] = "", keys[200], used[128], *out, *before, *after;
	const char *fresh = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	FILE *f;

	snprintf(path, sizeof(path), "%s/master.keys", getenv("DRAGOMAN_STATE"));
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(old, sizeof(old), f));
	fclose(f);
	old[strcspn(old, "\n")] = '\0';
	before = pg_value("SELECT key_id FROM provider_credentials WHERE workspace_id = $1", ws_a);
	/* 1. the new key first, the old one still opening what it sealed */
	snprintf(keys, sizeof(keys), "%s\n%s\n", fresh, old);
	CU_ASSERT_EQUAL_FATAL(write_keys(keys), 0);
	CU_ASSERT_EQUAL(deepl_translate(key_a, used, sizeof(used)), 200);
	CU_ASSERT_STRING_EQUAL(used, OWN_KEY);
	/* 2. re-seal */
	out = admin("secrets rotate");
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "resealed=1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "failed=0\n"));
	free(out);
	after = pg_value("SELECT key_id FROM provider_credentials WHERE workspace_id = $1", ws_a);
	CU_ASSERT(before != NULL && after != NULL && strcmp(before, after) != 0);
	/* 3. the old key goes: everything still opens */
	snprintf(keys, sizeof(keys), "%s\n", fresh);
	CU_ASSERT_EQUAL(write_keys(keys), 0);
	usleep(1100 * 1000);
	CU_ASSERT_EQUAL(deepl_translate(key_a, used, sizeof(used)), 200);
	CU_ASSERT_STRING_EQUAL(used, OWN_KEY);
	out = admin("secrets rotate");
	CU_ASSERT_PTR_NOT_NULL(out != NULL ? strstr(out, "resealed=0\n") : NULL);
	free(out);
	free(before);
	free(after);
}

static void test_delete(void)
{
	struct http_response r;
	char used[128];

	CU_ASSERT_EQUAL(request_as("DELETE", "/v1/providers/deepl", key_a, NULL, &r), 204);
	http_free(&r);
	usleep(1100 * 1000);
	CU_ASSERT_EQUAL(deepl_translate(key_a, used, sizeof(used)), 200);
	CU_ASSERT_STRING_EQUAL(used, SERVER_KEY);
	CU_ASSERT_EQUAL(request_as("DELETE", "/v1/providers/deepl", key_a, NULL, &r), 404);
	http_free(&r);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "stored sealed; used for its workspace only; never shown", test_stored_sealed },
		{ "altered or moved to another workspace: refused",
		    test_altered_or_moved_is_refused },
		{ "master key rotation while serving", test_rotation_without_downtime },
		{ "deleted: the server's key again", test_delete }, { NULL, NULL }
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Own keys A", key_a, sizeof(key_a), ws_a, sizeof(ws_a)) < 0 ||
	    make_workspace("Own keys B", key_b, sizeof(key_b), ws_b, sizeof(ws_b)) < 0) {
		fprintf(stderr, "test_providers: cannot create the workspaces\n");
		return 99;
	}
	rc = cu_run("providers", tests);
	curl_global_cleanup();
	return rc;
}
