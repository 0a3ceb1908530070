#include "autoconfig.h"

#include <string.h>

#include "identity.h"

static const char *const role_names[ROLE__MAX] = { "member", "admin", "platform" };

const char *role_name(enum key_role r)
{
	return (int)r >= 0 && r < ROLE__MAX ? role_names[r] : "";
}

enum key_role role_parse(const char *s)
{
	for (int r = 0; s != NULL && r < ROLE__MAX; r++)
		if (strcmp(s, role_names[r]) == 0)
			return (enum key_role)r;
	return ROLE__MAX;
}
