/* Users of a workspace, apart from their sessions (src/accounts/session.c):
 * adding one (POST /v1/users), their preferences, and what the GDPR
 * routes need: everything kept about a user, and their deletion. */
#ifndef DRAGOMAN_USERS_H
#define DRAGOMAN_USERS_H

#include <stddef.h>

#include "core/identity.h"
#include "core/params.h"
#include "core/problem.h"

struct worker;

/* What the caller asks for, all borrowed. */
struct user_request {
	const char *email, *password;
	const char *role; /* NULL: member */
	const struct param_value *scopes; /* the validated "scopes" field */
};

/* A user as added. */
struct user_created {
	char id[UUID_STR_LEN + 1];
	char created_at[TIMESTAMP_MAX + 1];
	const char *role; /* as asked, "member" by default (borrowed) */
	unsigned scopes; /* bit (1 << scope) per scope held */
};

/* Adds the user req asks for to maker's workspace: a role of member,
 * admin or owner no higher than maker's, scopes no wider (maker's by
 * default), the password hashed. Returns PROBLEM_NONE with out filled;
 * PROBLEM_INVALID_FIELD (a role that is none of those, not an email
 * address), PROBLEM_FORBIDDEN (more than maker holds, or a calling key
 * with a quota or rate limits of its own), PROBLEM_CONFLICT (the email is
 * taken), with detail set; PROBLEM_INTERNAL (logged) or
 * PROBLEM_UNAVAILABLE. */
enum problem users_create(struct worker *w, const struct identity *maker,
    const struct user_request *req, struct user_created *out, char *detail, size_t dsz);

/* A user's preferences. */
struct user_prefs {
	char target_language[4]; /* an ISO 639-1 code; "": none */
	int translation_enabled;
};

/* Sets user_id's default target language (target: NULL kept, "" none,
 * else a validated two-letter code) and whether translation is enabled
 * (enabled: -1 kept, else 0 or 1), and drops the cached records of their
 * sessions so that every worker sees the change on the next request.
 * Returns PROBLEM_NONE with the preferences now in force in out, or
 * PROBLEM_UNAVAILABLE. */
enum problem users_prefs_set(struct worker *w, const char *user_id, const char *target, int enabled,
    struct user_prefs *out);

/* Writes everything kept about user_id (profile, preferences, sessions,
 * usage events) as one JSON document into a new string *json (caller
 * frees). Returns PROBLEM_NONE, PROBLEM_UNAVAILABLE or PROBLEM_INTERNAL
 * (out of memory). */
enum problem users_export(struct worker *w, const char *user_id, char **json);

/* Deletes user_id: their live sessions are revoked first, everywhere,
 * their usage events are kept without them, the ledger is untouched.
 * Returns PROBLEM_NONE, or PROBLEM_UNAVAILABLE (logged when the database
 * refused). */
enum problem users_delete(struct worker *w, const char *user_id);

#endif
