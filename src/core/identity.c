#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/identity.h"

static const char *const role_names[ROLE__MAX] = { "member", "admin", "owner", "platform" };

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

static const char *const scope_names[SCOPE__MAX] = { "", "translate", "billing:read",
	"billing:write", "reports" };

const char *scope_name(enum key_scope scope)
{
	return (int)scope > 0 && scope < SCOPE__MAX ? scope_names[scope] : "";
}

enum key_scope scope_parse(const char *s, size_t len)
{
	for (int i = 1; i < SCOPE__MAX; i++)
		if (strlen(scope_names[i]) == len && strncmp(s, scope_names[i], len) == 0)
			return (enum key_scope)i;
	return SCOPE__MAX;
}

int scope_list_parse(const char *s, unsigned *mask)
{
	*mask = 0;
	if (strcmp(s, "*") == 0) {
		*mask = SCOPES_ALL;
		return 0;
	}
	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		enum key_scope sc = scope_parse(s, len);
		if (sc == SCOPE__MAX)
			return -1;
		*mask |= 1u << sc;
		s += len;
		if (*s == ',')
			s++;
	}
	return *mask != 0 ? 0 : -1;
}

void scope_list_format(unsigned mask, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	if (mask == SCOPES_ALL) {
		snprintf(out, outsz, "*");
		return;
	}
	for (int i = 1; i < SCOPE__MAX && n < outsz; i++)
		if (mask & (1u << i))
			n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? "," : "",
			    scope_names[i]);
}
