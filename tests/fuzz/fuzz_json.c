/* libFuzzer target: the JSON body decoder. The input is a request body,
 * parsed as POST /v1/translate's (strict JSON, UTF-8, depth limit, then
 * the declared fields) and as a form body (the DeepL and LibreTranslate
 * routes' application/x-www-form-urlencoded). */
#include "autoconfig.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/params.h"
#include "core/request.h"

static const struct param_spec fields[] = {
	{ "text", PARAM_TEXT, 0, 1, 1 << 20, 0 },
	{ "texts", PARAM_TEXT_ARRAY, 0, 1, 50, 1 << 20 },
	{ "q", PARAM_TEXTS, 0, 1, 50, 1 << 20 },
	{ "target", PARAM_STRING, 0, 2, 2, 0 },
	{ "limit", PARAM_INT, 0, 0, 1000, 0 },
	{ "enabled", PARAM_BOOL, 0, 0, 1, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct param_value values[PARAMS_MAX];
	struct json_object *form = NULL;
	char detail[512], *copy;
	struct request r;

	memset(&r, 0, sizeof(r));
	r.body = malloc(size + 1);
	if (r.body == NULL)
		return 0;
	memcpy(r.body, data, size);
	r.body[size] = '\0';
	r.body_len = size;
	if (request_parse_json(&r, detail, sizeof(detail)) == PROBLEM_NONE)
		(void)params_from_json(fields, r.json, values, detail, sizeof(detail));
	copy = strdup(r.body);
	if (copy != NULL &&
	    params_form_to_json(fields, copy, &form, detail, sizeof(detail)) == PROBLEM_NONE)
		(void)params_from_json(fields, form, values, detail, sizeof(detail));
	json_object_put(form);
	free(copy);
	request_release(&r);
	return 0;
}
