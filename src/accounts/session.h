/* Signed-in users: password sign-in with brute-force limits shared
 * through memcached, short-lived access tokens (JWT HS256), refresh
 * tokens rotated on every use (reusing an old one revokes its whole
 * session), and logout that stops the session's access tokens at once in
 * every worker. */
#ifndef DRAGOMAN_SESSION_H
#define DRAGOMAN_SESSION_H

#include <stddef.h>

#include "accounts/jwt.h"
#include "core/identity.h"
#include "core/problem.h"

struct worker;

#define REFRESH_TOKEN_LEN 52 /* "dgr_" + 48 hex digits */

/* What a sign-in or a refresh hands out. */
struct session_tokens {
	char access[JWT_MAX_LEN];
	char refresh[REFRESH_TOKEN_LEN + 1];
	long expires_in; /* the access token's seconds */
};

/* Signs email in with password from client address addr. Returns
 * PROBLEM_NONE with out filled; PROBLEM_UNAUTHORIZED (one answer for an
 * unknown email and a wrong password); PROBLEM_RATE_LIMITED with
 * *retry_after set when the account or the address failed too often;
 * PROBLEM_UNAVAILABLE when sign-in is not configured or the database is
 * down. detail is set on failure. */
enum problem session_login(struct worker *w, const char *email, const char *password,
    const char *addr, struct session_tokens *out, int *retry_after, char *detail, size_t dsz);

/* Trades refresh for a new pair. Returns PROBLEM_NONE with out filled, or
 * PROBLEM_UNAUTHORIZED (unknown, expired or revoked; a reused token also
 * revokes its session) or PROBLEM_UNAVAILABLE, with detail set. */
enum problem session_refresh(struct worker *w, const char *refresh, struct session_tokens *out,
    char *detail, size_t dsz);

/* Authenticates the access token: its signature and claims, then its
 * session (memcached, else PostgreSQL; never a per-process memo, so that
 * a logout applies at once). Returns PROBLEM_NONE with id filled,
 * PROBLEM_UNAUTHORIZED, or PROBLEM_UNAVAILABLE, with detail set. */
enum problem session_authenticate(struct worker *w, const char *token, struct identity *id,
    char *detail, size_t dsz);

/* Revokes session_id (why: for the record) in PostgreSQL and marks it
 * revoked in memcached. Returns 0, or -1 when PostgreSQL failed. */
int session_revoke(struct worker *w, const char *session_id, const char *why);

/* Drops the cached records of user_id's live sessions, so that a change
 * to the user (preferences, role) is seen by the next request. */
void session_forget_user(struct worker *w, const char *user_id);

#endif
