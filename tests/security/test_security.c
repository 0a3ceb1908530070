/* The security suite (OWASP API Top 10), through a real web server. It
 * walks dragoman's own route table: every route must have a case here
 * (the walk fails on one that has none), and each route is tried for
 * authentication (missing, revoked, truncated, re-cased and padded keys),
 * function-level authorization (roles, scopes, swapped methods), path
 * confusion (every spelling of the path needs the same credentials),
 * mass assignment (foreign members in bodies change nothing) and
 * object-level authorization (another workspace's ids are 404). Then
 * header injection, CORS and response headers, and resource limits. A
 * line per route x case is printed. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <curl/curl.h>

#include "../integration/fixture.h"
#include "../integration/http.h"
#include "../unit/cu_run.h"
#include "accounts/jwt.h"
#include "core/clock.h"
#include "core/router.h"
#include "handlers/routes.h"
#include "server/app.h"

#define ORIGIN "https://app.example.test"

/* What the walk needs to know of a route beyond its table row: a concrete
 * path (captures filled in by fill_path()) and, for routes that read the
 * key from the body, a body that passes validation, so that the
 * credential alone decides (a probe is never sent with a key that should
 * pass). */
struct route_case {
	const char *name;
	const char *path;
	const char *body;
};

/* {ws} is the other workspace's id, {key} one of its key ids */
static const struct route_case cases[] = {
	{ "health", "/v1/health", NULL },
	{ "workspace.get", "/v1/workspace", NULL },
	{ "workspace.patch", "/v1/workspace", NULL },
	{ "translate", "/v1/translate", NULL },
	{ "detect", "/v1/detect", NULL },
	{ "languages", "/v1/languages", NULL },
	{ "translate.deepl", "/v2/translate", NULL },
	{ "languages.deepl", "/v2/languages", NULL },
	{ "usage.deepl", "/v2/usage", NULL },
	{ "translate.libre", "/translate",
	    "{\"q\":\"Hello\",\"source\":\"en\",\"target\":\"es\"}" },
	{ "detect.libre", "/detect", "{\"q\":\"Hello there\"}" },
	{ "languages.libre", "/languages", NULL },
	{ "cache.stats", "/v1/cache/stats", NULL },
	{ "billing.coupon", "/v1/billing/coupons/redeem", NULL },
	{ "usage", "/v1/billing/usage", NULL },
	{ "billing.balance", "/v1/billing/balance", NULL },
	{ "billing.transactions", "/v1/billing/transactions", NULL },
	{ "billing.payments", "/v1/billing/payments", NULL },
	{ "billing.payment", "/v1/billing/payments/{payment}", NULL },
	{ "billing.pricing", "/v1/billing/pricing", NULL },
	{ "admin.credits", "/v1/admin/workspaces/{ws}/credits", NULL },
	{ "admin.coupons", "/v1/admin/coupons", NULL },
	{ "billing.auto_recharge", "/v1/billing/auto-recharge", NULL },
	{ "billing.payment_method", "/v1/billing/payment-method", NULL },
	{ "billing.recharge", "/v1/billing/recharge", NULL },
	{ "billing.webhook", "/v1/billing/webhooks/stripe", NULL },
	{ "reports.usage", "/v1/reports/usage", NULL },
	{ "reports.top_users", "/v1/reports/top-users", NULL },
	{ "reports.language_pairs", "/v1/reports/language-pairs", NULL },
	{ "reports.providers", "/v1/reports/providers", NULL },
	{ "admin.analytics", "/v1/admin/analytics", NULL },
	{ "keys.create", "/v1/keys", NULL },
	{ "keys.list", "/v1/keys", NULL },
	{ "keys.revoke", "/v1/keys/{key}", NULL },
	{ "auth.login", "/v1/auth/login", NULL },
	{ "auth.refresh", "/v1/auth/refresh", NULL },
	{ "auth.logout", "/v1/auth/logout", NULL },
	{ "users.create", "/v1/users", NULL },
	{ "preferences.get", "/v1/preferences", NULL },
	{ "preferences.put", "/v1/preferences", NULL },
	{ "account.export", "/v1/account/export", NULL },
	{ "account.delete", "/v1/account", NULL },
	{ "providers.put", "/v1/providers/deepl", NULL },
	{ "providers.list", "/v1/providers", NULL },
	{ "providers.delete", "/v1/providers/deepl", NULL },
	{ "health.ready", "/v1/health/ready", NULL },
	{ "health.live", "/v1/health/live", NULL },
	{ "metrics", "/metrics", NULL },
	{ NULL, NULL, NULL },
};

/* workspace A: a key of each role, a revoked one; workspace B: its own */
static char ws_a[64], admin_a[128], member_a[128], platform_a[128], revoked_a[128];
static char ws_b[64], admin_b[128], key_b_id[64], payment_b_id[64];
/* access tokens: a member user's; bad ones (expired, another audience,
 * alg none, a session that does not exist, truncated, logged out) */
#define BAD_TOKENS 6
static char member_token[JWT_MAX_LEN], forged[BAD_TOKENS][JWT_MAX_LEN];
/* and the workspace's admin, owner and a platform admin user's (a member
 * of workspace A) */
static char admin_token[JWT_MAX_LEN], owner_token[JWT_MAX_LEN], platform_token[JWT_MAX_LEN];
/* makers of principals: an admin key of workspace A limited to translate,
 * one with a quota of 40 characters and 50 requests a minute, and the
 * token of an admin user the first one added */
static char narrow_a[128], capped_a[128], narrow_token[JWT_MAX_LEN];
static int failures_total;
static const char *probe_body; /* the current route's case body, or NULL */

/* Returns the case of route name, or NULL. */
static const struct route_case *case_of(const char *name)
{
	for (const struct route_case *c = cases; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Writes c's path into out with {ws}, {key} and {payment} (workspace B's)
 * filled in. */
static void fill_path(const struct route_case *c, char *out, size_t outsz)
{
	const char *p = c->path;
	size_t n = 0;

	while (*p != '\0' && n + 1 < outsz) {
		if (strncmp(p, "{ws}", 4) == 0) {
			n += (size_t)snprintf(out + n, outsz - n, "%s", ws_b);
			p += 4;
		} else if (strncmp(p, "{key}", 5) == 0) {
			n += (size_t)snprintf(out + n, outsz - n, "%s", key_b_id);
			p += 5;
		} else if (strncmp(p, "{payment}", 9) == 0) {
			n += (size_t)snprintf(out + n, outsz - n, "%s", payment_b_id);
			p += 9;
		} else
			out[n++] = *p++;
	}
	out[n < outsz ? n : outsz - 1] = '\0';
}

/* Sends rt's method to path with the credential k shown the way rt takes
 * it (NULL: none) and body (NULL: none). Returns the status. */
static long send_as(const struct route *rt, const char *path, const char *k, const char *body,
    struct http_response *r)
{
	char auth[JWT_MAX_LEN + 40], jbody[JWT_MAX_LEN + 512];
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	const char *scheme = rt->auth == AUTH_KEY_DEEPL ? "DeepL-Auth-Key" : "Bearer";

	if (rt->auth == AUTH_KEY_IN_BODY && k != NULL) {
		/* LibreTranslate clients send the key in the body */
		snprintf(jbody, sizeof(jbody), "{\"api_key\":\"%s\"%s%s", k,
		    body != NULL && strlen(body) > 2 ? "," : "",
		    body != NULL && strlen(body) > 2 ? body + 1 : "}");
		body = jbody;
		k = NULL;
	}
	snprintf(auth, sizeof(auth), "Authorization: %s %s", scheme, k != NULL ? k : "");
	if (k == NULL)
		h[0] = "X-No-Credentials: 1";
	if (body == NULL &&
	    (rt->method == HTTP_POST || rt->method == HTTP_PUT || rt->method == HTTP_PATCH))
		body = "{}";
	return http_request(http_method_name(rt->method), path, h, body,
	    body != NULL ? strlen(body) : 0, r);
}

/* Returns the status a refused credential gets on rt: 401, or 403 on the
 * DeepL and LibreTranslate routes (as those services answer). */
static long refused_status(const struct route *rt)
{
	return rt->dialect == DIALECT_NATIVE ? 401 : 403;
}

/* One route x case outcome: prints it and counts a failure. */
static void report(const struct route *rt, const char *check, int ok, const char *what)
{
	fprintf(stderr, "  %-24s %-7s %-34s %-10s %s%s\n", rt->name, http_method_name(rt->method),
	    rt->pattern, check, ok ? "ok" : "FAILED ", ok ? "" : what);
	if (!ok)
		failures_total++;
	CU_ASSERT(ok);
}

/* Missing, revoked, truncated, re-cased and padded credentials. */
static void check_authentication(const struct route *rt, const char *path)
{
	char truncated[128], recased[128], padded[160];
	const char *bad[5];
	struct http_response r;
	int ok = 1;

	snprintf(truncated, sizeof(truncated), "%.*s", (int)strlen(admin_a) - 1, admin_a);
	snprintf(recased, sizeof(recased), "%s", admin_a);
	for (char *p = recased + 13; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	snprintf(padded, sizeof(padded), "%sx", admin_a);
	bad[0] = NULL;
	bad[1] = revoked_a;
	bad[2] = truncated;
	bad[3] = recased;
	bad[4] = padded;
	for (int i = 0; i < 5; i++) {
		long st = send_as(rt, path, bad[i], probe_body, &r);
		ok &= st == refused_status(rt) && http_is_problem(&r);
		http_free(&r);
	}
	for (int i = 0; i < BAD_TOKENS; i++) {
		long st = send_as(rt, path, forged[i], probe_body, &r);
		/* LibreTranslate's api_key field is too short for a token: 400 */
		ok &= st == refused_status(rt) || (rt->auth == AUTH_KEY_IN_BODY && st == 400);
		http_free(&r);
	}
	report(rt, "authn", ok, "a bad key or token was not refused");
}

/* Returns a key of workspace A that has rt's role but lacks its scope
 * (made once per scope and role), or NULL when none can be made. */
static const char *key_without_scope(const struct route *rt)
{
	static char keys[SCOPE__MAX][ROLE__MAX][128];
	char *k = keys[rt->scope][rt->min_role], args[256], *out;
	/* any other scope than the route's */
	enum key_scope other = rt->scope == SCOPE_TRANSLATE ? SCOPE_REPORTS : SCOPE_TRANSLATE;

	if (k[0] == '\0') {
		snprintf(args, sizeof(args), "key create %s --role %s --scopes %s", ws_a,
		    role_name(rt->min_role), scope_name(other));
		out = admin(args);
		field(out, "api_key=", k, 128);
		free(out);
	}
	return k[0] != '\0' ? k : NULL;
}

/* Roles below the route's, and keys without its scope, are refused. */
static void check_authorization(const struct route *rt, const char *path)
{
	struct http_response r;
	int ok = 1;

	if (rt->min_role == ROLE_MEMBER && rt->scope == SCOPE_NONE)
		return; /* any key of the workspace may */
	if (rt->min_role >= ROLE_ADMIN) {
		ok &= send_as(rt, path, member_a, probe_body, &r) == 403 && http_is_problem(&r);
		http_free(&r);
		/* a member user's token, where tokens are taken */
		if (rt->auth == AUTH_KEY) {
			ok &= send_as(rt, path, member_token, probe_body, &r) == 403;
			http_free(&r);
		}
	}
	if (rt->min_role >= ROLE_PLATFORM) {
		ok &= send_as(rt, path, admin_a, probe_body, &r) == 403;
		http_free(&r);
		/* a workspace's owner is no platform admin */
		if (rt->auth == AUTH_KEY) {
			ok &= send_as(rt, path, admin_token, probe_body, &r) == 403;
			http_free(&r);
			ok &= send_as(rt, path, owner_token, probe_body, &r) == 403;
			http_free(&r);
		}
	}
	/* a platform admin who is a member of the workspace is a member on
	 * its routes (issue 14, defect 9) */
	if (rt->auth == AUTH_KEY && rt->min_role >= ROLE_ADMIN && rt->min_role < ROLE_PLATFORM) {
		ok &= send_as(rt, path, platform_token, probe_body, &r) == 403;
		http_free(&r);
	}
	/* and the users whose role it is get past the check */
	if (rt->auth == AUTH_KEY && rt->min_role >= ROLE_ADMIN) {
		const char *let_in[] = { rt->min_role == ROLE_PLATFORM ? platform_token : NULL,
			rt->min_role <= ROLE_ADMIN ? admin_token : NULL,
			rt->min_role <= ROLE_OWNER ? owner_token : NULL };
		for (size_t i = 0; i < sizeof(let_in) / sizeof(let_in[0]); i++) {
			if (let_in[i] == NULL)
				continue;
			long st = send_as(rt, path, let_in[i], probe_body, &r);
			ok &= st != 401 && st != 403;
			http_free(&r);
		}
	}
	if (rt->scope != SCOPE_NONE) {
		const char *k = key_without_scope(rt);
		ok &= k != NULL && send_as(rt, path, k, probe_body, &r) == 403 &&
		    strstr(r.body, scope_name(rt->scope)) != NULL;
		if (k != NULL)
			http_free(&r);
	}
	report(rt, "authz", ok, "a weaker key was let in");
}

/* Returns the bit mask of the methods the route table has for pattern. */
static unsigned methods_of(const char *pattern)
{
	unsigned m = 0;

	for (const struct route *const *t = handler_routes; *t != NULL; t++)
		for (const struct route *x = *t; x->pattern != NULL; x++)
			if (strcmp(x->pattern, pattern) == 0)
				m |= 1u << x->method;
	return m;
}

/* Every method the path does not have is 405 with Allow, even with the
 * strongest key. */
static void check_method_swaps(const struct route *rt, const char *path)
{
	static const enum http_method tried[] = { HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_PATCH,
		HTTP_DELETE };
	unsigned have = methods_of(rt->pattern);
	char auth[200];
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	int ok = 1;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", platform_a);
	for (size_t i = 0; i < sizeof(tried) / sizeof(tried[0]); i++) {
		struct http_response r;
		if (have & (1u << tried[i]))
			continue;
		long st = http_request(http_method_name(tried[i]), path, h,
		    tried[i] == HTTP_GET || tried[i] == HTTP_DELETE ? NULL : "{}",
		    tried[i] == HTTP_GET || tried[i] == HTTP_DELETE ? 0 : 2, &r);
		ok &= st == 405 && http_header(&r, "Allow") != NULL;
		http_free(&r);
	}
	report(rt, "methods", ok, "a swapped method was not 405");
}

/* Every spelling of the path (//, /./, /x/../, a trailing /, and /v1/health/../)
 * needs the credentials the route needs; an encoded / is refused. */
static void check_path_confusion(const struct route *rt, const char *path)
{
	char variants[5][600], encoded[600];
	struct http_response r;
	const char *slash;
	int ok = 1;

	snprintf(variants[0], sizeof(variants[0]), "/%s", path);
	snprintf(variants[1], sizeof(variants[1]), "/.%s", path);
	snprintf(variants[2], sizeof(variants[2]), "/x/..%s", path);
	snprintf(variants[3], sizeof(variants[3]), "%s/", path);
	snprintf(variants[4], sizeof(variants[4]), "/v1/health/../..%s", path);
	for (int i = 0; i < 5; i++) {
		long st = send_as(rt, variants[i], NULL, probe_body, &r);
		/* refused, or not found (a web server may not map a spelling) */
		ok &= rt->auth == AUTH_NONE ? st < 500 : st == refused_status(rt) || st == 404;
		http_free(&r);
	}
	slash = strrchr(path, '/');
	if (slash != NULL && slash != path) {
		snprintf(encoded, sizeof(encoded), "%.*s%%2F%s", (int)(slash - path), path,
		    slash + 1);
		long st = send_as(rt, encoded, admin_a, NULL, &r);
		ok &= st == 400 || st == 404; /* Apache refuses %2F itself */
		http_free(&r);
	}
	report(rt, "paths", ok, "a spelling of the path changed what it needs");
}

/* Returns workspace id's balance, plan and key count as one string. */
static char *state_of(const char *id)
{
	return pg_value("SELECT balance_micros || ' ' || plan || ' ' || "
	                "(SELECT count(*) FROM api_keys WHERE workspace_id = w.id) || ' ' || "
	                "(SELECT count(*) FROM ledger WHERE workspace_id = w.id) FROM workspaces w "
	                "WHERE id = $1",
	    id);
}

/* A body of members no route takes from a client is refused (or, on the
 * compatibility routes, ignored), and changes nothing in either workspace. */
static void check_mass_assignment(const struct route *rt, const char *path)
{
	char body[400], *a0 = state_of(ws_a), *b0 = state_of(ws_b), *a1, *b1;
	const char *k = rt->min_role == ROLE_PLATFORM ? platform_a : admin_a;
	struct http_response r;
	long st;
	int ok;

	snprintf(body, sizeof(body),
	    "{\"workspace_id\":\"%s\",\"balance\":\"1000000\","
	    "\"balance_micros\":1000000000000,\"plan\":\"enterprise\",\"role\":\"platform\","
	    "\"rate_exempt\":true}",
	    ws_b);
	st = send_as(rt, path, k, body, &r);
	http_free(&r);
	a1 = state_of(ws_a);
	b1 = state_of(ws_b);
	ok = st == 400 && a0 && a1 && b0 && b1 && strcmp(a0, a1) == 0 && strcmp(b0, b1) == 0;
	free(a0);
	free(a1);
	free(b0);
	free(b1);
	report(rt, "mass", ok, "foreign body members were taken");
}

/* Another workspace's object through this workspace's key is not found. */
static void check_object_level(const struct route *rt, const char *path)
{
	struct http_response r;
	long st;
	int ok;

	st = send_as(rt, path, admin_a, NULL, &r);
	ok = st == 404 && http_is_problem(&r);
	http_free(&r);
	/* and the object is still there, working */
	ok &= get("/v1/workspace", admin_b, &r) == 200;
	http_free(&r);
	report(rt, "bola", ok, "another workspace's object was reached");
}

/* --- principals: none is made above its maker (issue 14, defect 9) ------- */

/* Returns the status of method path with credential k and body (NULL:
 * none); when made is not NULL and the answer is 201, copies its "key"
 * member into made (128 bytes). */
static long call_as(const char *method, const char *path, const char *k, const char *body,
    char *made)
{
	struct http_response r;
	long st = request_as(method, path, k, body, &r);

	if (made != NULL)
		snprintf(made, 128, "%s",
		    st == 201 && http_json_str(&r, "key") != NULL ? http_json_str(&r, "key") : "");
	http_free(&r);
	return st;
}

/* Returns 1 when credential k is a principal of translate only: it may
 * list languages, and is refused reports and billing. */
static int translate_only(const char *k)
{
	return k[0] != '\0' && call_as("GET", "/v1/languages", k, NULL, NULL) == 200 &&
	    call_as("GET", "/v1/reports/usage?period=day", k, NULL, NULL) == 403 &&
	    call_as("GET", "/v1/billing/balance", k, NULL, NULL) == 403;
}

/* POST /v1/keys: a key or token makes no key with more scopes, a larger
 * quota or looser rate limits than its own, and a platform admin makes
 * none where they are a member. */
static void climb_keys_create(const struct route *rt, const char *path)
{
	char made[128], prefix[16];
	struct http_response r;
	int ok;

	ok = call_as("POST", path, narrow_a, "{\"scopes\":[\"reports\"]}", NULL) == 403;
	ok &= call_as("POST", path, narrow_a, "{}", made) == 201 && translate_only(made);
	ok &= call_as("POST", path, narrow_token, "{\"scopes\":[\"billing:read\"]}", NULL) == 403;
	ok &= call_as("POST", path, narrow_token, "{}", made) == 201 && translate_only(made);
	ok &= call_as("POST", path, capped_a, "{\"monthly_character_quota\":41}", NULL) == 403;
	ok &= request_as("POST", path, capped_a, "{}", &r) == 201 && r.json != NULL &&
	    json_object_get_int64(json_object_object_get(r.json, "monthly_character_quota")) == 40;
	snprintf(prefix, sizeof(prefix), "%.12s",
	    http_json_str(&r, "key") ? http_json_str(&r, "key") : "");
	http_free(&r);
	ok &= pg_num("SELECT rate_per_minute FROM api_keys WHERE prefix = $1", prefix) == 50;
	ok &= call_as("POST", path, platform_token, "{\"role\":\"admin\"}", NULL) == 403;
	report(rt, "climb", ok, "a key was made above its maker");
}

/* POST /v1/users: a key or token adds no user with more scopes than its
 * own, nor one who would escape its quota or rate limits, nor one above
 * its role in the workspace. */
static void climb_users_create(const struct route *rt, const char *path)
{
	struct http_response r;
	char body[300];
	int ok;

#define USER_BODY(email, extra) \
	"{\"email\":\"" email "\",\"password\":" \
	"\"a long enough password\"" extra "}"
	ok = call_as("POST", path, narrow_a,
	         USER_BODY("wide@security.test", ",\"role\":\"admin\",\"scopes\":[\"reports\"]"),
	         NULL) == 403;
	ok &= request_as("POST", path, narrow_a,
	          USER_BODY("narrow2@security.test", ",\"role\":\"admin\""), &r) == 201 &&
	    http_json_strings_are(&r, "scopes", "translate");
	http_free(&r);
	ok &= request_as("POST", path, narrow_token, USER_BODY("narrow3@security.test", ""), &r) ==
	        201 &&
	    http_json_strings_are(&r, "scopes", "translate");
	http_free(&r);
	ok &= call_as("POST", path, capped_a,
	          USER_BODY("capped@security.test", ",\"role\":\"admin\""), NULL) == 403;
	ok &= call_as("POST", path, platform_token,
	          USER_BODY("crony@security.test", ",\"role\":\"admin\""), NULL) == 403;
	ok &= call_as("POST", path, admin_token,
	          USER_BODY("boss@security.test", ",\"role\":\"owner\""), NULL) == 403;
#undef USER_BODY
	snprintf(body, sizeof(body),
	    "SELECT count(*) FROM users WHERE email IN "
	    "('wide@security.test', 'capped@security.test', 'crony@security.test', "
	    "'boss@security.test')");
	ok &= pg_num(body, NULL) == 0;
	report(rt, "climb", ok, "a user was made above their maker");
}

/* Signs email in. Returns the status; on 200 copies the access and
 * refresh tokens (either may be NULL). */
static long sign_in(const char *email, char *access, char *refresh)
{
	char body[200];
	struct http_response r;
	long st;

	snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"a long enough password\"}",
	    email);
	st = request_as("POST", "/v1/auth/login", NULL, body, &r);
	if (st == 200 && access != NULL)
		snprintf(access, JWT_MAX_LEN, "%s", http_json_str(&r, "access_token"));
	if (st == 200 && refresh != NULL)
		snprintf(refresh, 64, "%s", http_json_str(&r, "refresh_token"));
	http_free(&r);
	return st;
}

/* Returns 1 when token is a member where it is one: no admin route of
 * its workspace, though the operators' routes (a 400 for an empty body
 * is past the check). */
static int member_at_home(const char *token)
{
	return call_as("GET", "/v1/keys", token, NULL, NULL) == 403 &&
	    call_as("PATCH", "/v1/workspace", token, "{\"name\":\"Mine\"}", NULL) == 403 &&
	    call_as("POST", "/v1/admin/coupons", token, "{}", NULL) == 400;
}

/* POST /v1/auth/login: a session's token holds its user's scopes and
 * workspace role, nothing more. */
static void climb_auth_login(const struct route *rt, const char *path)
{
	char access[JWT_MAX_LEN];
	int ok;

	(void)path;
	ok = sign_in("narrow@security.test", access, NULL) == 200 && translate_only(access);
	ok &= sign_in("root@security.test", access, NULL) == 200 && member_at_home(access);
	report(rt, "climb", ok, "a session got more than its user");
}

/* POST /v1/auth/refresh: a refreshed token no more than the first. */
static void climb_auth_refresh(const struct route *rt, const char *path)
{
	char access[JWT_MAX_LEN], refresh[64], body[120];
	struct http_response r;
	int ok;

	ok = sign_in("narrow@security.test", NULL, refresh) == 200;
	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", refresh);
	ok &= request_as("POST", path, NULL, body, &r) == 200;
	snprintf(access, sizeof(access), "%s",
	    http_json_str(&r, "access_token") ? http_json_str(&r, "access_token") : "");
	http_free(&r);
	ok &= translate_only(access);
	ok &= sign_in("root@security.test", NULL, refresh) == 200;
	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", refresh);
	ok &= request_as("POST", path, NULL, body, &r) == 200;
	snprintf(access, sizeof(access), "%s",
	    http_json_str(&r, "access_token") ? http_json_str(&r, "access_token") : "");
	http_free(&r);
	ok &= member_at_home(access);
	report(rt, "climb", ok, "a refreshed token got more than its user");
}

/* The routes that make a principal (a key, a user, a session's tokens),
 * each with the check that it is made no stronger than its maker. Every
 * route named *.create must be here. */
static const struct climb_case {
	const char *name;
	void (*check)(const struct route *rt, const char *path);
} climbs[] = {
	{ "keys.create", climb_keys_create },
	{ "users.create", climb_users_create },
	{ "auth.login", climb_auth_login },
	{ "auth.refresh", climb_auth_refresh },
	{ NULL, NULL },
};

/* Runs rt's climb check; a *.create route without one fails. */
static void check_climb(const struct route *rt, const char *path)
{
	size_t n = strlen(rt->name);

	for (const struct climb_case *c = climbs; c->name != NULL; c++)
		if (strcmp(c->name, rt->name) == 0) {
			c->check(rt, path);
			return;
		}
	if (n > 7 && strcmp(rt->name + n - 7, ".create") == 0)
		report(rt, "climb", 0, "makes a principal but has no climb case");
}

static void test_every_route(void)
{
	int routes = 0;

	fprintf(stderr, "\n");
	for (const struct route *const *t = handler_routes; *t != NULL; t++)
		for (const struct route *rt = *t; rt->pattern != NULL; rt++) {
			const struct route_case *c = case_of(rt->name);
			char path[512];
			routes++;
			if (c == NULL) {
				report(rt, "covered", 0, "no case in tests/security");
				continue;
			}
			fill_path(c, path, sizeof(path));
			probe_body = c->body;
			if (rt->auth != AUTH_NONE) {
				check_authentication(rt, path);
				check_authorization(rt, path);
			}
			check_method_swaps(rt, path);
			check_path_confusion(rt, path);
			if (rt->body != BODY_NONE && rt->auth != AUTH_NONE)
				check_mass_assignment(rt, path);
			if (strstr(c->path, "{key}") != NULL ||
			    strstr(c->path, "{payment}") != NULL)
				check_object_level(rt, path);
			check_climb(rt, path);
		}
	fprintf(stderr, "  %d routes walked, %d route x case failures\n", routes, failures_total);
}

/* --- headers ------------------------------------------------------------ */

static void test_response_headers(void)
{
	struct http_response r;
	const char *server;

	CU_ASSERT_EQUAL(get("/v1/workspace", admin_a, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(http_header(&r, "Content-Security-Policy")
	        ? http_header(&r, "Content-Security-Policy")
	        : "",
	    "default-src 'none'"));
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Content-Type-Options"), "nosniff");
	/* no server software version (Apache's ServerTokens Prod and nginx's
	 * server_tokens off leave their names) */
	server = http_header(&r, "Server");
	CU_ASSERT(server == NULL || strcmp(server, "Apache") == 0 || strcmp(server, "nginx") == 0);
	/* not over TLS here: no HSTS */
	CU_ASSERT_PTR_NULL(http_header(&r, "Strict-Transport-Security"));
	http_free(&r);
	CU_ASSERT_EQUAL(get("/v1/nothing-here", admin_a, &r), 404);
	CU_ASSERT_PTR_NOT_NULL(strstr(http_header(&r, "Content-Security-Policy")
	        ? http_header(&r, "Content-Security-Policy")
	        : "",
	    "default-src 'none'"));
	server = http_header(&r, "Server");
	CU_ASSERT(server == NULL || strcmp(server, "Apache") == 0 || strcmp(server, "nginx") == 0);
	http_free(&r);
}

static void test_cors(void)
{
	const char *ok_origin[] = { "Origin: " ORIGIN, NULL };
	const char *evil[] = { "Origin: https://evil.example.test", NULL };
	const char *preflight[] = { "Origin: " ORIGIN, "Access-Control-Request-Method: POST",
		"Access-Control-Request-Headers: authorization, content-type", NULL };
	const char *evil_preflight[] = { "Origin: https://evil.example.test",
		"Access-Control-Request-Method: POST", NULL };
	struct http_response r;

	CU_ASSERT_EQUAL(http_request("GET", "/v1/health", ok_origin, NULL, 0, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "Access-Control-Allow-Origin"), ORIGIN);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "Vary"), "Origin");
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(http_header(&r, "Access-Control-Expose-Headers"), "RateLimit"));
	http_free(&r);
	/* errors too, so that a page can read them */
	CU_ASSERT_EQUAL(http_request("GET", "/v1/workspace", ok_origin, NULL, 0, &r), 401);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "Access-Control-Allow-Origin"), ORIGIN);
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("GET", "/v1/health", evil, NULL, 0, &r), 200);
	CU_ASSERT_PTR_NULL(http_header(&r, "Access-Control-Allow-Origin"));
	http_free(&r);
	/* the preflight needs no key */
	CU_ASSERT_EQUAL(http_request("OPTIONS", "/v1/translate", preflight, NULL, 0, &r), 204);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "Access-Control-Allow-Origin"), ORIGIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(http_header(&r, "Access-Control-Allow-Methods"), "POST"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(http_header(&r, "Access-Control-Allow-Headers"), "Authorization"));
	CU_ASSERT_STRING_EQUAL(http_header(&r, "Access-Control-Max-Age"), "600");
	http_free(&r);
	CU_ASSERT_EQUAL(http_request("OPTIONS", "/v1/translate", evil_preflight, NULL, 0, &r), 204);
	CU_ASSERT_PTR_NULL(http_header(&r, "Access-Control-Allow-Origin"));
	CU_ASSERT_PTR_NULL(http_header(&r, "Access-Control-Allow-Methods"));
	http_free(&r);
}

/* --- header injection ---------------------------------------------------- */

static void test_header_injection(void)
{
	char auth[200], body[200];
	const char *h[] = { auth, "Content-Type: application/json", "Proxy: http://127.0.0.1:9",
		NULL };
	const char *bad_id[] = { "X-Request-Id: abc<script>", NULL };
	struct http_response r;
	int len;

	/* httpoxy: a client's Proxy header never becomes the outbound proxy,
	 * so a text never seen before still reaches Apertium */
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_a);
	len = snprintf(body, sizeof(body),
	    "{\"text\":\"The green house %ld is big.\","
	    "\"source\":\"en\",\"target\":\"es\"}",
	    (long)getpid());
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, body, (size_t)len, &r), 200);
	CU_ASSERT_STRING_EQUAL(http_header(&r, "X-Cache"), "MISS");
	http_free(&r);
	/* a request id that is not [A-Za-z0-9._-] is replaced, not echoed */
	CU_ASSERT_EQUAL(http_request("GET", "/v1/health", bad_id, NULL, 0, &r), 200);
	CU_ASSERT_PTR_NOT_NULL(http_header(&r, "X-Request-Id"));
	CU_ASSERT_PTR_NULL(strstr(http_header(&r, "X-Request-Id"), "script"));
	http_free(&r);
}

/* Connects to the server under test. Returns the socket, or -1. */
static int connect_server(void)
{
	const char *url = getenv("DRAGOMAN_TEST_URL"), *colon;
	struct sockaddr_in a;
	struct timeval tv = { 5, 0 };
	int fd;

	if (url == NULL || (colon = strrchr(url, ':')) == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(colon + 1));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends len raw bytes of req on a new connection and reads the response
 * (up to outsz - 1 bytes, NUL-terminated; NUL bytes in it become '?')
 * into out. Returns its status (0: none before the connection closed or
 * 5 s passed). */
static int raw_exchange(const char *req, size_t len, char *out, size_t outsz)
{
	int fd = connect_server(), status = 0;
	size_t got = 0;
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return 0;
	if (write(fd, req, len) == (ssize_t)len)
		while (got + 1 < outsz && (n = read(fd, out + got, outsz - 1 - got)) > 0)
			got += (size_t)n;
	for (size_t i = 0; i < got; i++)
		if (out[i] == '\0')
			out[i] = '?';
	out[got] = '\0';
	if (got > 12)
		sscanf(out, "HTTP/1.%*d %d", &status);
	close(fd);
	return status;
}

/* raw_exchange() of the string req, the response discarded. */
static int raw_status(const char *req)
{
	char buf[4096];

	return raw_exchange(req, strlen(req), buf, sizeof(buf));
}

/* A header value carrying a control byte (bare CR, NUL, \001) is refused
 * by the web server or reaches the app, which never echoes it: the
 * response has no header it smuggled and no control byte, and the
 * request id it carried is replaced. */
static void check_header_control(const char *what, const char *value, size_t vlen)
{
	static const char head[] = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	                           "X-Request-Id: ";
	static const char tail[] = "\r\nConnection: close\r\n\r\n";
	char req[512], resp[8192], *id;
	size_t n = 0;
	int st;

	memcpy(req, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	memcpy(req + n, value, vlen);
	n += vlen;
	memcpy(req + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	st = raw_exchange(req, n, resp, sizeof(resp));
	fprintf(stderr, "\n  %s in a header value: %d", what, st);
	CU_ASSERT(st == 400 || st == 200);
	CU_ASSERT_PTR_NULL(strstr(resp, "Injected"));
	CU_ASSERT_PTR_NULL(strchr(resp, '\001'));
	if (st == 200) {
		id = strstr(resp, "X-Request-Id: ");
		CU_ASSERT_PTR_NOT_NULL(id);
		/* the id the app answers with is its own: [A-Za-z0-9._-] to the line's end */
		if (id != NULL) {
			id += strlen("X-Request-Id: ");
			CU_ASSERT(strspn(id,
			              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			              "0123456789._-") > 0);
			CU_ASSERT(id[strspn(id,
			              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			              "0123456789._-")] == '\r');
			CU_ASSERT(strncmp(id, "ab\r", 3) != 0);
		}
	}
}

static void test_request_smuggling(void)
{
	char req[512];

	/* two different Content-Lengths: the web server refuses the request */
	snprintf(req, sizeof(req),
	    "POST /v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\nContent-Length: 30\r\nConnection: close\r\n\r\n{}",
	    admin_a);
	CU_ASSERT_EQUAL(raw_status(req), 400);
	/* Content-Length and chunked together */
	snprintf(req, sizeof(req),
	    "POST /v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	    "0\r\n\r\n",
	    admin_a);
	int st = raw_status(req);
	CU_ASSERT(st == 400 || st == 501);
	/* control bytes in a header value */
	check_header_control("\\001", "a\001b", 3);
	check_header_control("NUL", "a\0b", 3);
	check_header_control("a bare CR", "a\rInjected: 1", 14);
	check_header_control("a bare LF", "a\nInjected: 1", 14);
	fprintf(stderr, "\n");
}

/* --- resource limits ------------------------------------------------------ */

static void test_resource_limits(void)
{
	char auth[200], *big;
	const char *h[] = { auth, "Content-Type: application/json", NULL };
	struct http_response r;
	size_t n = 0, cap = 2 << 20;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", admin_a);
	big = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	/* a text over translate_max_bytes (128 KiB) */
	n = (size_t)snprintf(big, cap, "{\"source\":\"en\",\"target\":\"es\",\"text\":\"");
	while (n < 140000)
		big[n++] = 'a';
	n += (size_t)snprintf(big + n, cap - n, "\"}");
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, big, n, &r), 413);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	/* a body over max_body_bytes (1 MiB) */
	memset(big, ' ', cap);
	big[0] = '{';
	big[cap - 1] = '}';
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, big, cap, &r), 413);
	http_free(&r);
	/* JSON nested deeper than 32 */
	n = (size_t)snprintf(big, cap, "{\"text\":");
	for (int i = 0; i < 40; i++)
		big[n++] = '[';
	for (int i = 0; i < 40; i++)
		big[n++] = ']';
	big[n++] = '}';
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, big, n, &r), 400);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	/* a batch over translate_max_texts (50) */
	n = (size_t)snprintf(big, cap, "{\"source\":\"en\",\"target\":\"es\",\"texts\":[");
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(big + n, cap - n, "%s\"t%d\"", i ? "," : "", i);
	n += (size_t)snprintf(big + n, cap - n, "]}");
	CU_ASSERT_EQUAL(http_request("POST", "/v1/translate", h, big, n, &r), 400);
	CU_ASSERT(http_is_problem(&r));
	http_free(&r);
	free(big);
}

/* Slow bodies: more stalled uploads than there are workers. lighttpd
 * buffers whole bodies before a worker sees them, so nobody waits. Apache
 * does not: with mod_fcgid each stalled upload holds one of its threads
 * (as many as workers), with mod_proxy_fcgi the body is streamed and holds
 * a worker, until mod_reqtimeout drops it (body=10 s; with mod_fcgid the
 * 8 stalled ones take 2 rounds of 4 threads). */
static void test_slow_bodies(void)
{
	int fds[8], served = 0;
	char req[512];
	double t0;

	snprintf(req, sizeof(req),
	    "POST /v1/detect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: 400\r\n\r\n{\"text\":\"",
	    admin_a);
	for (int i = 0; i < 8; i++) {
		fds[i] = connect_server();
		if (fds[i] >= 0 && write(fds[i], req, strlen(req)) < 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	}
	usleep(200 * 1000);
	t0 = clock_now_ms();
	for (int i = 0; i < 10; i++) {
		struct http_response r;
		served += get("/v1/workspace", admin_a, &r) == 200;
		http_free(&r);
	}
	fprintf(stderr, "\n  8 stalled uploads open: 10 requests served in %.0f ms\n",
	    clock_now_ms() - t0);
	CU_ASSERT_EQUAL(served, 10);
	if (strcmp(getenv("DRAGOMAN_TEST_SERVER"), "lighttpd") == 0)
		CU_ASSERT(clock_now_ms() - t0 < 3000)
	else
		CU_ASSERT(clock_now_ms() - t0 < 25000);
	for (int i = 0; i < 8; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Signs a token for user uid in session sid with the stack's secret. */
static void forge(const char *uid, const char *sid, const char *aud, long long exp, char *out)
{
	char path[512];
	unsigned char secret[256];
	size_t n = 0;
	struct jwt_claims c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/jwt.secret", getenv("DRAGOMAN_STATE"));
	f = fopen(path, "r");
	if (f != NULL) {
		n = fread(secret, 1, sizeof(secret), f);
		fclose(f);
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.sub, sizeof(c.sub), "%.36s", uid);
	snprintf(c.sid, sizeof(c.sid), "%.36s", sid);
	c.iat = (long long)time(NULL) - 60;
	c.exp = exp;
	if (jwt_sign(&c, "dragoman", aud, secret, n, out, JWT_MAX_LEN) < 0)
		out[0] = '\0';
}

/* Ends the session of token. Returns the status. */
static long logout(const char *token)
{
	char auth[JWT_MAX_LEN + 40];
	const char *h[] = { auth, NULL };
	struct http_response r;
	long st;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	st = http_request("POST", "/v1/auth/logout", h, "", 0, &r);
	http_free(&r);
	return st;
}

/* Adds a member user to workspace A and signs it in; makes the bad
 * tokens. Returns 0 or -1. */
/* Makes a user of workspace A with email and the admin CLI's options opts
 * (its password DRAGOMAN_PASSWORD) and signs in. Writes the access token
 * into token. Returns 0, or -1. */
static int sign_in_new_user(const char *email, const char *opts, char token[JWT_MAX_LEN])
{
	char args[200], body[200], *out;
	const char *h[] = { "Content-Type: application/json", NULL };
	struct http_response r;
	int len, rc = -1;

	snprintf(args, sizeof(args), "user create %s %s %s", ws_a, email, opts);
	if ((out = admin(args)) == NULL)
		return -1;
	free(out);
	len = snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email,
	    getenv("DRAGOMAN_PASSWORD"));
	if (http_request("POST", "/v1/auth/login", h, body, (size_t)len, &r) == 200 &&
	    http_json_str(&r, "access_token") != NULL) {
		snprintf(token, JWT_MAX_LEN, "%s", http_json_str(&r, "access_token"));
		rc = 0;
	}
	http_free(&r);
	return rc;
}

static int setup_tokens(void)
{
	struct http_response r;
	char uid[64] = "", sid[64] = "", *out, args[160];
	long long now = (long long)time(NULL);

	setenv("DRAGOMAN_PASSWORD", "a long enough password", 1);
	snprintf(args, sizeof(args), "user create %s member@security.test --role member", ws_a);
	out = admin(args);
	field(out, "user_id=", uid, sizeof(uid));
	free(out);
	static const char body[] = "{\"email\":\"member@security.test\","
	                           "\"password\":\"a long enough password\"}";
	const char *h[] = { "Content-Type: application/json", NULL };

	if (http_request("POST", "/v1/auth/login", h, body, sizeof(body) - 1, &r) != 200 ||
	    http_json_str(&r, "access_token") == NULL) {
		http_free(&r);
		return -1;
	}
	snprintf(member_token, sizeof(member_token), "%s", http_json_str(&r, "access_token"));
	http_free(&r);
	out = pg_value("SELECT id FROM sessions WHERE user_id = $1", uid);
	if (out == NULL)
		return -1;
	snprintf(sid, sizeof(sid), "%s", out);
	free(out);
	forge(uid, sid, "dragoman-api", now - 1, forged[0]);
	forge(uid, sid, "someone-else", now + 300, forged[1]);
	forge(uid, "00000000-0000-4000-8000-000000000000", "dragoman-api", now + 300, forged[2]);
	/* alg none over the real claims */
	snprintf(forged[3], sizeof(forged[3]), "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0%.*s.",
	    (int)(strrchr(member_token, '.') - strchr(member_token, '.')),
	    strchr(member_token, '.'));
	snprintf(forged[4], sizeof(forged[4]), "%.*s", (int)strlen(member_token) - 2, member_token);
	/* a second sign-in, logged out */
	if (http_request("POST", "/v1/auth/login", h, body, sizeof(body) - 1, &r) != 200 ||
	    http_json_str(&r, "access_token") == NULL) {
		http_free(&r);
		return -1;
	}
	snprintf(forged[5], sizeof(forged[5]), "%s", http_json_str(&r, "access_token"));
	http_free(&r);
	if (logout(forged[5]) != 204)
		return -1;
	if (sign_in_new_user("admin@security.test", "--role admin", admin_token) < 0 ||
	    sign_in_new_user("owner@security.test", "--role owner", owner_token) < 0 ||
	    sign_in_new_user("root@security.test", "--role member --platform-admin",
	        platform_token) < 0)
		return -1;
	return forged[0][0] && forged[1][0] && forged[2][0] ? 0 : -1;
}

/* Makes the makers of principals the climb checks use (narrow_a, capped_a,
 * narrow_token). Returns 0 or -1. */
static int setup_makers(void)
{
	char args[200], *out;
	struct http_response r;
	long st;

	snprintf(args, sizeof(args), "key create %s --role admin --scopes translate", ws_a);
	out = admin(args);
	field(out, "api_key=", narrow_a, sizeof(narrow_a));
	free(out);
	if (make_key(ws_a, "admin", capped_a, sizeof(capped_a)) < 0)
		return -1;
	snprintf(args, sizeof(args), "key limits %.12s --per-minute 50 --monthly-characters 40",
	    capped_a);
	if ((out = admin(args)) == NULL)
		return -1;
	free(out);
	st = request_as("POST", "/v1/users", narrow_a,
	    "{\"email\":\"narrow@security.test\","
	    "\"password\":\"a long enough password\",\"role\":\"admin\"}",
	    &r);
	http_free(&r);
	if (narrow_a[0] == '\0' || st != 201 ||
	    sign_in("narrow@security.test", narrow_token, NULL) != 200)
		return -1;
	return 0;
}

/* Makes the keys and the second workspace. Returns 0 or -1. */
static int setup(void)
{
	char out_id[64], *out;

	if (make_workspace("Security A", admin_a, sizeof(admin_a), ws_a, sizeof(ws_a)) < 0 ||
	    make_workspace("Security B", admin_b, sizeof(admin_b), ws_b, sizeof(ws_b)) < 0 ||
	    make_key(ws_a, "member", member_a, sizeof(member_a)) < 0 ||
	    make_key(ws_a, "platform", platform_a, sizeof(platform_a)) < 0 ||
	    make_key(ws_a, "member", revoked_a, sizeof(revoked_a)) < 0)
		return -1;
	snprintf(out_id, sizeof(out_id), "key revoke %.12s", revoked_a);
	out = admin(out_id);
	if (out == NULL)
		return -1;
	free(out);
	snprintf(out_id, sizeof(out_id), "%.12s", admin_b);
	out = pg_value("SELECT id FROM api_keys WHERE prefix = $1", out_id);
	if (out == NULL)
		return -1;
	snprintf(key_b_id, sizeof(key_b_id), "%s", out);
	free(out);
	/* a payment of workspace B's, for the routes that name one */
	out =
	    pg_value("INSERT INTO payments (workspace_id, amount_micros, kind, state, request_id,"
	             " idempotency_key) VALUES ($1::uuid, 1000000, 'manual', 'failed', 'security',"
	             " 'security') RETURNING id",
	        ws_b);
	if (out == NULL)
		return -1;
	snprintf(payment_b_id, sizeof(payment_b_id), "%s", out);
	free(out);
	return setup_tokens() < 0 ? -1 : setup_makers();
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "every route x authn, authz, methods, paths, mass assignment, BOLA",
		    test_every_route },
		{ "response headers: CSP, nosniff, no server version, no HSTS over HTTP",
		    test_response_headers },
		{ "CORS for the configured origin only", test_cors },
		{ "header injection: Proxy, request ids", test_header_injection },
		{ "request smuggling shapes are refused", test_request_smuggling },
		{ "resource limits: huge text and body, deep JSON, huge batch",
		    test_resource_limits },
		{ "slow bodies do not hold the workers", test_slow_bodies }, { NULL, NULL }
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (setup() < 0) {
		fprintf(stderr, "test_security: cannot create the workspaces and keys\n");
		return 99;
	}
	rc = cu_run("security", tests);
	curl_global_cleanup();
	return rc;
}
