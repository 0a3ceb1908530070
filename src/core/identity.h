/* Who is calling: the result of authentication, carried by a request. */
#ifndef DRAGOMAN_IDENTITY_H
#define DRAGOMAN_IDENTITY_H

#include <stddef.h>

#define UUID_STR_LEN 36
#define KEY_PREFIX_MAX 16
#define TIMESTAMP_MAX 40

/* Roles of an API key or a user, weakest first so that a route can name a
 * minimum. Keys are member, admin or platform; users member, admin or
 * owner (the workspace's own). ROLE_PLATFORM is an operator's: the
 * /v1/admin routes, on any workspace. A user who is a platform admin
 * holds it on those routes only, and their workspace role elsewhere. */
enum key_role {
	ROLE_MEMBER,
	ROLE_ADMIN,
	ROLE_OWNER,
	ROLE_PLATFORM,
	ROLE__MAX
};

/* What a key may be limited to. A route names the scope it needs
 * (SCOPE_NONE: any key of the route's role); a key holds a set of them,
 * every scope unless it was made with a list. */
enum key_scope {
	SCOPE_NONE,
	SCOPE_TRANSLATE,
	SCOPE_BILLING_READ,
	SCOPE_BILLING_WRITE,
	SCOPE_REPORTS,
	SCOPE__MAX
};
#define SCOPES_ALL (((1u << SCOPE__MAX) - 1) & ~1u)

/* The rate-limit windows. */
enum rate_window {
	RATE_MINUTE,
	RATE_HOUR,
	RATE_DAY,
	RATE_WINDOW__MAX
};

/* The key's own fields travel with it (cached together), so that
 * describing the caller needs no database query. last_used_at is exact
 * to a minute and "" when the key was never used before. */
struct identity {
	int authenticated;
	char user_id[UUID_STR_LEN + 1]; /* signed in with a token; "" for a key */
	char session_id[UUID_STR_LEN + 1]; /* that token's session */
	char pref_target[4]; /* the user's default target; "" none */
	int translation_off; /* the user turned translation off */
	char key_id[UUID_STR_LEN + 1];
	char workspace_id[UUID_STR_LEN + 1];
	enum key_role role;
	int platform; /* a platform admin user (see key_role) */
	char key_prefix[KEY_PREFIX_MAX + 1];
	char key_created_at[TIMESTAMP_MAX + 1];
	char key_last_used_at[TIMESTAMP_MAX + 1];
	long rate_limit[RATE_WINDOW__MAX]; /* requests per window; 0: not limited */
	int rate_exempt; /* the key is never limited */
	unsigned scopes; /* bit (1 << scope) per key_scope held */
	long long char_quota; /* characters a month; 0: no quota */
};

/* Returns "member"/"admin" for r, "" when out of range. */
const char *role_name(enum key_role r);

/* Returns the role named s, or ROLE__MAX when s names none. */
enum key_role role_parse(const char *s);

/* Returns the name of scope ("translate", "billing:read", "billing:write",
 * "reports"), "" for SCOPE_NONE or out of range. */
const char *scope_name(enum key_scope scope);

/* Returns the scope named s (len bytes), or SCOPE__MAX. */
enum key_scope scope_parse(const char *s, size_t len);

/* Parses "*" (every scope) or a comma-separated list of scope names into
 * *mask. Returns 0, or -1 when a name is unknown or the list is empty. */
int scope_list_parse(const char *s, unsigned *mask);

/* Writes mask as scope_list_parse() reads it ("*" for every scope) into
 * out (outsz >= 64). */
void scope_list_format(unsigned mask, char *out, size_t outsz);

#endif
