#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "accounts/principal.h"

enum problem principal_scopes(const struct param_value *v, unsigned maker, unsigned *mask,
    char *detail, size_t dsz)
{
	const char *names[SCOPE__MAX];
	long n;

	*mask = maker;
	if (!v->present)
		return PROBLEM_NONE;
	*mask = 0;
	n = params_texts(v, names, SCOPE__MAX);
	for (long i = 0; i < n; i++) {
		enum key_scope sc = scope_parse(names[i], strlen(names[i]));
		if (sc == SCOPE__MAX) {
			snprintf(detail, dsz,
			    "scopes: '%.40s' is not a scope "
			    "(translate, billing:read, billing:write, reports)",
			    names[i]);
			return PROBLEM_INVALID_FIELD;
		}
		*mask |= 1u << sc;
	}
	if ((*mask & ~maker) != 0) {
		snprintf(detail, dsz, "scopes: no more than the caller holds");
		return PROBLEM_FORBIDDEN;
	}
	return PROBLEM_NONE;
}

const char *principal_scopes_literal(unsigned mask, char *out, size_t outsz)
{
	char list[80];

	if (mask == SCOPES_ALL)
		return NULL;
	scope_list_format(mask, list, sizeof(list));
	snprintf(out, outsz, "{%s}", list);
	return out;
}

struct json_object *principal_scopes_json(unsigned mask)
{
	struct json_object *a = json_object_new_array();

	for (int i = 1; i < SCOPE__MAX; i++)
		if (mask & (1u << i))
			json_object_array_add(a,
			    json_object_new_string(scope_name((enum key_scope)i)));
	return a;
}
