#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "provider.h"

static const struct provider *const all[] = { &provider_apertium, &provider_libretranslate };

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
