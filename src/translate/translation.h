/* Translating a request's texts: language detection when no source is
 * given, the translation cache, the providers in order behind their
 * breakers, and degraded answers from other providers' cached work. The
 * native route and the DeepL/LibreTranslate compatibility routes all
 * translate through here. */
#ifndef DRAGOMAN_TRANSLATION_H
#define DRAGOMAN_TRANSLATION_H

#include <stddef.h>

#include <json-c/json.h>

#include "billing/usage.h"
#include "core/problem.h"
#include "core/reply.h"
#include "translate/tcache.h"

struct worker;
struct request;
struct param_value;

/* What to translate. All strings are borrowed. */
struct translation_request {
	const char *const *texts;
	size_t ntexts;
	const char *source; /* ISO 639-1; NULL or "auto": detect each text */
	const char *target; /* ISO 639-1 */
	int html; /* markup kept, only text nodes translated */
	const char *context; /* "" when none */
	const char *provider; /* the only one to use; NULL: the workspace's
	                              * order, else the server's */
	const char *workspace_id; /* the caller's (cache scope when per workspace) */
	const char *request_id;
	const char *owner; /* the attempt's own id: owns its hold */
	const char *idempotency_key; /* the request's claimed key, or NULL */
	const char *key_id; /* the caller's API key ("" for a user) */
	long long char_quota; /* its monthly character quota; 0: none */
};

/* The outcome: entries[i] is the translation of texts[i]; detected[i] its
 * detected source (NULL when a source was given); hits the cached ones. */
struct translation_result {
	struct tcache_entry *entries;
	char (*detected)[8];
	size_t n;
	size_t hits;
};

/* Collects the texts of the validated request field v (one text, or an
 * array of them: PARAM_TEXT, PARAM_TEXT_ARRAY or PARAM_TEXTS) into
 * *texts, a new NULL-terminated array of strings borrowed from the
 * request, which the caller frees on every path. Returns PROBLEM_NONE
 * with *n set (0 when v is absent); PROBLEM_INVALID_FIELD with rp->detail
 * "at most N texts per request" when there are more than
 * translate_max_texts; PROBLEM_INTERNAL when out of memory. Their bytes
 * are checked by translation_check_texts() (translation_serve() does). */
enum problem translation_texts(struct worker *w, const struct param_value *v, const char ***texts,
    size_t *n, struct reply *rp);

/* Checks n texts against translate_max_texts and translate_max_bytes.
 * Returns PROBLEM_NONE, or PROBLEM_INVALID_FIELD / PROBLEM_TOO_LARGE with
 * rp->detail set. */
enum problem translation_check_texts(struct worker *w, const char *const *texts, size_t n,
    struct reply *rp);

/* Checks the request's texts (count, total bytes), codes and provider
 * against the configuration. Returns PROBLEM_NONE, or PROBLEM_INVALID_FIELD
 * / PROBLEM_TOO_LARGE with rp->detail set. */
enum problem translation_check(struct worker *w, const struct translation_request *q,
    struct reply *rp);

/* Translates q (already checked) into res, and fills the usage event u.
 * Providers are tried in the workspace's own order when it has one (those
 * of them the server configures), else in the server's.
 * Returns PROBLEM_NONE, or the problem with rp->detail (and, for 503,
 * rp->retry_after) set; res is to be released with translation_release()
 * in both cases. */
enum problem translation_run(struct worker *w, const struct translation_request *q,
    struct translation_result *res, struct usage *u, struct reply *rp);

/* Serves q for the request r: takes the caller's workspace, the request id
 * and its claimed Idempotency-Key from r, checks and translates q into res
 * (usage into r->usage), and on success sets X-Cache (HIT, MISS or
 * PARTIAL). Returns as translation_check() and translation_run(). */
enum problem translation_serve(struct worker *w, struct request *r, struct translation_request *q,
    struct translation_result *res, struct reply *rp);

/* Frees what res owns and zeroes it. */
void translation_release(struct translation_result *res);

/* Returns the pair set (see provider_pair_add()) of all configured
 * providers, each pair's array naming the providers that offer it in
 * order; the caller owns it. NULL when no provider answered. */
struct json_object *translation_pairs(struct worker *w, const char *request_id);

#endif
