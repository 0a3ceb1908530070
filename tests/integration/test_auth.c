/* Users and sessions through a real web server: sign-in, access tokens
 * (and forged, expired and foreign ones refused), refresh rotation with
 * reuse detection, logout applying at once in every worker, brute-force
 * limits shared by the workers, users added by admins, preferences as the
 * default target, and the GDPR export and deletion. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "accounts/jwt.h"
#include "core/b64url.h"
#include "fixture.h"
#include "http.h"

#define PASSWORD "correct horse battery"

static char ws[64], admin_key[128], owner_id[64];
static unsigned char secret[256];
static size_t secret_len;

/* Signs in; copies the tokens on 200. Returns the status. */
static long login(const char *email, const char *password, char *access, char *refresh)
{
	char body[512];
	struct http_response r;
	long st;

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
	st = request_as("POST", "/v1/auth/login", NULL, body, &r);
	if (st == 200) {
		snprintf(access, JWT_MAX_LEN, "%s", http_json_str(&r, "access_token"));
		snprintf(refresh, 64, "%s", http_json_str(&r, "refresh_token"));
	}
	http_free(&r);
	return st;
}

/* Trades refresh; copies the new pair on 200. Returns the status. */
static long refresh_with(const char *refresh, char *access, char *new_refresh)
{
	char body[128];
	struct http_response r;
	long st;

	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", refresh);
	st = request_as("POST", "/v1/auth/refresh", NULL, body, &r);
	if (st == 200) {
		snprintf(access, JWT_MAX_LEN, "%s", http_json_str(&r, "access_token"));
		snprintf(new_refresh, 64, "%s", http_json_str(&r, "refresh_token"));
	}
	http_free(&r);
	return st;
}

/* Adds a user with the admin CLI. Returns 0 with its id, or -1. */
static int make_user(const char *email, const char *role, char *id, size_t idsz)
{
	char args[256], *out;

	setenv("DRAGOMAN_PASSWORD", PASSWORD, 1);
	snprintf(args, sizeof(args), "user create %s %s --role %s", ws, email, role);
	out = admin(args);
	field(out, "user_id=", id, idsz);
	free(out);
	return id[0] ? 0 : -1;
}

/* Returns the status of GET /v1/workspace with cred. */
static long whoami(const char *cred)
{
	struct http_response r;
	long st = request_as("GET", "/v1/workspace", cred, NULL, &r);

	http_free(&r);
	return st;
}

static void test_sign_in(void)
{
	char access[JWT_MAX_LEN], refresh[64];
	struct http_response r;
	struct json_object *user, *v;
	char dk[JWT_MAX_LEN + 40];
	const char *h[] = { dk, NULL };

	CU_ASSERT_EQUAL_FATAL(login("Owner@Example.test", PASSWORD, access, refresh), 200);
	CU_ASSERT_EQUAL(strncmp(refresh, "dgr_", 4), 0);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/workspace", access, NULL, &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "user", &user) &&
	    json_object_object_get_ex(user, "id", &v) &&
	    strcmp(json_object_get_string(v), owner_id) == 0);
	CU_ASSERT(json_object_object_get_ex(user, "role", &v) &&
	    strcmp(json_object_get_string(v), "owner") == 0);
	http_free(&r);
	/* an owner may do what admins may */
	CU_ASSERT_EQUAL(request_as("GET", "/v1/keys", access, NULL, &r), 200);
	http_free(&r);
	/* access tokens are for the native API, not the DeepL routes */
	snprintf(dk, sizeof(dk), "Authorization: DeepL-Auth-Key %s", access);
	CU_ASSERT_EQUAL(http_request("GET", "/v2/usage", h, NULL, 0, &r), 403);
	http_free(&r);
	/* a wrong password and an unknown email get the same answer */
	CU_ASSERT_EQUAL(login("owner@example.test", "wrong password!", access, refresh), 401);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/auth/login", NULL,
	                    "{\"email\":\"nobody@example.test\","
	                    "\"password\":\"whatever it is\"}",
	                    &r),
	    401);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "detail"), "the email or the password is wrong");
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/auth/login", NULL,
	                    "{\"email\":\"owner@example.test\"}", &r),
	    400);
	http_free(&r);
}

/* Signs claims with iss, aud and the stack's secret. */
static void forge(const char *sid, const char *iss, const char *aud, long long exp, char *out)
{
	struct jwt_claims c;

	memset(&c, 0, sizeof(c));
	snprintf(c.sub, sizeof(c.sub), "%.36s", owner_id);
	snprintf(c.sid, sizeof(c.sid), "%s", sid);
	c.iat = (long long)time(NULL) - 10;
	c.exp = exp;
	CU_ASSERT(jwt_sign(&c, iss, aud, secret, secret_len, out, JWT_MAX_LEN) > 0);
}

/* Returns the sid claim of a token this server issued (its payload). */
static void sid_of(const char *token, char *sid)
{
	const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	unsigned char buf[1024];
	long n = d2 ? b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), buf, sizeof(buf) - 1) : -1;
	struct json_object *o, *v;

	sid[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	o = json_tokener_parse((char *)buf);
	if (o != NULL && json_object_object_get_ex(o, "sid", &v))
		snprintf(sid, 40, "%s", json_object_get_string(v));
	json_object_put(o);
}

static void test_forged_tokens(void)
{
	char access[JWT_MAX_LEN], refresh[64], t[2 * JWT_MAX_LEN], sid[40], part[JWT_MAX_LEN];
	long long now = (long long)time(NULL);
	const char *dot;

	CU_ASSERT_EQUAL_FATAL(login("owner@example.test", PASSWORD, access, refresh), 200);
	sid_of(access, sid);
	CU_ASSERT_EQUAL_FATAL(strlen(sid), 36);
	/* our own signature over the right claims is accepted... */
	forge(sid, "dragoman", "dragoman-api", now + 300, t);
	CU_ASSERT_EQUAL(whoami(t), 200);
	CU_ASSERT(strlen(access) < sizeof(part));
	/* ...and nothing else */
	forge(sid, "dragoman", "another-api", now + 300, t);
	CU_ASSERT_EQUAL(whoami(t), 401);
	forge(sid, "someone-else", "dragoman-api", now + 300, t);
	CU_ASSERT_EQUAL(whoami(t), 401);
	forge(sid, "dragoman", "dragoman-api", now - 1, t);
	CU_ASSERT_EQUAL(whoami(t), 401);
	/* a flipped signature byte */
	snprintf(t, sizeof(t), "%s", access);
	t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
	CU_ASSERT_EQUAL(whoami(t), 401);
	/* alg none, with and without a signature */
	dot = strchr(access, '.');
	snprintf(part, sizeof(part), "%.*s", (int)(strrchr(access, '.') - dot), dot);
	snprintf(t, sizeof(t), "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0%s.", part);
	CU_ASSERT_EQUAL(whoami(t), 401);
	snprintf(t, sizeof(t), "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0%s%s", part,
	    strrchr(access, '.'));
	CU_ASSERT_EQUAL(whoami(t), 401);
	/* RS256 (the secret taken for a public key), with the HS256 signature */
	snprintf(t, sizeof(t), "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9%s%s", part,
	    strrchr(access, '.'));
	CU_ASSERT_EQUAL(whoami(t), 401);
	/* truncated, and with a part missing */
	snprintf(t, sizeof(t), "%.*s", (int)strlen(access) - 1, access);
	CU_ASSERT_EQUAL(whoami(t), 401);
	snprintf(t, sizeof(t), "%.*s", (int)(strrchr(access, '.') - access), access);
	CU_ASSERT_EQUAL(whoami(t), 401);
	/* a well-signed token of a session that does not exist */
	forge("00000000-0000-4000-8000-000000000000", "dragoman", "dragoman-api", now + 300, t);
	CU_ASSERT_EQUAL(whoami(t), 401);
	CU_ASSERT_EQUAL(whoami(access), 200);
}

static void test_refresh_rotation_and_reuse(void)
{
	char a1[JWT_MAX_LEN], r1[64], a2[JWT_MAX_LEN], r2[64], a3[JWT_MAX_LEN], r3[64];

	CU_ASSERT_EQUAL_FATAL(login("owner@example.test", PASSWORD, a1, r1), 200);
	CU_ASSERT_EQUAL_FATAL(refresh_with(r1, a2, r2), 200);
	CU_ASSERT_STRING_NOT_EQUAL(r1, r2);
	CU_ASSERT_EQUAL(whoami(a2), 200);
	CU_ASSERT_EQUAL(refresh_with(r2, a3, r3), 200);
	/* r1 again: someone kept a copy, so the whole session ends */
	CU_ASSERT_EQUAL(refresh_with(r1, a2, r2), 401);
	CU_ASSERT_EQUAL(whoami(a3), 401);
	CU_ASSERT_EQUAL(whoami(a1), 401);
	CU_ASSERT_EQUAL(refresh_with(r3, a2, r2), 401);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_why = "
	                       "'refresh token reused'",
	                    owner_id),
	    1);
	CU_ASSERT_EQUAL(refresh_with("dgr_nonsense", a2, r2), 401);
}

static void test_logout_everywhere_at_once(void)
{
	char access[JWT_MAX_LEN], refresh[64], other[JWT_MAX_LEN], other_r[64], a[JWT_MAX_LEN],
	    rr[64];
	struct http_response r;
	int refused = 0;

	CU_ASSERT_EQUAL_FATAL(login("owner@example.test", PASSWORD, access, refresh), 200);
	CU_ASSERT_EQUAL_FATAL(login("owner@example.test", PASSWORD, other, other_r), 200);
	/* every worker has seen the session */
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(whoami(access), 200);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/auth/logout", access, "", &r), 204);
	http_free(&r);
	for (int i = 0; i < 16; i++)
		refused += whoami(access) == 401;
	CU_ASSERT_EQUAL(refused, 16);
	CU_ASSERT_EQUAL(refresh_with(refresh, a, rr), 401);
	/* the other session goes on */
	CU_ASSERT_EQUAL(whoami(other), 200);
	/* an API key has no session to end */
	CU_ASSERT_EQUAL(request_as("POST", "/v1/auth/logout", admin_key, "", &r), 403);
	http_free(&r);
}

static void test_users_added_by_admins(void)
{
	struct http_response r;
	char member[128], access[JWT_MAX_LEN], refresh[64];

	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", admin_key,
	                    "{\"email\":\"ana@example.test\","
	                    "\"password\":\"" PASSWORD "\",\"role\":\"member\"}",
	                    &r),
	    201);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "role"), "member");
	http_free(&r);
	CU_ASSERT_EQUAL(login("ana@example.test", PASSWORD, access, refresh), 200);
	/* a member user is a member: no admin routes */
	CU_ASSERT_EQUAL(request_as("GET", "/v1/keys", access, NULL, &r), 403);
	http_free(&r);
	/* an admin key cannot add an owner; a taken email; not an email; a
	 * short password; a member cannot add anyone */
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", admin_key,
	                    "{\"email\":\"boss@example.test\","
	                    "\"password\":\"" PASSWORD "\",\"role\":\"owner\"}",
	                    &r),
	    403);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", admin_key,
	                    "{\"email\":\"ANA@example.test\","
	                    "\"password\":\"" PASSWORD "\"}",
	                    &r),
	    409);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", admin_key,
	                    "{\"email\":\"not an email\","
	                    "\"password\":\"" PASSWORD "\"}",
	                    &r),
	    400);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", admin_key,
	                    "{\"email\":\"bo@example.test\","
	                    "\"password\":\"short\"}",
	                    &r),
	    400);
	http_free(&r);
	CU_ASSERT_EQUAL(make_key(ws, "member", member, sizeof(member)), 0);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", member,
	                    "{\"email\":\"eve@example.test\","
	                    "\"password\":\"" PASSWORD "\"}",
	                    &r),
	    403);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM users WHERE workspace_id = $1", ws), 2);
}

/* Issue 14, defect 9: an admin key limited to translate added an admin
 * user who signed in with every scope. A user made by a key or a token
 * holds at most its maker's scopes, and so do their tokens and the keys
 * and users they make in turn. */
static void test_users_hold_no_more_than_their_maker(void)
{
	char narrow[128], access[JWT_MAX_LEN], refresh[64], a2[JWT_MAX_LEN], r2[64];
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(request_as("POST", "/v1/keys", admin_key,
	                          "{\"role\":\"admin\","
	                          "\"scopes\":[\"translate\"]}",
	                          &r),
	    201);
	snprintf(narrow, sizeof(narrow), "%s", http_json_str(&r, "key"));
	http_free(&r);
	/* it cannot ask for more than it holds */
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", narrow,
	                    "{\"email\":\"wide@example.test\","
	                    "\"password\":\"" PASSWORD
	                    "\",\"role\":\"admin\",\"scopes\":[\"reports\"]}",
	                    &r),
	    403);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM users WHERE email = 'wide@example.test'",
	                    NULL),
	    0);
	CU_ASSERT_EQUAL_FATAL(request_as("POST", "/v1/users", narrow,
	                          "{\"email\":"
	                          "\"narrow@example.test\",\"password\":\"" PASSWORD
	                          "\",\"role\":\"admin\"}",
	                          &r),
	    201);
	CU_ASSERT(http_json_strings_are(&r, "scopes", "translate"));
	http_free(&r);
	CU_ASSERT_EQUAL_FATAL(login("narrow@example.test", PASSWORD, access, refresh), 200);
	/* the token holds translate, and nothing else */
	CU_ASSERT_EQUAL(request_as("GET", "/v1/languages", access, NULL, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/reports/usage?period=day", access, NULL, &r), 403);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/billing/balance", access, NULL, &r), 403);
	http_free(&r);
	/* a refreshed token neither */
	CU_ASSERT_EQUAL_FATAL(refresh_with(refresh, a2, r2), 200);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/reports/usage?period=day", a2, NULL, &r), 403);
	http_free(&r);
	/* the keys and users it makes hold no more */
	CU_ASSERT_EQUAL(request_as("POST", "/v1/keys", a2, "{}", &r), 201);
	CU_ASSERT(http_json_strings_are(&r, "scopes", "translate"));
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/keys", a2, "{\"scopes\":[\"reports\"]}", &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", a2,
	                    "{\"email\":\"wider@example.test\","
	                    "\"password\":\"" PASSWORD "\",\"scopes\":[\"billing:read\"]}",
	                    &r),
	    403);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", a2,
	                    "{\"email\":\"narrower@example.test\","
	                    "\"password\":\"" PASSWORD "\"}",
	                    &r),
	    201);
	CU_ASSERT(http_json_strings_are(&r, "scopes", "translate"));
	http_free(&r);
	/* an unrestricted admin's users hold every scope, or those asked for */
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", admin_key,
	                    "{\"email\":"
	                    "\"reporter@example.test\",\"password\":\"" PASSWORD
	                    "\",\"scopes\":[\"reports\"]}",
	                    &r),
	    201);
	CU_ASSERT(http_json_strings_are(&r, "scopes", "reports"));
	http_free(&r);
}

/* Issue 14, defect 9: a user is bound by no key's quota or rate limits,
 * so a key that is cannot add users. */
static void test_restricted_keys_add_no_users(void)
{
	char capped[128], id[64], args[160], *out;
	struct http_response r;

	CU_ASSERT_EQUAL_FATAL(request_as("POST", "/v1/keys", admin_key,
	                          "{\"role\":\"admin\","
	                          "\"monthly_character_quota\":1000}",
	                          &r),
	    201);
	snprintf(capped, sizeof(capped), "%s", http_json_str(&r, "key"));
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", capped,
	                    "{\"email\":\"uncapped@example.test\","
	                    "\"password\":\"" PASSWORD "\",\"role\":\"admin\"}",
	                    &r),
	    403);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	/* nor a key with a rate limit tighter than its plan's (none here) */
	CU_ASSERT_EQUAL_FATAL(request_as("POST", "/v1/keys", admin_key, "{\"role\":\"admin\"}", &r),
	    201);
	snprintf(capped, sizeof(capped), "%s", http_json_str(&r, "key"));
	snprintf(id, sizeof(id), "%s", http_json_str(&r, "id"));
	http_free(&r);
	snprintf(args, sizeof(args), "key limits %s --per-hour 1000", id);
	out = admin(args);
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", capped,
	                    "{\"email\":\"unlimited@example.test\","
	                    "\"password\":\"" PASSWORD "\"}",
	                    &r),
	    403);
	http_free(&r);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM users WHERE email IN ('uncapped@example.test',"
	                       " 'unlimited@example.test')",
	                    NULL),
	    0);
}

/* Issue 14, defect 9: platform_admin lifted a member to an operator on
 * their own workspace's routes. A platform admin who is a member of a
 * workspace acts as a member there, and as an operator on /v1/admin. */
static void test_platform_admin_is_a_member_at_home(void)
{
	char args[200], *out, access[JWT_MAX_LEN], refresh[64], body[160];
	struct http_response r;
	struct json_object *user, *v;

	setenv("DRAGOMAN_PASSWORD", PASSWORD, 1);
	snprintf(args, sizeof(args),
	    "user create %s operator@example.test --role member "
	    "--platform-admin",
	    ws);
	out = admin(args);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	free(out);
	CU_ASSERT_EQUAL_FATAL(login("operator@example.test", PASSWORD, access, refresh), 200);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/workspace", access, NULL, &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "user", &user) &&
	    json_object_object_get_ex(user, "role", &v) &&
	    strcmp(json_object_get_string(v), "member") == 0);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/keys", access, NULL, &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/keys", access, "{\"role\":\"admin\"}", &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/users", access,
	                    "{\"email\":\"crony@example.test\","
	                    "\"password\":\"" PASSWORD "\",\"role\":\"admin\"}",
	                    &r),
	    403);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("PATCH", "/v1/workspace", access, "{\"name\":\"Mine\"}", &r),
	    403);
	http_free(&r);
	/* still an operator where operators work */
	snprintf(body, sizeof(body), "{\"code\":\"OPS%ld\",\"amount\":\"1.00\"}", (long)getpid());
	CU_ASSERT_EQUAL(request_as("POST", "/v1/admin/coupons", access, body, &r), 201);
	http_free(&r);
}

static void test_preferences(void)
{
	char access[JWT_MAX_LEN], refresh[64], body[160];
	struct http_response r;
	struct json_object *tr, *v;
	int len;

	CU_ASSERT_EQUAL_FATAL(login("owner@example.test", PASSWORD, access, refresh), 200);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/preferences", access, NULL, &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "target_language", &v) && v == NULL);
	http_free(&r);
	/* no target and none preferred */
	len = snprintf(body, sizeof(body),
	    "{\"text\":\"The dog is %ld years old.\",\"source\":\"en\"}", (long)getpid());
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", access, body, &r), 400);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("PUT", "/v1/preferences", access, "{\"target_language\":\"es\"}",
	                    &r),
	    200);
	CU_ASSERT_STRING_EQUAL(http_json_str(&r, "target_language"), "es");
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", access, body, &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "translations", &tr) &&
	    json_object_object_get_ex(json_object_array_get_idx(tr, 0), "text", &v) &&
	    strstr(json_object_get_string(v), "perro") != NULL);
	http_free(&r);
	(void)len;
	/* the event names the user */
	CU_ASSERT(pg_num("SELECT count(*) FROM usage_events WHERE user_id = $1 AND endpoint = "
	                 "'translate'",
	              owner_id) >= 1);
	CU_ASSERT_EQUAL(request_as("PUT", "/v1/preferences", access,
	                    "{\"translation_enabled\":false}", &r),
	    200);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", access, body, &r), 403);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("PUT", "/v1/preferences", access,
	                    "{\"translation_enabled\":true,"
	                    "\"target_language\":\"\"}",
	                    &r),
	    200);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("PUT", "/v1/preferences", access, "{\"target_language\":\"ES\"}",
	                    &r),
	    400);
	http_free(&r);
	/* preferences are a user's: an API key has none */
	CU_ASSERT_EQUAL(request_as("GET", "/v1/preferences", admin_key, NULL, &r), 403);
	http_free(&r);
}

static void test_brute_force(void)
{
	char access[JWT_MAX_LEN], refresh[64], email[64];
	struct http_response r;
	int limited = 0;

	/* five wrong passwords for one account: then even the right one waits */
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(login("owner@example.test", "not the password", access, refresh),
		    401);
	CU_ASSERT_EQUAL(request_as("POST", "/v1/auth/login", NULL,
	                    "{\"email\":\"owner@example.test\","
	                    "\"password\":\"" PASSWORD "\"}",
	                    &r),
	    429);
	CU_ASSERT(http_is_problem(&r));
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "Retry-After"));
	http_free(&r);
	/* one address trying many accounts: 20 failures, then refused */
	for (int i = 0; i < 25; i++) {
		snprintf(email, sizeof(email), "guess%d@example.test", i);
		limited += login(email, "whatever it is", access, refresh) == 429;
	}
	CU_ASSERT(limited >= 4);
	CU_ASSERT_EQUAL(login("ana@example.test", PASSWORD, access, refresh), 429);
	/* memcached forgets; the stack goes on */
	CU_ASSERT_EQUAL(stack("mc-flush"), 0);
	CU_ASSERT_EQUAL(login("owner@example.test", PASSWORD, access, refresh), 200);
}

struct guesser {
	const char *email; /* NULL: racer@example.test */
	long status;
};

/* One wrong password for g->email. */
static void *guess(void *arg)
{
	struct guesser *g = arg;
	char access[JWT_MAX_LEN], refresh[64];

	g->status = login(g->email != NULL ? g->email : "racer@example.test", "not the password",
	    access, refresh);
	return NULL;
}

/* Right after memcached restarts, each worker's first count goes over a
 * connection memcached closed, and a worker that tried memcached while it
 * was down has it marked down for a second. The limiter let such guesses
 * through uncounted (8 of 20 tried under make check's load, 9 under
 * nginx's 4 workers). A guess is tried only once it is counted: of 20
 * concurrent wrong passwords after a restart, at most login_max_failures
 * (5) are tried; the others are refused (429) or, when memcached could
 * not count them, paused (503 with Retry-After), and nothing else. */
static void test_guesses_counted_after_memcached_restarts(void)
{
	struct guesser g[20] = { { 0 } };
	pthread_t t[20];
	char uid[64] = "";
	int tried = 0, refused = 0, paused = 0;

	CU_ASSERT_EQUAL_FATAL(make_user("restart@example.test", "member", uid, sizeof(uid)), 0);
	CU_ASSERT_EQUAL_FATAL(stack("mc-stop"), 0);
	CU_ASSERT_EQUAL_FATAL(stack("mc-start"), 0);
	for (int i = 0; i < 20; i++) {
		g[i].email = "restart@example.test";
		pthread_create(&t[i], NULL, guess, &g[i]);
	}
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		tried += g[i].status == 401;
		refused += g[i].status == 429;
		paused += g[i].status == 503;
	}
	fprintf(stderr,
	    "\n  20 wrong passwords after memcached restarted: %d tried, %d refused, %d paused\n",
	    tried, refused, paused);
	CU_ASSERT(tried <= 5);
	CU_ASSERT_EQUAL(tried + refused + paused, 20);
	CU_ASSERT_EQUAL(stack("mc-flush"), 0);
}

/* Issue 14, defect 11: the sign-in limiter read the failure count before
 * checking the password and added to it after, so concurrent wrong
 * guesses all passed the check. It counts first and decides on the new
 * count: of 20 concurrent guesses, login_max_failures (5) are tried. */
static void test_concurrent_guesses_are_counted_first(void)
{
	struct guesser g[20] = { { 0 } };
	pthread_t t[20];
	char uid[64] = "", access[JWT_MAX_LEN], refresh[64];
	int tried = 0, refused = 0, paused = 0;

	CU_ASSERT_EQUAL_FATAL(stack("mc-flush"), 0);
	CU_ASSERT_EQUAL_FATAL(make_user("racer@example.test", "member", uid, sizeof(uid)), 0);
	for (int i = 0; i < 20; i++)
		pthread_create(&t[i], NULL, guess, &g[i]);
	for (int i = 0; i < 20; i++) {
		pthread_join(t[i], NULL);
		tried += g[i].status == 401;
		refused += g[i].status == 429;
		paused += g[i].status == 503;
	}
	fprintf(stderr, "\n  20 concurrent wrong passwords: %d tried, %d refused, %d paused\n",
	    tried, refused, paused);
	/* a count memcached did not make in time (CI once: 6 tried, when such
	 * a guess was tried uncounted) is a 503 now, never a try */
	CU_ASSERT_EQUAL(tried, 5);
	CU_ASSERT_EQUAL(refused + paused, 15);
	CU_ASSERT_EQUAL(login("racer@example.test", PASSWORD, access, refresh), 429);
	/* another account from the same address is still open: the refused
	 * guesses did not count against the address */
	CU_ASSERT_EQUAL(login("owner@example.test", PASSWORD, access, refresh), 200);
	CU_ASSERT_EQUAL(stack("mc-flush"), 0);
}

static void test_export_and_delete(void)
{
	char access[JWT_MAX_LEN], refresh[64], uid[64] = "", body[160];
	struct http_response r;
	struct json_object *user, *events, *v;
	long long ledger_rows;

	CU_ASSERT_EQUAL_FATAL(make_user("leaving@example.test", "member", uid, sizeof(uid)), 0);
	CU_ASSERT_EQUAL_FATAL(login("leaving@example.test", PASSWORD, access, refresh), 200);
	snprintf(body, sizeof(body),
	    "{\"text\":\"The cat %ld is black.\",\"source\":\"en\","
	    "\"target\":\"es\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", access, body, &r), 200);
	http_free(&r);
	CU_ASSERT_EQUAL(request_as("GET", "/v1/account/export", access, NULL, &r), 200);
	CU_ASSERT(json_object_object_get_ex(r.json, "user", &user) &&
	    json_object_object_get_ex(user, "email", &v) &&
	    strcmp(json_object_get_string(v), "leaving@example.test") == 0);
	CU_ASSERT(json_object_object_get_ex(r.json, "usage_events", &events) &&
	    json_object_array_length(events) == 1);
	CU_ASSERT_PTR_NULL(strstr(r.body, "scrypt"));
	http_free(&r);
	ledger_rows = pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1", ws);
	CU_ASSERT_EQUAL(request_as("DELETE", "/v1/account", access, NULL, &r), 204);
	http_free(&r);
	CU_ASSERT_EQUAL(whoami(access), 401);
	CU_ASSERT_EQUAL(login("leaving@example.test", PASSWORD, access, refresh), 401);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM users WHERE id = $1", uid), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_events WHERE user_id = $1", uid), 0);
	/* the event stays, without its user; the ledger is untouched */
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_events WHERE workspace_id = $1 AND "
	                       "user_id IS NULL AND api_key_id IS NULL AND endpoint = 'translate'",
	                    ws),
	    1);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM ledger WHERE workspace_id = $1", ws),
	    ledger_rows);
	CU_ASSERT_EQUAL(
	    pg_num("SELECT balance_micros - (SELECT sum(amount_micros) FROM ledger WHERE "
	           "workspace_id = w.id) FROM workspaces w WHERE id = $1",
	        ws),
	    0);
}

/* Reads the stack's signing secret. Returns 0 or -1. */
static int read_secret(void)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/jwt.secret", getenv("DRAGOMAN_STATE"));
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	secret_len = fread(secret, 1, sizeof(secret), f);
	fclose(f);
	return secret_len >= JWT_SECRET_MIN ? 0 : -1;
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "sign in; one answer for a wrong email or password", test_sign_in },
		{ "forged, foreign, expired and alg-none tokens are refused", test_forged_tokens },
		{ "refresh rotates; reusing one ends the session",
		    test_refresh_rotation_and_reuse },
		{ "logout stops the session's tokens at once in every worker",
		    test_logout_everywhere_at_once },
		{ "users added by admins, never above their own role", test_users_added_by_admins },
		{ "a user holds no more scopes than the key or user that made it",
		    test_users_hold_no_more_than_their_maker },
		{ "a key with a quota or rate limits of its own adds no users",
		    test_restricted_keys_add_no_users },
		{ "a platform admin is a member in their own workspace",
		    test_platform_admin_is_a_member_at_home },
		{ "preferences: the default target, translation off", test_preferences },
		{ "export and deletion (GDPR)", test_export_and_delete },
		{ "concurrent wrong passwords are counted before they are tried",
		    test_concurrent_guesses_are_counted_first },
		{ "guesses are counted after memcached restarts",
		    test_guesses_counted_after_memcached_restarts },
		{ "brute force: per account and per address, across workers", test_brute_force },
		{ NULL, NULL }
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Users", admin_key, sizeof(admin_key), ws, sizeof(ws)) < 0 ||
	    make_user("owner@example.test", "owner", owner_id, sizeof(owner_id)) < 0 ||
	    read_secret() < 0) {
		fprintf(stderr, "test_auth: cannot create the workspace and its owner\n");
		return 99;
	}
	rc = cu_run("auth", tests);
	curl_global_cleanup();
	return rc;
}
