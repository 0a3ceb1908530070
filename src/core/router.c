#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "core/router.h"

/* Matches path against pattern, capturing "{...}" segments into r.
 * Returns 1 on a match, else 0 (r->ncaptures is then meaningless). */
static int pattern_match(const char *pattern, const char *path, struct request *r)
{
	const char *p = pattern, *s = path;

	r->ncaptures = 0;
	while (*p != '\0' && *s != '\0') {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			size_t n = strcspn(s, "/");
			if (pe == NULL || n == 0 || n >= ROUTE_CAPTURE_LEN ||
			    r->ncaptures >= ROUTE_CAPTURES_MAX)
				return 0;
			memcpy(r->captures[r->ncaptures], s, n);
			r->captures[r->ncaptures++][n] = '\0';
			p = pe + 1;
			s += n;
		} else if (*p++ != *s++)
			return 0;
	}
	return *p == '\0' && *s == '\0';
}

enum route_result router_match(const struct route *const *tables, enum http_method method,
    const char *path, struct request *r, const struct route **found, unsigned *allow)
{
	*allow = 0;
	*found = NULL;
	for (; *tables != NULL; tables++) {
		for (const struct route *rt = *tables; rt->pattern != NULL; rt++) {
			if (!pattern_match(rt->pattern, path, r))
				continue;
			*allow |= 1u << rt->method;
			if (rt->method == HTTP_GET)
				*allow |= 1u << HTTP_HEAD;
			if (rt->method == method ||
			    (method == HTTP_HEAD && rt->method == HTTP_GET)) {
				*found = rt;
				return ROUTE_FOUND;
			}
		}
	}
	if (*allow == 0)
		return ROUTE_NOT_FOUND;
	*allow |= 1u << HTTP_OPTIONS;
	return ROUTE_WRONG_METHOD;
}

void router_allow_string(unsigned mask, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
	for (int m = 0; m < HTTP__MAX; m++) {
		if (!(mask & (1u << m)))
			continue;
		int w = snprintf(out + n, outsz - n, "%s%s", n > 0 ? ", " : "",
		    http_method_name((enum http_method)m));
		if (w < 0 || (size_t)w >= outsz - n)
			return;
		n += (size_t)w;
	}
}

int router_check(const struct route *const *tables, char *err, size_t errsz)
{
	for (; tables != NULL && *tables != NULL; tables++)
		for (const struct route *rt = *tables; rt->pattern != NULL; rt++) {
			const char *why = rt->handler == NULL ? "no handler"
			    : rt->name == NULL                ? "no name"
			    : rt->auth == AUTH__UNSET         ? "no auth (AUTH_NONE for a public "
			                                        "route)"
			    : rt->pattern[0] != '/'           ? "a pattern that is not a path"
			                                      : NULL;
			if (why != NULL) {
				snprintf(err, errsz, "route %s %s: %s",
				    http_method_name(rt->method), rt->pattern, why);
				return -1;
			}
		}
	return 0;
}
