#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/pricing.h"
#include "translate/langcode.h"
#include "translate/provider.h"

static const struct provider *const all[] = {
	&provider_apertium,
	&provider_libretranslate,
	&provider_deepl,
	&provider_google,
	&provider_openai,
};
#define NALL (sizeof(all) / sizeof(all[0]))

struct json_object *provider_pair_find(struct json_object *pairs, const char *source,
    const char *target)
{
	struct json_object *targets, *v;

	if (pairs == NULL || source == NULL || target == NULL ||
	    !json_object_object_get_ex(pairs, source, &targets) ||
	    !json_object_object_get_ex(targets, target, &v))
		return NULL;
	return v;
}

struct json_object *provider_pair_add(struct json_object *pairs, const char *source,
    const char *target)
{
	struct json_object *targets, *v = provider_pair_find(pairs, source, target);

	if (v != NULL)
		return v;
	if (!json_object_object_get_ex(pairs, source, &targets)) {
		targets = json_object_new_object();
		json_object_object_add(pairs, source, targets);
	}
	v = json_object_new_array();
	json_object_object_add(targets, target, v);
	return v;
}

const char *provider_model(const struct provider *pr, const struct config *cfg, const char *source,
    const char *target, char *buf, size_t bufsz)
{
	const char *s3 = langcode_to_iso3(source), *t3 = langcode_to_iso3(target), *v;

	switch (pr->model_form) {
	case MODEL_CONFIG_KEY:
		v = config_string(cfg, pr->model);
		snprintf(buf, bufsz, "%s", v != NULL ? v : "");
		break;
	case MODEL_PER_PAIR:
		snprintf(buf, bufsz, "%s-%s-%s", pr->model, s3 ? s3 : source, t3 ? t3 : target);
		break;
	default:
		snprintf(buf, bufsz, "%s", pr->model);
	}
	return buf;
}

const struct provider *provider_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < NALL; i++)
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

int provider_config_check(const struct config *cfg, const char *name, char *err, size_t errsz)
{
	char list[256], known[256] = "";
	char *save = NULL;

	for (size_t i = 0; i < NALL; i++)
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
		    i ? ", " : "", all[i]->name);
	snprintf(list, sizeof(list), "%s", cfg->providers);
	for (char *p = strtok_r(list, ", ", &save); p != NULL; p = strtok_r(NULL, ", ", &save)) {
		const struct provider *pr = provider_find(p);
		if (pr == NULL) {
			snprintf(err, errsz, "%s: providers: unknown provider '%s' (known: %s)",
			    name, p, known);
			return -1;
		}
		if (config_string(cfg, pr->required_key) == NULL) {
			snprintf(err, errsz, "%s: providers lists %s but %s is not set", name,
			    pr->name, pr->required_key);
			return -1;
		}
	}
	return 0;
}

int provider_listed(const char *list, const char *name)
{
	const struct provider *order[PROVIDERS_MAX];
	size_t np = provider_order(list, order);

	for (size_t k = 0; k < np; k++)
		if (strcmp(order[k]->name, name) == 0)
			return 1;
	return 0;
}

int provider_list_from_names(const char *configured, const char *const *names, size_t n, char *out,
    size_t outsz, char *detail, size_t dsz)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!provider_listed(configured, names[i])) {
			snprintf(detail, dsz, "provider '%.32s' is not configured here", names[i]);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(names[j], names[i]) == 0) {
				snprintf(detail, dsz, "provider '%.32s' is listed twice", names[i]);
				return -1;
			}
		len += (size_t)snprintf(out + len, len < outsz ? outsz - len : 0, "%s%s",
		    i ? "," : "", names[i]);
	}
	return len < outsz ? 0 : -1;
}

/* Checks that every provider of cfg's order has a characters price.
 * Returns 0, or -1 with a message (prefixed with name) in err. */
static int prices_check(const struct config *cfg, const char *name, char *err, size_t errsz)
{
	const struct provider *order[PROVIDERS_MAX];
	size_t np = provider_order(cfg->providers, order);

	for (size_t k = 0; k < np; k++)
		if (pricing_find(cfg->pricing, order[k]->name, "characters") < 0) {
			snprintf(err, errsz, "%s: prices has no %s:characters entry", name,
			    order[k]->name);
			return -1;
		}
	return 0;
}

/* json_object_array_sort() comparator of strings. */
static int compare_codes(const void *a, const void *b)
{
	return strcmp(json_object_get_string(*(struct json_object *const *)a),
	    json_object_get_string(*(struct json_object *const *)b));
}

struct json_object *provider_pair_codes(struct json_object *pairs, const char *source, int targets)
{
	struct json_object *seen = json_object_new_object(), *list = json_object_new_array();

	json_object_object_foreach(pairs, s, ts)
	{
		if (source != NULL && strcmp(s, source) != 0)
			continue;
		if (!targets)
			json_object_object_add(seen, s, NULL);
		json_object_object_foreach(ts, code, unused)
		{
			(void)unused;
			if (targets)
				json_object_object_add(seen, code, NULL);
		}
	}
	json_object_object_foreach(seen, code, unused)
	{
		(void)unused;
		json_object_array_add(list, json_object_new_string(code));
	}
	json_object_put(seen);
	json_object_array_sort(list, compare_codes);
	return list;
}

/* Checks cfg, named name, for the providers. Frees it and returns NULL
 * (err set) when a check fails, else returns it. */
static struct config *checked(struct config *cfg, const char *name, char *err, size_t errsz)
{
	if (cfg != NULL &&
	    (provider_config_check(cfg, name, err, errsz) < 0 ||
	        prices_check(cfg, name, err, errsz) < 0)) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

struct config *provider_config_load(const char *path, char *err, size_t errsz)
{
	return checked(config_load(path, err, errsz), path != NULL ? path : "configuration", err,
	    errsz);
}

struct config *provider_config_parse(const char *text, const char *name, char *err, size_t errsz)
{
	return checked(config_parse(text, name, err, errsz), name, err, errsz);
}
