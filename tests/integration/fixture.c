/* Shared by the integration programs: the admin CLI, the harness, and
 * authenticated requests against the stack named by the environment. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

/* Runs the admin CLI with args; returns its stdout (caller frees) or NULL. */
char *admin(const char *args)
{
	char cmd[1024], *out = calloc(1, 4096);
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "\"%s\" --config \"%s\" %s 2>/dev/null",
	    getenv("DRAGOMAN_ADMIN"), getenv("DRAGOMAN_CONFIG"), args);
	p = popen(cmd, "r");
	if (p == NULL || out == NULL) {
		free(out);
		return NULL;
	}
	n = fread(out, 1, 4095, p);
	out[n] = '\0';
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Copies the value of "name=" from admin output into dst. */
void field(const char *out, const char *name, char *dst, size_t dstsz)
{
	const char *p = out ? strstr(out, name) : NULL;

	dst[0] = '\0';
	if (p != NULL)
		snprintf(dst, dstsz, "%.*s", (int)strcspn(p + strlen(name), "\n"), p + strlen(name));
}

/* Creates a workspace; writes its key and id. Returns 0 or -1. */
int make_workspace(const char *name, char *key, size_t keysz, char *id, size_t idsz)
{
	char args[256];
	snprintf(args, sizeof(args), "workspace create '%s'", name);
	char *out = admin(args);
	field(out, "api_key=", key, keysz);
	field(out, "workspace_id=", id, idsz);
	free(out);
	return key[0] && id[0] ? 0 : -1;
}

/* GET path with the bearer key (NULL: no Authorization). */
long get(const char *path, const char *key, struct http_response *r)
{
	char auth[256];
	const char *h[] = { auth, NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key ? key : "");
	return http_request("GET", path, key ? h : NULL, NULL, 0, r);
}

/* Runs tests/harness/stack VERB on this stack. Returns system()'s status. */
int stack(const char *verb)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "\"%s\" %s \"%s\"", getenv("DRAGOMAN_TEST_STACK"), verb,
	    getenv("DRAGOMAN_STATE"));
	return system(cmd);
}

