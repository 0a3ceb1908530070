#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "provider.h"

static const struct provider *const all[] = { &provider_apertium, &provider_libretranslate };

struct json_object *provider_pair_find(struct json_object *pairs, const char *source,
    const char *target)
{
	for (size_t i = 0; pairs != NULL && i < json_object_array_length(pairs); i++) {
		struct json_object *p = json_object_array_get_idx(pairs, i), *s, *t;
		if (json_object_object_get_ex(p, "source", &s) && json_object_object_get_ex(p, "target", &t) &&
		    strcmp(json_object_get_string(s), source) == 0 &&
		    strcmp(json_object_get_string(t), target) == 0)
			return p;
	}
	return NULL;
}

struct json_object *provider_pair_add(struct json_object *pairs, const char *source,
    const char *target)
{
	struct json_object *o = provider_pair_find(pairs, source, target);

	if (o != NULL)
		return o;
	o = json_object_new_object();
	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "target", json_object_new_string(target));
	json_object_array_add(pairs, o);
	return o;
}

const struct provider *provider_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

size_t provider_order(const char *list, const struct provider **order)
{
	char buf[256], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", list != NULL ? list : "");
	for (char *p = strtok_r(buf, ", ", &save); p != NULL && n < PROVIDERS_MAX;
	    p = strtok_r(NULL, ", ", &save)) {
		const struct provider *pr = provider_find(p);
		if (pr != NULL)
			order[n++] = pr;
	}
	return n;
}
