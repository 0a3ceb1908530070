/* API keys managed through the API, through a real web server: creation
 * with a name, a role and scopes (the secret shown once), the list
 * (never a secret), revocation across workers, scopes enforced on the
 * routes, and no key ever gaining more than the key that made it. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

static char ws[64], admin_key[128], other_ws[64], other_key[128];

/* Sends method path with key k and the JSON body (NULL: none). */
static long call(const char *method, const char *path, const char *k, const char *body,
    struct http_response *r)
{
	char auth[160];
	const char *h[] = { auth, "Content-Type: application/json", NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", k);
	return http_request(method, path, h, body, body ? strlen(body) : 0, r);
}

/* POSTs body to /v1/keys as k; on 201 copies the new secret and id. */
static long create(const char *k, const char *body, char *secret, size_t ssz, char *id,
    size_t idsz, struct http_response *r)
{
	long st = call("POST", "/v1/keys", k, body, r);

	if (st == 201 && secret != NULL) {
		snprintf(secret, ssz, "%s", http_json_str(r, "key") ? http_json_str(r, "key") : "");
		snprintf(id, idsz, "%s", http_json_str(r, "id") ? http_json_str(r, "id") : "");
	}
	return st;
}

/* Returns 1 when the JSON array member name of r holds exactly the
 * comma-separated strings of want, in order. */
static int scopes_are(const struct http_response *r, const char *want)
{
	struct json_object *a;
	char got[128] = "";
	size_t n = 0;

	if (r->json == NULL || !json_object_object_get_ex(r->json, "scopes", &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a); i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i ? "," : "",
		    json_object_get_string(json_object_array_get_idx(a, i)));
	return strcmp(got, want) == 0;
}

static long long key_count(const char *workspace)
{
	return pg_num("SELECT count(*) FROM api_keys WHERE workspace_id = $1", workspace);
}

static void test_create_and_list(void)
{
	char secret[128], id[64];
	struct http_response r;
	struct json_object *keys;
	int seen = 0;

	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"name\":\"CI translator\",\"scopes\":"
	    "[\"translate\"]}", secret, sizeof(secret), id, sizeof(id), &r), 201);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "name"), "CI translator");
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "role"), "member");
	CU_ASSERT(scopes_are(&r, "translate"));
	CU_ASSERT_EQUAL(strncmp(http_json_str(&r, "prefix"), secret, 12), 0);
	CU_ASSERT_EQUAL(strlen(secret), 61);
	http_free(&r);
	/* the secret is stored only as its SHA-256 */
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM api_keys WHERE key_hash = "
	    "sha256(convert_to($1, 'UTF8'))", secret), 1);
	CU_ASSERT_EQUAL(get("/v1/keys", admin_key, &r), 200);
	CU_ASSERT_PTR_NULL(strstr(r.body, secret));
	CU_ASSERT_PTR_NULL(strstr(r.body, "\"key\""));
	CU_ASSERT_FATAL(json_object_object_get_ex(r.json, "keys", &keys));
	CU_ASSERT_EQUAL(json_object_array_length(keys), key_count(ws));
	for (size_t i = 0; i < json_object_array_length(keys); i++) {
		struct json_object *k = json_object_array_get_idx(keys, i), *v;
		if (json_object_object_get_ex(k, "id", &v) && strcmp(json_object_get_string(v), id) == 0)
			seen = json_object_object_get_ex(k, "name", &v) &&
			    strcmp(json_object_get_string(v), "CI translator") == 0;
	}
	CU_ASSERT(seen);
	http_free(&r);
	/* another workspace sees only its own */
	CU_ASSERT_EQUAL(get("/v1/keys", other_key, &r), 200);
	CU_ASSERT_PTR_NULL(strstr(r.body, id));
	http_free(&r);
}

static void test_scopes_are_enforced(void)
{
	char secret[128], id[64];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"scopes\":[\"translate\",\"reports\"]}", secret,
	    sizeof(secret), id, sizeof(id), &r), 201);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/languages", secret, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/reports/usage?period=day", secret, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/billing/balance", secret, &r), 403);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_PTR_NOT_NULL(strstr(http_json_str(&r, "detail"), "billing:read"));
	http_free(&r);
	CU_ASSERT_EQUAL(call("POST", "/v1/billing/usage", secret, "{\"quantity\":1,\"unit\":"
	    "\"requests\",\"model\":\"dragoman/call\"}", &r), 403);
	http_free(&r);
	/* a key without scopes may do all its role allows */
	CU_ASSERT_EQUAL(get("/v1/billing/balance", admin_key, &r), 200);
	http_free(&r);
}

static void test_no_key_gains_more(void)
{
	char member[128], narrow[128], id[64], secret[128];
	struct http_response r;
	long long before;

	CU_ASSERT_EQUAL_FATAL(make_key(ws, "member", member, sizeof(member)), 0);
	before = key_count(ws);
	CU_ASSERT_EQUAL(create(member, "{}", NULL, 0, NULL, 0, &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/keys", member, &r), 403);
	http_free(&r);
	/* bad or foreign fields change nothing */
	CU_ASSERT_EQUAL(create(admin_key, "{\"role\":\"platform\"}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"role\":\"owner\"}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"scopes\":[\"everything\"]}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"scopes\":[]}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"workspace_id\":\"00000000-0000-4000-8000-000000000000\"}",
	    NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(create(admin_key, "{\"rate_exempt\":true}", NULL, 0, NULL, 0, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(key_count(ws), before);
	/* an admin key limited to translate makes keys no wider */
	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"role\":\"admin\",\"scopes\":[\"translate\"]}",
	    narrow, sizeof(narrow), id, sizeof(id), &r), 201);
	http_free(&r);
	CU_ASSERT_EQUAL(create(narrow, "{\"scopes\":[\"billing:read\"]}", NULL, 0, NULL, 0, &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL(create(narrow, "{}", secret, sizeof(secret), id, sizeof(id), &r), 201);
	CU_ASSERT(scopes_are(&r, "translate"));
	CU_ASSERT_EQUAL(strcmp(http_json_str(&r, "role"), "member"), 0);
	http_free(&r);
	/* a member key made by an admin one cannot make an admin */
	CU_ASSERT_EQUAL(create(member, "{\"role\":\"admin\"}", NULL, 0, NULL, 0, &r), 403);
	http_free(&r);
}

static void test_revoke(void)
{
	char secret[128], id[64], foreign[128], foreign_id[64], path[128];
	struct http_response r;
	long st = 0;

	CU_ASSERT_EQUAL_FATAL(create(admin_key, "{\"name\":\"short-lived\"}", secret, sizeof(secret),
	    id, sizeof(id), &r), 201);
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/workspace", secret, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(create(other_key, "{}", foreign, sizeof(foreign), foreign_id,
	    sizeof(foreign_id), &r), 201);
	http_free(&r);
	/* another workspace's key is not found, and keeps working */
	snprintf(path, sizeof(path), "/v1/keys/%s", foreign_id);
	CU_ASSERT_EQUAL(call("DELETE", path, admin_key, NULL, &r), 404);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/workspace", foreign, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(call("DELETE", "/v1/keys/not-a-uuid", admin_key, NULL, &r), 404);
	http_free(&r);
	snprintf(path, sizeof(path), "/v1/keys/%s", id);
	CU_ASSERT_EQUAL(call("DELETE", path, admin_key, NULL, &r), 204);
	CU_ASSERT_EQUAL(r.body_len, 0);
	http_free(&r);
	/* every worker stops it once its memo (1 s) is spent */
	for (int i = 0; i < 30 && st != 401; i++) {
		usleep(100 * 1000);
		st = get("/v1/workspace", secret, &r);
		http_free(&r);
	}
	CU_ASSERT_EQUAL(st, 401);
	usleep(1100 * 1000);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(get("/v1/workspace", secret, &r), 401);
		http_free(&r);
	}
	CU_ASSERT_EQUAL(call("DELETE", path, admin_key, NULL, &r), 404);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM api_keys WHERE id = $1 AND revoked_at IS NOT NULL",
	    id), 1);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "create a named, scoped key; list without secrets", test_create_and_list },
		{ "scopes limit what a key may call", test_scopes_are_enforced },
		{ "no key makes a key with more than it holds", test_no_key_gains_more },
		{ "revocation: at once, everywhere, own keys only", test_revoke },
		{ NULL, NULL }
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Keys", admin_key, sizeof(admin_key), ws, sizeof(ws)) < 0 ||
	    make_workspace("Other keys", other_key, sizeof(other_key), other_ws,
	    sizeof(other_ws)) < 0) {
		fprintf(stderr, "test_keys: cannot create a workspace\n");
		return 99;
	}
	rc = cu_run("keys", tests);
	curl_global_cleanup();
	return rc;
}
