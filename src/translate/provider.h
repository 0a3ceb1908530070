/* The common interface of translation providers (one module each). */
#ifndef DRAGOMAN_PROVIDER_H
#define DRAGOMAN_PROVIDER_H

#include <stddef.h>

#include <json-c/json.h>

#include "core/json.h"

struct worker;
struct config;
struct provider_reply_form;

/* What to translate: texts[0..ntexts) from source to target (ISO 639-1). */
struct translate_job {
	const char *source;
	const char *target;
	int html; /* markup kept, only text nodes translated */
	const char *context; /* "" when none; for providers that use it */
	const char *const *texts;
	size_t ntexts;
	const char *request_id; /* forwarded to the upstream */
	const char *workspace_id; /* whose request it is (NULL: none) */
	const char *api_key; /* the workspace's own key; NULL: the server's */
};

enum provider_status {
	PROVIDER_OK,
	PROVIDER_UNSUPPORTED, /* the pair or a code is not offered */
	PROVIDER_FAILED, /* refused, timed out, 5xx, bad reply */
	PROVIDER_STATUS__MAX
};

/* How a provider's model name is formed from its model field. The name
 * is stored with every translation it made (cache, usage rows): a
 * provider keeps it stable. */
enum provider_model_form {
	MODEL_FIXED, /* model is the name: "deepl" */
	MODEL_CONFIG_KEY, /* model is the configuration key holding the name */
	MODEL_PER_PAIR, /* "<model>-<source>-<target>", codes in ISO 639-3
	                              * when known: "apertium-eng-spa" */
	MODEL_FORM__MAX
};

struct provider {
	const char *name;
	const char *required_key; /* the config key that must be set to use it */
	int takes_own_key; /* a workspace may bring its own key for it */
	/* How its HTTP replies read: which are OK, unsupported or failed, and
	 * where the translations are (translate/provider_reply.h). */
	const struct provider_reply_form *reply;
	/* Translates job; on PROVIDER_OK out[0..ntexts) hold new strings the
	 * caller frees. Otherwise nothing is left allocated and err says why. */
	enum provider_status (*translate)(struct worker *w, const struct translate_job *job,
	    char **out, char *err, size_t errsz);
	const char *model; /* read per model_form (provider_model()) */
	enum provider_model_form model_form;
	/* Sets *pairs to a new pair set (see provider_pair_add()) that the
	 * caller owns. */
	enum provider_status (*list_pairs)(struct worker *w, const char *request_id,
	    struct json_object **pairs, char *err, size_t errsz);
};

extern const struct provider provider_apertium;
extern const struct provider provider_libretranslate;
extern const struct provider provider_deepl;
extern const struct provider provider_google;
extern const struct provider provider_openai;

#define PROVIDERS_MAX 8

/* A set of language pairs is a JSON object mapping each source (ISO
 * 639-1) to an object mapping each of its targets to an array (empty,
 * or the names of the providers that offer the pair). */

/* Returns the array of the pair source->target in pairs, or NULL.
 * Borrowed from pairs. */
struct json_object *provider_pair_find(struct json_object *pairs, const char *source,
    const char *target);

/* Adds source->target to pairs unless it is there; returns its array
 * (borrowed from pairs). */
struct json_object *provider_pair_add(struct json_object *pairs, const char *source,
    const char *target);

/* Returns a new sorted JSON array (caller owns) of the codes in pairs:
 * the sources, or (targets) the targets, of every pair, or of those from
 * source when it is not NULL. */
struct json_object *provider_pair_codes(struct json_object *pairs, const char *source, int targets);

/* Writes the name of the model of pr that translates source->target (ISO
 * 639-1) under cfg into buf, and returns buf. */
const char *provider_model(const struct provider *pr, const struct config *cfg, const char *source,
    const char *target, char *buf, size_t bufsz);

/* Returns the provider named name, or NULL. */
const struct provider *provider_find(const char *name);

/* Fills order[] (room for PROVIDERS_MAX) with the providers of the
 * comma-separated list, in order, skipping unknown names. Returns how many. */
size_t provider_order(const char *list, const struct provider **order);

/* Checks that every provider named in cfg->providers exists and has its
 * required_key set. Returns 0, or -1 with a message (prefixed with name) in
 * err. */
int provider_config_check(const struct config *cfg, const char *name, char *err, size_t errsz);

/* config_load() and config_parse() with the providers' own checks: every
 * provider named exists, has its required setting and a characters price.
 * Same results and ownership. */
struct config *provider_config_load(const char *path, char *err, size_t errsz);
struct config *provider_config_parse(const char *text, const char *name, char *err, size_t errsz);

/* Returns 1 when the comma-separated list names the known provider name. */
int provider_listed(const char *list, const char *name);

/* Writes names[0..n) as a comma-separated provider order into out after
 * checking that each is among the configured ones (a comma-separated
 * list) and none repeats. Returns 0, or -1 with detail set. */
int provider_list_from_names(const char *configured, const char *const *names, size_t n, char *out,
    size_t outsz, char *detail, size_t dsz);

#endif
