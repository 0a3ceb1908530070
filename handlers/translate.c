/* Translation: POST /v1/translate, GET /v1/languages. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reply.h"
#include "core/utf8.h"
#include "handlers.h"
#include "proc/worker.h"
#include "translate/detect.h"
#include "translate/langcode.h"
#include "translate/provider.h"
#include "translate/translation.h"

enum {
	F_TEXT,
	F_TEXTS,
	F_TARGET,
	F_SOURCE,
	F_FORMAT,
	F_CONTEXT,
	F_PROVIDER
};
static const struct param_spec translate_fields[] = {
	[F_TEXT] = { "text", PARAM_TEXT, 0, 1, 16L << 20, 0 },
	[F_TEXTS] = { "texts", PARAM_TEXT_ARRAY, 0, 1, 1000, 16L << 20 },
	/* required unless the signed-in user has a preferred one */
	[F_TARGET] = { "target", PARAM_STRING, 0, 2, 2, 0 },
	[F_SOURCE] = { "source", PARAM_STRING, 0, 2, 4, 0 },
	[F_FORMAT] = { "format", PARAM_STRING, 0, 4, 4, 0 },
	[F_CONTEXT] = { "context", PARAM_TEXT, 0, 0, 4096, 0 },
	[F_PROVIDER] = { "provider", PARAM_STRING, 0, 1, 32, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Collects the texts of a request, given as one ("text") or many
 * ("texts"), into *texts (see translation_texts(); the caller frees it on
 * every path) and checks them against the configured limits. Returns
 * PROBLEM_NONE with *n set, or the problem with rp->detail set. */
static enum problem collect_texts(struct worker *w, const struct param_value *one,
    const struct param_value *many, struct reply *rp, const char ***texts, size_t *n)
{
	enum problem p;

	if (one->present == many->present) {
		snprintf(rp->detail, sizeof(rp->detail), "send either text or texts");
		return PROBLEM_INVALID_FIELD;
	}
	p = translation_texts(w, one->present ? one : many, texts, n, rp);
	return p != PROBLEM_NONE ? p : translation_check_texts(w, *texts, *n, rp);
}

/* Builds the 200 body from the entries e[0..n): one result per text in
 * order, and billed_characters from the request's usage u. */
static struct json_object *translate_body(const struct tcache_entry *e, size_t n,
    char (*detected)[8], const struct usage *u, const char *request_id)
{
	struct json_object *body = json_object_new_object(), *arr = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "text", json_object_new_string(e[i].translated));
		json_object_object_add(t, "provider", json_object_new_string(e[i].provider));
		json_object_object_add(t, "model", json_object_new_string(e[i].model));
		json_object_object_add(t, "cached", json_object_new_boolean(e[i].hit));
		if (e[i].degraded)
			json_object_object_add(t, "degraded", json_object_new_boolean(1));
		if (detected != NULL)
			json_object_object_add(t, "detected_source",
			    json_object_new_string(detected[i]));
		json_object_array_add(arr, t);
	}
	json_object_object_add(body, "translations", arr);
	json_object_object_add(body, "billed_characters",
	    json_object_new_int64(u->billed_characters));
	json_object_object_add(body, "request_id", json_object_new_string(request_id));
	return body;
}

/* 200 with one translation per text, in order (X-Cache: HIT, MISS or
 * PARTIAL); 400/413 for bad input; 503 with Retry-After when a text is
 * not cached and no provider can translate it now. Without a source
 * (or "auto"), each text's language is detected and reported. */
static enum problem translate_post(struct worker *w, struct request *r, struct reply *rp)
{
	const struct param_value *fmt = &r->fields[F_FORMAT], *ctx = &r->fields[F_CONTEXT];
	struct translation_request q = { 0 };
	char source[8], target[8];
	struct translation_result res = { 0 };
	const char **texts = NULL;
	enum problem p;
	size_t n = 0;

	if (r->ident.translation_off) {
		snprintf(rp->detail, sizeof(rp->detail),
		    "translation is turned off in your preferences "
		    "(PUT /v1/preferences)");
		p = PROBLEM_FORBIDDEN;
		goto done;
	}
	if (!r->fields[F_TARGET].present && r->ident.pref_target[0] == '\0') {
		snprintf(rp->detail, sizeof(rp->detail),
		    "target: required (or set target_language "
		    "in your preferences)");
		p = PROBLEM_INVALID_FIELD;
		goto done;
	}
	p = collect_texts(w, &r->fields[F_TEXT], &r->fields[F_TEXTS], rp, &texts, &n);
	if (p != PROBLEM_NONE)
		goto done;
	if (fmt->present && strcmp(fmt->str, "text") != 0 && strcmp(fmt->str, "html") != 0) {
		snprintf(rp->detail, sizeof(rp->detail), "format must be text or html");
		p = PROBLEM_INVALID_FIELD;
		goto done;
	}
	q.texts = texts;
	q.ntexts = n;
	q.source =
	    langcode_lower(r->fields[F_SOURCE].present ? r->fields[F_SOURCE].str : NULL, source);
	q.target = langcode_lower(r->fields[F_TARGET].present ? r->fields[F_TARGET].str
	                                                      : r->ident.pref_target,
	    target);
	q.html = fmt->present && strcmp(fmt->str, "html") == 0;
	q.context = ctx->present ? ctx->str : "";
	q.provider = r->fields[F_PROVIDER].present ? r->fields[F_PROVIDER].str : NULL;
	p = translation_serve(w, r, &q, &res, rp);
	if (p != PROBLEM_NONE)
		goto done;
	reply_json(rp, 200, translate_body(res.entries, n, res.detected, &r->usage, r->request_id));
done:
	translation_release(&res);
	free(texts);
	return p;
}

enum {
	D_TEXT,
	D_TEXTS
};
static const struct param_spec detect_fields[] = {
	[D_TEXT] = { "text", PARAM_TEXT, 0, 1, 16L << 20, 0 },
	[D_TEXTS] = { "texts", PARAM_TEXT_ARRAY, 0, 1, 1000, 16L << 20 },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Returns {"language","confidence","alternatives"} for one text; language
 * and confidence are null when it cannot be told. */
static struct json_object *detection_json(const struct detection *d)
{
	struct json_object *o = json_object_new_object(), *alts = json_object_new_array();

	json_object_object_add(o, "language",
	    d->language[0] ? json_object_new_string(d->language) : NULL);
	char conf[16];
	snprintf(conf, sizeof(conf), "%.3f", d->confidence);
	json_object_object_add(o, "confidence",
	    d->language[0] ? json_object_new_double_s(d->confidence, conf) : NULL);
	for (int i = 1; i < d->ncandidates; i++)
		json_object_array_add(alts, json_object_new_string(d->candidates[i]));
	json_object_object_add(o, "alternatives", alts);
	return o;
}

/* 200 {"detections":[...],"request_id"}: one per text, in order. */
static enum problem detect_post(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *arr = NULL, *body;
	const char **texts = NULL;
	enum problem p;
	size_t n = 0;

	p = collect_texts(w, &r->fields[D_TEXT], &r->fields[D_TEXTS], rp, &texts, &n);
	if (p != PROBLEM_NONE)
		goto done;
	arr = json_object_new_array();
	r->usage.segments = (int)n;
	snprintf(r->usage.model, sizeof(r->usage.model), "libexttextcat");
	for (size_t i = 0; i < n; i++) {
		struct detection d;
		r->usage.characters += (long long)utf8_count(texts[i], strlen(texts[i]));
		if (detect_language(w, texts[i], strlen(texts[i]), &d) < 0) {
			p = PROBLEM_INTERNAL;
			goto done;
		}
		json_object_array_add(arr, detection_json(&d));
	}
	body = json_object_new_object();
	json_object_object_add(body, "detections", arr);
	json_object_object_add(body, "request_id", json_object_new_string(r->request_id));
	reply_json(rp, 200, body);
	arr = NULL;
done:
	json_object_put(arr);
	free(texts);
	return p;
}

/* json_object_array_sort() comparator: pairs by source, then target. */
static int compare_pairs(const void *a, const void *b)
{
	struct json_object *x = *(struct json_object *const *)a,
	                   *y = *(struct json_object *const *)b;
	int c = strcmp(json_str(x, "source", NULL), json_str(y, "source", NULL));

	return c != 0 ? c : strcmp(json_str(x, "target", NULL), json_str(y, "target", NULL));
}

/* 200 {"pairs":[{"source","target","providers"}],"languages":[...]}:
 * the sources, and the pairs sorted by source then target. */
static enum problem languages_get(struct worker *w, struct request *r, struct reply *rp)
{
	struct json_object *pairs = translation_pairs(w, r->request_id), *langs, *list, *body;

	if (pairs == NULL) {
		snprintf(rp->detail, sizeof(rp->detail), "no translation provider is available");
		rp->retry_after = 5;
		return PROBLEM_UNAVAILABLE;
	}
	langs = provider_pair_codes(pairs, NULL, 0);
	list = json_object_new_array();
	json_object_object_foreach(pairs, source, targets)
	{
		json_object_object_foreach(targets, target, providers)
		{
			struct json_object *p = json_object_new_object();
			json_object_object_add(p, "source", json_object_new_string(source));
			json_object_object_add(p, "target", json_object_new_string(target));
			json_object_object_add(p, "providers", json_object_get(providers));
			json_object_array_add(list, p);
		}
	}
	json_object_array_sort(list, compare_pairs);
	json_object_put(pairs);
	body = json_object_new_object();
	json_object_object_add(body, "pairs", list);
	json_object_object_add(body, "languages", langs);
	reply_json(rp, 200, body);
	return PROBLEM_NONE;
}

const struct route translate_routes[] = {
	{ .method = HTTP_POST,
	    .pattern = "/v1/translate",
	    .handler = translate_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_JSON,
	    .fields = translate_fields,
	    .name = "translate",
	    .metered = 1,
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_OPTIONAL,
	    .scope = SCOPE_TRANSLATE },
	{ .method = HTTP_POST,
	    .pattern = "/v1/detect",
	    .handler = detect_post,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_JSON,
	    .fields = detect_fields,
	    .name = "detect",
	    .metered = 1,
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_TRANSLATE },
	{ .method = HTTP_GET,
	    .pattern = "/v1/languages",
	    .handler = languages_get,
	    .auth = AUTH_KEY,
	    .min_role = ROLE_MEMBER,
	    .body = BODY_NONE,
	    .name = "languages",
	    .dialect = DIALECT_NATIVE,
	    .idempotency = IDEM_NONE,
	    .scope = SCOPE_TRANSLATE },
	{ .pattern = NULL },
};
