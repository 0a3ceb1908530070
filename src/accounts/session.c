#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accounts/apikey.h"
#include "accounts/password.h"
#include "accounts/session.h"
#include "core/log.h"
#include "core/random.h"
#include "proc/worker.h"
#include "store/cache.h"
#include "store/db.h"

/* A session's record in memcached: "ok" and the lookup's fields,
 * tab-separated, or "revoked". Kept at most this long. */
#define SESSION_CACHE_TTL 60
#define SESSION_FIELDS 10

/* A hash no password matches, verified for unknown emails so that they
 * take as long as wrong passwords (same cost as new hashes by default). */
static char dummy_hash[PASSWORD_HASH_MAX];

/* Reads the secret once per process. Returns 0, or -1 (logged) when
 * jwt_secret_file is unset, unreadable or shorter than JWT_SECRET_MIN. */
static int secret_load(struct worker *w)
{
	ssize_t n;
	int fd;

	if (w->jwt_secret_len > 0)
		return 0;
	if (w->cfg->jwt_secret_file == NULL)
		return -1;
	fd = open(w->cfg->jwt_secret_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_msg(LOG_LEVEL_ERROR, "jwt_secret_file %s: %s", w->cfg->jwt_secret_file,
		    strerror(errno));
		return -1;
	}
	n = read(fd, w->jwt_secret, sizeof(w->jwt_secret));
	close(fd);
	while (n > 0 && (w->jwt_secret[n - 1] == '\n' || w->jwt_secret[n - 1] == '\r'))
		n--;
	if (n < JWT_SECRET_MIN) {
		log_msg(LOG_LEVEL_ERROR, "jwt_secret_file %s: needs at least %d bytes",
		    w->cfg->jwt_secret_file, JWT_SECRET_MIN);
		return -1;
	}
	w->jwt_secret_len = (size_t)n;
	return 0;
}

/* Writes the memcached key of session sid into out (96 bytes). */
static void session_key(const char *sid, char *out)
{
	snprintf(out, 96, "dgm:sess:%s", sid);
}

/* Makes a new refresh token and its SHA-256 (hex). Returns 0 or -1. */
static int refresh_new(char token[REFRESH_TOKEN_LEN + 1], char hash[APIKEY_HASH_HEX_LEN + 1])
{
	unsigned char raw[24];

	if (random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	memcpy(token, "dgr_", 4);
	hex_encode(raw, sizeof(raw), token + 4);
	apikey_hash_hex(token, REFRESH_TOKEN_LEN, hash);
	return 0;
}

/* Fills out's access token for user_id in session sid. Returns 0 or -1. */
static int access_new(struct worker *w, const char *user_id, const char *sid,
    struct session_tokens *out)
{
	struct jwt_claims c;

	memset(&c, 0, sizeof(c));
	snprintf(c.sub, sizeof(c.sub), "%s", user_id);
	snprintf(c.sid, sizeof(c.sid), "%s", sid);
	c.iat = (long long)time(NULL);
	c.exp = c.iat + w->cfg->access_token_ttl;
	out->expires_in = w->cfg->access_token_ttl;
	return jwt_sign(&c, w->cfg->jwt_issuer, w->cfg->jwt_audience, w->jwt_secret,
	           w->jwt_secret_len, out->access, sizeof(out->access)) > 0
	    ? 0
	    : -1;
}

/* The brute-force counters of an account (by its email's hash) and of a
 * client address. */
static void failure_keys(const char *email, const char *addr, char *kacct, char *kaddr)
{
	char lower[256], hash[APIKEY_HASH_HEX_LEN + 1];
	size_t n = 0;

	for (; n < sizeof(lower) - 1 && email[n] != '\0'; n++)
		lower[n] = (char)(email[n] >= 'A' && email[n] <= 'Z' ? email[n] + 32 : email[n]);
	lower[n] = '\0';
	apikey_hash_hex(lower, n, hash);
	snprintf(kacct, 96, "dgm:login:a:%s", hash);
	snprintf(kaddr, 96, "dgm:login:ip:%.60s", addr);
}

/* Gives back the counts an attempt took: the account's (when a >= 0) and
 * the address's (when b >= 0). */
static void attempt_uncount(struct worker *w, const char *kacct, const char *kaddr, long a, long b)
{
	if (a >= 0)
		(void)cache_decr(w->cache, kacct);
	if (b >= 0)
		(void)cache_decr(w->cache, kaddr);
}

/* Counts an attempt against the account and the address before it is
 * tried: memcached's incr is atomic, so each of many concurrent attempts
 * decides on a count of its own. Returns PROBLEM_RATE_LIMITED when either
 * count is over its limit, PROBLEM_UNAVAILABLE when memcached could not
 * make both counts (the attempt is not tried uncounted: that would let
 * guesses through whenever memcached restarts or is slow), in both cases
 * with the counts given back; else PROBLEM_NONE with the counts kept in
 * *a and *b. */
static enum problem attempt_refused(struct worker *w, const char *kacct, const char *kaddr, long *a,
    long *b)
{
	*a = cache_incr(w->cache, kacct, w->cfg->login_window_s);
	*b = cache_incr(w->cache, kaddr, w->cfg->login_window_s);
	if (*a < 0 || *b < 0) {
		attempt_uncount(w, kacct, kaddr, *a, *b);
		return PROBLEM_UNAVAILABLE;
	}
	if (*a > w->cfg->login_max_failures || *b > w->cfg->login_max_failures_per_address) {
		attempt_uncount(w, kacct, kaddr, *a, *b);
		return PROBLEM_RATE_LIMITED;
	}
	return PROBLEM_NONE;
}

/* Creates a session for user_id with out's tokens. Returns PROBLEM_NONE
 * or PROBLEM_UNAVAILABLE. */
static enum problem session_start(struct worker *w, const char *user_id, struct session_tokens *out)
{
	char hash[APIKEY_HASH_HEX_LEN + 1], ttl[24], sid[UUID_STR_LEN + 1];
	const char *params[] = { user_id, ttl, hash };
	PGresult *res;
	int ok;

	if (refresh_new(out->refresh, hash) < 0)
		return PROBLEM_UNAVAILABLE;
	snprintf(ttl, sizeof(ttl), "%ld", w->cfg->refresh_token_ttl);
	res = db_exec(w->db, STMT_SESSION_CREATE, params);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (ok)
		snprintf(sid, sizeof(sid), "%s", PQgetvalue(res, 0, 0));
	else if (res != NULL)
		log_msg(LOG_LEVEL_ERROR, "session create: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok && access_new(w, user_id, sid, out) == 0 ? PROBLEM_NONE : PROBLEM_UNAVAILABLE;
}

enum problem session_login(struct worker *w, const char *email, const char *password,
    const char *addr, struct session_tokens *out, int *retry_after, char *detail, size_t dsz)
{
	const char *params[] = { email };
	char kacct[96], kaddr[96], user_id[UUID_STR_LEN + 1] = "";
	PGresult *res;
	int match = 0;
	long a, b;

	if (secret_load(w) < 0) {
		snprintf(detail, dsz, "sign-in is not configured on this server");
		return PROBLEM_UNAVAILABLE;
	}
	failure_keys(email, addr, kacct, kaddr);
	switch (attempt_refused(w, kacct, kaddr, &a, &b)) {
	case PROBLEM_NONE:
		break;
	case PROBLEM_RATE_LIMITED:
		*retry_after = (int)w->cfg->login_window_s;
		snprintf(detail, dsz, "too many failed sign-ins; try again later");
		return PROBLEM_RATE_LIMITED;
	default:
		*retry_after = 1;
		snprintf(detail, dsz,
		    "sign-in is paused: failed sign-ins cannot be counted right now");
		return PROBLEM_UNAVAILABLE;
	}
	res = db_exec(w->db, STMT_USER_LOGIN, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		attempt_uncount(w, kacct, kaddr, a, b); /* not tried */
		snprintf(detail, dsz, "sign-in is not possible right now");
		return PROBLEM_UNAVAILABLE;
	}
	if (PQntuples(res) == 1) {
		snprintf(user_id, sizeof(user_id), "%s", PQgetvalue(res, 0, 0));
		match = password_verify(password, PQgetvalue(res, 0, 1)) == 1;
	} else {
		if (dummy_hash[0] == '\0' &&
		    password_hash("not a password", (int)w->cfg->password_log2n, dummy_hash,
		        sizeof(dummy_hash)) < 0)
			dummy_hash[0] = '\0';
		(void)password_verify(password, dummy_hash);
	}
	PQclear(res);
	if (!match) {
		/* the failure keeps the counts it took */
		snprintf(detail, dsz, "the email or the password is wrong");
		return PROBLEM_UNAUTHORIZED;
	}
	/* a success clears the account's failures and is none of the address's */
	(void)cache_delete(w->cache, kacct);
	attempt_uncount(w, kacct, kaddr, -1, b);
	return session_start(w, user_id, out);
}

enum problem session_refresh(struct worker *w, const char *refresh, struct session_tokens *out,
    char *detail, size_t dsz)
{
	char old_hash[APIKEY_HASH_HEX_LEN + 1], new_hash[APIKEY_HASH_HEX_LEN + 1];
	char sid[UUID_STR_LEN + 1], uid[UUID_STR_LEN + 1];
	const char *rotate[] = { old_hash, new_hash }, *reuse[] = { old_hash };
	PGresult *res;
	int rows;

	if (secret_load(w) < 0) {
		snprintf(detail, dsz, "sign-in is not configured on this server");
		return PROBLEM_UNAVAILABLE;
	}
	snprintf(detail, dsz, "the refresh token is unknown, expired or revoked");
	if (strlen(refresh) != REFRESH_TOKEN_LEN || strncmp(refresh, "dgr_", 4) != 0 ||
	    !hex_is_lower(refresh + 4, REFRESH_TOKEN_LEN - 4))
		return PROBLEM_UNAUTHORIZED;
	apikey_hash_hex(refresh, REFRESH_TOKEN_LEN, old_hash);
	if (refresh_new(out->refresh, new_hash) < 0)
		return PROBLEM_UNAVAILABLE;
	res = db_exec(w->db, STMT_REFRESH_ROTATE, rotate);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return PROBLEM_UNAVAILABLE;
	}
	rows = PQntuples(res);
	if (rows == 1) {
		snprintf(sid, sizeof(sid), "%s", PQgetvalue(res, 0, 0));
		snprintf(uid, sizeof(uid), "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	if (rows == 1)
		return access_new(w, uid, sid, out) == 0 ? PROBLEM_NONE : PROBLEM_UNAVAILABLE;
	/* used before: someone holds a copy; end the whole session */
	res = db_exec(w->db, STMT_REFRESH_REUSED, reuse);
	if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		char ckey[96];
		session_key(PQgetvalue(res, 0, 0), ckey);
		(void)cache_set(w->cache, ckey, "revoked", 7, w->cfg->access_token_ttl + 60);
		log_msg(LOG_LEVEL_WARN, "session %s revoked: a refresh token was used twice",
		    PQgetvalue(res, 0, 0));
		snprintf(detail, dsz, "the refresh token was used before; its session is revoked");
	}
	PQclear(res);
	return PROBLEM_UNAUTHORIZED;
}

/* Maps a user's role in their workspace to the roles routes name. */
static enum key_role user_role(const char *role)
{
	return strcmp(role, "owner") == 0 ? ROLE_OWNER
	    : strcmp(role, "admin") == 0  ? ROLE_ADMIN
	                                  : ROLE_MEMBER;
}

/* Fills id from the SESSION_FIELDS strings f (as STMT_SESSION_LOOKUP
 * returns them). Returns 1 live, 0 revoked or expired, -1 unusable. */
static int session_fill(struct identity *id, char *const *f)
{
	if (strlen(f[0]) != UUID_STR_LEN || strlen(f[6]) > 3 ||
	    scope_list_parse(f[9], &id->scopes) < 0)
		return -1;
	memcpy(id->workspace_id, f[0], UUID_STR_LEN + 1);
	id->role = user_role(f[1]);
	id->platform = strcmp(f[2], "1") == 0;
	for (int i = 0; i < RATE_WINDOW__MAX; i++)
		id->rate_limit[i] = atol(f[3 + i]);
	snprintf(id->pref_target, sizeof(id->pref_target), "%s", f[6]);
	id->translation_off = strcmp(f[7], "1") != 0;
	return strcmp(f[8], "1") == 0;
}

/* Looks session sid of user uid up: memcached, else PostgreSQL (then
 * cached). Returns 1 live (id filled), 0 not, -1 unavailable. */
static int session_find(struct worker *w, const char *sid, const char *uid, struct identity *id)
{
	char ckey[96], val[512], *f[SESSION_FIELDS];
	const char *params[] = { sid, uid };
	size_t len = 0;
	PGresult *res;
	int live = 0, n;

	session_key(sid, ckey);
	if (cache_get(w->cache, ckey, val, sizeof(val), &len) == 1) {
		if (strcmp(val, "revoked") == 0)
			return 0;
		n = 0;
		for (char *p = val, *t; n < SESSION_FIELDS && p != NULL; n++, p = t) {
			t = strchr(p, '\t');
			if (t != NULL)
				*t++ = '\0';
			f[n] = p;
		}
		if (n == SESSION_FIELDS && (live = session_fill(id, f)) >= 0)
			return live;
	}
	res = db_exec(w->db, STMT_SESSION_LOOKUP, params);
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 1) {
		for (int i = 0; i < SESSION_FIELDS; i++)
			f[i] = PQgetvalue(res, 0, i);
		live = session_fill(id, f);
		n = snprintf(val, sizeof(val), "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", f[0], f[1],
		    f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
		/* add, never set: a logout's "revoked" written meanwhile stays */
		if (live == 1 && n > 0 && (size_t)n < sizeof(val))
			(void)cache_add(w->cache, ckey, val, SESSION_CACHE_TTL);
	}
	PQclear(res);
	return live == 1 ? 1 : 0;
}

enum problem session_authenticate(struct worker *w, const char *token, struct identity *id,
    char *detail, size_t dsz)
{
	struct jwt_claims c;
	const char *why = NULL;
	int live;

	memset(id, 0, sizeof(*id));
	if (secret_load(w) < 0) {
		snprintf(detail, dsz, "access tokens are not accepted on this server");
		return PROBLEM_UNAUTHORIZED;
	}
	if (jwt_verify(token, strlen(token), w->cfg->jwt_issuer, w->cfg->jwt_audience,
	        w->jwt_secret, w->jwt_secret_len, (long long)time(NULL), &c, &why) < 0) {
		snprintf(detail, dsz, "%s", why);
		return PROBLEM_UNAUTHORIZED;
	}
	live = session_find(w, c.sid, c.sub, id);
	if (live < 0) {
		memset(id, 0, sizeof(*id));
		snprintf(detail, dsz, "credentials cannot be checked right now");
		return PROBLEM_UNAVAILABLE;
	}
	if (live == 0) {
		memset(id, 0, sizeof(*id));
		snprintf(detail, dsz, "the session has ended; sign in again");
		return PROBLEM_UNAUTHORIZED;
	}
	memcpy(id->user_id, c.sub, sizeof(c.sub));
	memcpy(id->session_id, c.sid, sizeof(c.sid));
	id->authenticated = 1;
	return PROBLEM_NONE;
}

int session_revoke(struct worker *w, const char *session_id, const char *why)
{
	const char *params[] = { session_id, why };
	PGresult *res = db_exec(w->db, STMT_SESSION_REVOKE, params);
	int ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
	char ckey[96];

	PQclear(res);
	session_key(session_id, ckey);
	/* outlives every access token of the session and every cached record */
	if (cache_set(w->cache, ckey, "revoked", 7, w->cfg->access_token_ttl + SESSION_CACHE_TTL) <
	    0)
		log_msg(LOG_LEVEL_WARN,
		    "session %s revoked; memcached not reached, so workers see "
		    "it within %ds",
		    session_id, SESSION_CACHE_TTL);
	return ok ? 0 : -1;
}

void session_forget_user(struct worker *w, const char *user_id)
{
	const char *params[] = { user_id };
	PGresult *res = db_exec(w->db, STMT_USER_SESSIONS, params);
	char ckey[96];

	for (int i = 0; res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res);
	     i++) {
		session_key(PQgetvalue(res, i, 0), ckey);
		(void)cache_delete(w->cache, ckey);
	}
	PQclear(res);
}
