/* The documentation that mirrors a table in the code, checked against
 * that table so the two cannot drift:
 * - docs/api.md: one row "| `METHOD /pattern` | auth | scope | ... |" per
 *   route of handler_routes and none for a route that does not exist; the
 *   auth and scope cells agree with the route; one row
 *   "| `slug` | status | ... |" per problem type of src/problem.c;
 * - dragoman.conf(5), generated into the build tree from the config key
 *   table: one ".TP" / ".B key" entry per key and none for another name. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/identity.h"
#include "core/problem.h"
#include "core/router.h"
#include "cu_run.h"
#include "handlers/routes.h"

#define TYPE_PREFIX "urn:dragoman:problem:"
#define CELL_MAX 512

/* Returns the contents of path as a new NUL-terminated string (caller
 * frees), or NULL when it cannot be read. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)n + 1)) != NULL) {
		if (fread(text, 1, (size_t)n, f) != (size_t)n) {
			free(text);
			text = NULL;
		} else {
			text[n] = '\0';
		}
	}
	fclose(f);
	return text;
}

/* Returns docs/api.md from $srcdir as a new string (caller frees), or
 * NULL with the failure reported. */
static char *api_md(void)
{
	const char *srcdir = getenv("srcdir");
	char path[1024];
	char *text;

	snprintf(path, sizeof(path), "%s/docs/api.md", srcdir != NULL ? srcdir : ".");
	text = slurp(path);
	if (text == NULL)
		fprintf(stderr, "cannot read %s\n", path);
	CU_ASSERT_PTR_NOT_NULL(text);
	return text;
}

/* Returns how many lines of text start with prefix; *line is set to the
 * first such line (borrowed from text), or NULL. */
static int lines_starting(const char *text, const char *prefix, const char **line)
{
	size_t n = strlen(prefix);
	int count = 0;

	*line = NULL;
	for (const char *p = text; p != NULL && *p != '\0';) {
		if (strncmp(p, prefix, n) == 0 && count++ == 0)
			*line = p;
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	return count;
}

/* Copies the index-th cell (0: the first) of the table row line into out
 * (outsz bytes), without its surrounding spaces. Returns 0, or -1 when the
 * row has fewer cells. */
static int row_cell(const char *line, int index, char *out, size_t outsz)
{
	const char *p = line, *end;
	size_t len;

	for (int i = 0; i <= index; i++) {
		p = strchr(p, '|');
		if (p == NULL || p[1] == '\n' || p[1] == '\0')
			return -1;
		p++;
	}
	end = strpbrk(p, "|\n");
	if (end == NULL || *end != '|')
		return -1;
	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	len = (size_t)(end - p) < outsz - 1 ? (size_t)(end - p) : outsz - 1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

/* Returns the route of handler_routes with method and pattern, or NULL. */
static const struct route *route_find(enum http_method method, const char *pattern)
{
	for (const struct route *const *t = handler_routes; *t != NULL; t++)
		for (const struct route *rt = *t; rt->pattern != NULL; rt++)
			if (rt->method == method && strcmp(rt->pattern, pattern) == 0)
				return rt;
	return NULL;
}

/* Every route has exactly one row in docs/api.md's route tables. */
static void test_every_route_documented(void)
{
	char *md = api_md();
	char prefix[300];
	const char *line;

	if (md == NULL)
		return;
	for (const struct route *const *t = handler_routes; *t != NULL; t++)
		for (const struct route *rt = *t; rt->pattern != NULL; rt++) {
			snprintf(prefix, sizeof(prefix), "| `%s %s` |",
			    http_method_name(rt->method), rt->pattern);
			int n = lines_starting(md, prefix, &line);
			if (n != 1)
				fprintf(stderr, "docs/api.md: %d rows for %s\n", n, prefix);
			CU_ASSERT_EQUAL(n, 1);
		}
	free(md);
}

/* Every row of docs/api.md that names a route ("| `METHOD /...` |") names
 * one of handler_routes. */
static void test_every_documented_route_exists(void)
{
	char *md = api_md();
	char cell[CELL_MAX], method[16];
	int rows = 0;

	if (md == NULL)
		return;
	for (const char *p = md; p != NULL && *p != '\0';) {
		const char *sp;
		if (strncmp(p, "| `", 3) == 0 && row_cell(p, 0, cell, sizeof(cell)) == 0 &&
		    (sp = strchr(cell, ' ')) != NULL && sp[1] == '/' && (size_t)(sp - cell) < 16) {
			size_t len = strlen(cell);
			snprintf(method, sizeof(method), "%.*s", (int)(sp - cell - 1), cell + 1);
			enum http_method m = http_method_parse(method);
			if (len > 0 && cell[len - 1] == '`')
				cell[len - 1] = '\0';
			int found = m != HTTP__MAX && route_find(m, sp + 1) != NULL;
			if (!found)
				fprintf(stderr, "docs/api.md: no such route: %s\n", cell + 1);
			CU_ASSERT(found);
			rows++;
		}
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	CU_ASSERT(rows > 0);
	free(md);
}

/* Returns 1 when the auth cell says what rt requires: "none" or a named
 * header or setting ("`...`") for a public route, the compatibility
 * routes' key form, and the role's word ("admin", "platform") for routes
 * above members (and neither word for members' routes). */
static int auth_cell_ok(const struct route *rt, const char *cell)
{
	int admin = strstr(cell, "admin") != NULL, platform = strstr(cell, "platform") != NULL;

	if (rt->auth == AUTH_NONE)
		return strcmp(cell, "none") == 0 || cell[0] == '`';
	if (strcmp(cell, "none") == 0)
		return 0;
	if (rt->auth == AUTH_KEY_DEEPL && strstr(cell, "DeepL-Auth-Key") == NULL)
		return 0;
	if (rt->auth == AUTH_KEY_IN_BODY && strstr(cell, "api_key") == NULL)
		return 0;
	if (rt->min_role == ROLE_PLATFORM)
		return platform;
	if (rt->min_role == ROLE_ADMIN || rt->min_role == ROLE_OWNER)
		return admin && !platform;
	return !admin && !platform;
}

/* Each route's row has the auth its route requires and, in its scope cell,
 * the key scope it needs ("`reports`") or "-" for none. */
static void test_route_rows_auth_and_scope(void)
{
	char *md = api_md();
	char prefix[300], auth[CELL_MAX], scope[CELL_MAX], want[64];
	const char *line;

	if (md == NULL)
		return;
	for (const struct route *const *t = handler_routes; *t != NULL; t++)
		for (const struct route *rt = *t; rt->pattern != NULL; rt++) {
			snprintf(prefix, sizeof(prefix), "| `%s %s` |",
			    http_method_name(rt->method), rt->pattern);
			if (lines_starting(md, prefix, &line) == 0)
				continue; /* reported by test_every_route_documented */
			snprintf(want, sizeof(want), rt->scope == SCOPE_NONE ? "-" : "`%s`",
			    scope_name(rt->scope));
			int ok = row_cell(line, 1, auth, sizeof(auth)) == 0 &&
			    row_cell(line, 2, scope, sizeof(scope)) == 0 &&
			    auth_cell_ok(rt, auth) && strcmp(scope, want) == 0;
			if (!ok)
				fprintf(stderr,
				    "docs/api.md: %s: auth '%s', scope '%s' (want %s)\n", prefix,
				    auth, scope, want);
			CU_ASSERT(ok);
		}
	free(md);
}

/* Every problem type has a row "| `slug` | status |" in docs/api.md, and
 * every such row names a problem type with that status. */
static void test_problem_types_documented(void)
{
	char *md = api_md();
	char prefix[128], cell[CELL_MAX], status[16];
	const char *line;

	if (md == NULL)
		return;
	for (int p = PROBLEM_NONE + 1; p < PROBLEM__MAX; p++) {
		const char *slug = problem_type((enum problem)p) + strlen(TYPE_PREFIX);
		snprintf(prefix, sizeof(prefix), "| `%s` | %d |", slug,
		    problem_status((enum problem)p));
		int n = lines_starting(md, prefix, &line);
		if (n == 0)
			fprintf(stderr, "docs/api.md: no row %s\n", prefix);
		CU_ASSERT(n >= 1);
	}
	for (const char *l = md; l != NULL && *l != '\0';) {
		if (strncmp(l, "| `", 3) == 0 && row_cell(l, 0, cell, sizeof(cell)) == 0 &&
		    strchr(cell, '/') == NULL && strchr(cell, ' ') == NULL &&
		    row_cell(l, 1, status, sizeof(status)) == 0 && strlen(status) == 3 &&
		    strspn(status, "0123456789") == 3) {
			int found = 0;
			for (int p = PROBLEM_NONE + 1; p < PROBLEM__MAX; p++) {
				const char *slug =
				    problem_type((enum problem)p) + strlen(TYPE_PREFIX);
				if (strlen(cell) == strlen(slug) + 2 &&
				    strncmp(cell + 1, slug, strlen(slug)) == 0 &&
				    problem_status((enum problem)p) == atoi(status))
					found = 1;
			}
			if (!found)
				fprintf(stderr, "docs/api.md: no problem type %s with status %s\n",
				    cell, status);
			CU_ASSERT(found);
		}
		l = strchr(l, '\n');
		l = l != NULL ? l + 1 : NULL;
	}
	free(md);
}

/* Returns the generated man page src/dragoman.conf.5 of the build tree
 * (the working directory of make check) as a new string, or NULL with the
 * failure reported. */
static char *conf_man(void)
{
	char *text = slurp("src/dragoman.conf.5");

	if (text == NULL)
		fprintf(stderr, "cannot read src/dragoman.conf.5 (run make first)\n");
	CU_ASSERT_PTR_NOT_NULL(text);
	return text;
}

/* dragoman.conf(5) has one entry (".TP" then ".B key") per configuration
 * key, with its description. */
static void test_man_lists_every_key(void)
{
	char *man = conf_man();
	char entry[256];
	struct config_key_info k;
	size_t i;

	if (man == NULL)
		return;
	for (i = 0; config_key_info(i, &k) == 0; i++) {
		snprintf(entry, sizeof(entry), ".TP\n.B %s\n", k.name);
		char *at = strstr(man, entry);
		if (at == NULL)
			fprintf(stderr, "dragoman.conf.5: no entry for %s\n", k.name);
		CU_ASSERT_PTR_NOT_NULL(at);
		CU_ASSERT(k.doc != NULL && k.doc[0] != '\0');
	}
	CU_ASSERT(i > 40);
	free(man);
}

/* Every entry of dragoman.conf(5) that names a lower-case word (".TP"
 * then ".B word"; its FILES and ENVIRONMENT entries are paths and upper
 * case) names a configuration key. */
static void test_man_lists_only_keys(void)
{
	char *man = conf_man();
	char name[128];
	struct config_key_info k;
	int entries = 0;

	if (man == NULL)
		return;
	for (const char *p = strstr(man, "\n.TP\n.B "); p != NULL;
	     p = strstr(p + 1, "\n.TP\n.B ")) {
		int found = 0;
		if (sscanf(p + 8, "%127[a-z0-9_]", name) != 1)
			continue;
		for (size_t i = 0; config_key_info(i, &k) == 0; i++)
			found |= strcmp(k.name, name) == 0;
		if (!found)
			fprintf(stderr, "dragoman.conf.5: %s is not a configuration key\n", name);
		CU_ASSERT(found);
		entries++;
	}
	CU_ASSERT(entries > 40);
	free(man);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "every route has one row in docs/api.md", test_every_route_documented },
		{ "every route row of docs/api.md exists", test_every_documented_route_exists },
		{ "route rows' auth and scope match the routes", test_route_rows_auth_and_scope },
		{ "every problem type and status is in docs/api.md",
		    test_problem_types_documented },
		{ "dragoman.conf(5) lists every key", test_man_lists_every_key },
		{ "dragoman.conf(5) lists no other key", test_man_lists_only_keys }, { NULL, NULL }
	};

	return cu_run("docs", tests);
}
