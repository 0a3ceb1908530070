/* Who is calling: the result of authentication, carried by a request. */
#ifndef DRAGOMAN_IDENTITY_H
#define DRAGOMAN_IDENTITY_H

#define UUID_STR_LEN 36
#define KEY_PREFIX_MAX 16
#define TIMESTAMP_MAX 40

/* Roles of an API key, weakest first so that a route can name a minimum.
 * ROLE_PLATFORM is an operator's: the /v1/admin routes, on any workspace. */
enum key_role { ROLE_MEMBER, ROLE_ADMIN, ROLE_PLATFORM, ROLE__MAX };

/* The rate-limit windows, and how long each is. */
enum rate_window { RATE_MINUTE, RATE_HOUR, RATE_DAY, RATE_WINDOW__MAX };

/* The key's own fields travel with it (cached together), so that
 * describing the caller needs no database query. last_used_at is exact
 * to a minute and "" when the key was never used before. */
struct identity {
	int authenticated;
	char key_id[UUID_STR_LEN + 1];
	char workspace_id[UUID_STR_LEN + 1];
	enum key_role role;
	char key_prefix[KEY_PREFIX_MAX + 1];
	char key_created_at[TIMESTAMP_MAX + 1];
	char key_last_used_at[TIMESTAMP_MAX + 1];
	long rate_limit[RATE_WINDOW__MAX];  /* requests per window; 0: not limited */
	int rate_exempt;                    /* the key is never limited */
};

/* Returns "member"/"admin" for r, "" when out of range. */
const char *role_name(enum key_role r);

/* Returns the role named s, or ROLE__MAX when s names none. */
enum key_role role_parse(const char *s);

#endif
