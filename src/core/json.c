#include "autoconfig.h"

#include "core/json.h"

const char *json_str(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;

	if (o == NULL || !json_object_object_get_ex(o, a, &x))
		return NULL;
	if (b == NULL)
		return json_object_is_type(x, json_type_string) ? json_object_get_string(x) : NULL;
	if (!json_object_object_get_ex(x, b, &y) || !json_object_is_type(y, json_type_string))
		return NULL;
	return json_object_get_string(y);
}
