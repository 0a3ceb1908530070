/* libFuzzer target: the request parser. The input is CGI parameters, one
 * "NAME=value" per line (REQUEST_URI, QUERY_STRING, CONTENT_LENGTH,
 * HTTP_*, ...), parsed as the worker parses them: request_init() (method,
 * canonical path, Content-Length, request id, headers), then the query
 * string against a declared parameter table. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/params.h"
#include "core/request.h"

#define MAX_PARAMS 32

static const struct param_spec query_spec[] = {
	{ "limit", PARAM_INT, 0, 1, 200, 0 },
	{ "cursor", PARAM_STRING, 0, 1, 64, 0 },
	{ "from", PARAM_STRING, 0, 1, 40, 0 },
	{ "tags", PARAM_TEXT_ARRAY, 0, 0, 8, 32 },
	{ NULL, 0, 0, 0, 0, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *envp[MAX_PARAMS + 1], detail[512];
	struct param_value values[PARAMS_MAX];
	struct request r;
	int n = 0;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *line = text; line != NULL && *line != '\0' && n < MAX_PARAMS;) {
		char *nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (strchr(line, '=') != NULL)
			envp[n++] = line;
		line = nl;
	}
	envp[n] = NULL;
	if (request_init(&r, envp, detail, sizeof(detail)) == PROBLEM_NONE) {
		char *q = strdup(r.query);
		if (q != NULL)
			(void)params_from_query(query_spec, q, values, detail, sizeof(detail));
		free(q);
	}
	request_release(&r);
	free(text);
	return 0;
}
